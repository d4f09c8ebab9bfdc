"""Accounts, password checks and signed bearer tokens."""

from collections.abc import Sequence

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.auth.models import DESK_ROLES, Role, User
from api.core.errors import AppError, ConflictError

_hasher = PasswordHasher()
TOKEN_SALT = "assistant-chorus-staff-token"
MIN_PASSWORD_LENGTH = 12


class AuthenticationError(AppError):
    """Missing, wrong or expired credentials."""

    status_code = 401


class PermissionDeniedError(AppError):
    """Authenticated, but not allowed."""

    status_code = 403


def hash_password(password: str) -> str:
    """Return the argon2 hash of a password."""
    return _hasher.hash(password)


def check_roles(roles: Sequence[Role]) -> list[str]:
    """The roles as stored, or ValueError when there is none or more than one desk role."""
    if not roles:
        raise ValueError("a staff member needs at least one role")
    if sum(r in DESK_ROLES for r in set(roles)) > 1:
        raise ValueError("a staff member holds at most one of the roles cca, sn1 and sn2")
    return sorted({r.value for r in roles})


async def create_user(
    *, db_session: AsyncSession, username: str, password: str, roles: Sequence[Role]
) -> User:
    """Create a staff account, or raise ConflictError if the username is taken."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    stored_roles = check_roles(roles)
    existing = await db_session.scalar(select(User).where(User.username == username))
    if existing is not None:
        raise ConflictError(f"user {username!r} already exists", "Ce compte existe déjà.")
    user = User(username=username, password_hash=hash_password(password), roles=stored_roles)
    db_session.add(user)
    await db_session.flush()
    return user


async def authenticate(*, db_session: AsyncSession, username: str, password: str) -> User:
    """Return the active user with these credentials, or raise AuthenticationError."""
    user = await db_session.scalar(select(User).where(User.username == username))
    try:
        if user is None or not user.active:
            raise VerificationError
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError) as exc:
        raise AuthenticationError(
            "invalid username or password", "Identifiant ou mot de passe incorrect."
        ) from exc
    return user


def issue_token(*, secret: str, user: User) -> str:
    """Return a signed token naming the user (their roles are read from the database)."""
    return URLSafeTimedSerializer(secret, salt=TOKEN_SALT).dumps({"uid": user.id})


async def user_from_token(
    *, db_session: AsyncSession, secret: str, token: str, max_age_seconds: int
) -> User:
    """Return the active user a valid, unexpired token names, or raise AuthenticationError."""
    serializer = URLSafeTimedSerializer(secret, salt=TOKEN_SALT)
    try:
        claims = serializer.loads(token, max_age=max_age_seconds)
    except SignatureExpired as exc:
        raise AuthenticationError(
            "token expired", "Votre session a expiré : reconnectez-vous."
        ) from exc
    except BadSignature as exc:
        raise AuthenticationError("invalid token", "Vous devez vous identifier.") from exc
    user = await db_session.get(User, claims.get("uid")) if isinstance(claims, dict) else None
    if user is None or not user.active:
        raise AuthenticationError("unknown or inactive user", "Vous devez vous identifier.")
    return user


def require_role(user: User, role: Role) -> User:
    """Return the user if they have the role, else raise PermissionDeniedError."""
    if not user.has_role(role):
        raise PermissionDeniedError(
            f"role {role.value!r} required", "Vous n'avez pas les droits nécessaires."
        )
    return user
