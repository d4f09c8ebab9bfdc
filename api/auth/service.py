"""Accounts, password checks and signed bearer tokens."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.auth.models import Role, User
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


async def create_user(
    *, db_session: AsyncSession, username: str, password: str, role: Role
) -> User:
    """Create a staff account, or raise ConflictError if the username is taken."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    existing = await db_session.scalar(select(User).where(User.username == username))
    if existing is not None:
        raise ConflictError(f"user {username!r} already exists", "Ce compte existe déjà.")
    user = User(username=username, password_hash=hash_password(password), role=role)
    db_session.add(user)
    await db_session.commit()
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
    """Return a signed token naming the user and their role."""
    return URLSafeTimedSerializer(secret, salt=TOKEN_SALT).dumps(
        {"uid": user.id, "role": user.role}
    )


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
    if user.role is not role:
        raise PermissionDeniedError(
            f"role {role.value!r} required", "Vous n'avez pas les droits nécessaires."
        )
    return user
