"""Accounts, password checks and signed bearer tokens."""

import asyncio
import secrets
from collections.abc import Sequence
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.auth.models import DESK_ROLES, Role, User
from api.core.errors import AppError, ConflictError
from api.core.throttle import Throttle

_hasher = PasswordHasher()
TOKEN_SALT = "assistant-chorus-staff-token"
MIN_PASSWORD_LENGTH = 12


TOO_MANY_LOGINS = "Trop de tentatives de connexion : réessayez dans quelques minutes."


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


@cache
def _decoy_hash() -> str:
    """A hash checked for unknown users, so that they take as long as known ones."""
    return _hasher.hash(secrets.token_urlsafe(16))


def _verify(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _decoy_hash(), password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


async def authenticate(*, db_session: AsyncSession, username: str, password: str) -> User:
    """Return the active user with these credentials, or raise AuthenticationError (the hash is
    checked in a thread, and unknown users take as long as known ones)."""
    user = await db_session.scalar(select(User).where(User.username == username))
    known = user is not None and user.active
    stored = user.password_hash if user is not None and known else None
    if not await asyncio.to_thread(_verify, stored, password) or user is None:
        raise AuthenticationError(
            "invalid username or password", "Identifiant ou mot de passe incorrect."
        )
    return user


async def log_in(
    *,
    db_session: AsyncSession,
    throttle: Throttle,
    username: str,
    password: str,
    address: str,
    per_username: str,
    per_address: str,
) -> User:
    """Authenticate within the attempts allowed per user name and per address; a failure
    counts against both, a success clears the user name's count."""
    user_limit, address_limit = Throttle.limit(per_username), Throttle.limit(per_address)
    name_key = username.strip().casefold()
    await throttle.check(user_limit, "login-user", name_key, message=TOO_MANY_LOGINS)
    await throttle.check(address_limit, "login-address", address, message=TOO_MANY_LOGINS)
    try:
        user = await authenticate(db_session=db_session, username=username, password=password)
    except AuthenticationError:
        await throttle.hit(user_limit, "login-user", name_key)
        await throttle.hit(address_limit, "login-address", address)
        raise
    await throttle.clear(user_limit, "login-user", name_key)
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
