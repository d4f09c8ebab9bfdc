"""Verified identity of widget users: the host portal signs the user's profile as a JWT.

Only the claims of a valid token give rights (role CCA, ministry, email); what the client sends
in `metadata` is a preference. HS256 with a secret shared with the portal, or RS256 with the
portal's public key; the token must expire (`exp`), name its user (`sub`) and, when configured,
its audience (`aud`) and issuer (`iss`).
"""

from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from pydantic import BaseModel, Field, ValidationError, field_validator

from api.auth.service import AuthenticationError
from api.core.config import Settings
from api.core.text import clean_ministry_code, is_email

EXPIRED_MESSAGE = (
    "Votre identification auprès du portail a expiré : rechargez la page pour continuer."
)
INVALID_MESSAGE = (
    "Votre identification auprès du portail n'a pas pu être vérifiée : rechargez la page ; "
    "si le problème persiste, contactez votre correspondant Chorus (CCA)."
)
DEMO_LIFETIME = timedelta(hours=8)


class IdentityError(AuthenticationError):
    """An identity token that is malformed, badly signed, expired or not for this assistant."""


class ExpiredIdentityError(IdentityError):
    """A well-signed identity token past its expiry."""


class Identity(BaseModel):
    """The claims a portal signs; what the assistant trusts about a widget user."""

    sub: str = Field(min_length=1, max_length=128)
    role: str | None = Field(default=None, max_length=30)
    ministry_code: str | None = None
    email: str | None = None
    name: str | None = Field(default=None, max_length=100)
    exp: int

    @field_validator("role")
    @classmethod
    def upper_role(cls, value: str | None) -> str | None:
        """The role in upper case (CCA), None when blank."""
        return value.strip().upper() or None if value else None

    @field_validator("ministry_code")
    @classmethod
    def valid_ministry(cls, value: str | None) -> str | None:
        """A ministry code such as MIN06."""
        return clean_ministry_code(value) if value else None

    @field_validator("email")
    @classmethod
    def valid_email(cls, value: str | None) -> str | None:
        """An email address the FSD desk accepts."""
        if value and not is_email(value.strip()):
            raise ValueError("not an email address")
        return value.strip() if value else None

    def stored(self) -> dict[str, Any]:
        """The claims kept with the conversation (no empty value)."""
        return {k: v for k, v in self.model_dump().items() if v is not None}


def _keys(settings: Settings) -> list[tuple[str, Any]]:
    """The (algorithm, key) pairs a token may be verified with."""
    keys: list[tuple[str, Any]] = []
    if settings.identity_hs256_secret is not None:
        keys.append(("HS256", settings.identity_hs256_secret.get_secret_value()))
    public_key = settings.identity_public_key()
    if public_key:
        keys.append(("RS256", public_key))
    return keys


def verify(*, token: str, settings: Settings) -> Identity:
    """The identity a portal signed in this token, or raise IdentityError."""
    keys = _keys(settings)
    if not keys:
        raise IdentityError(
            "no identity key is configured (IDENTITY_HS256_SECRET)", INVALID_MESSAGE
        )
    try:
        algorithm = jwt.get_unverified_header(token).get("alg")
    except (jwt.InvalidTokenError, UnicodeError) as exc:
        raise IdentityError(f"identity token is malformed: {exc}", INVALID_MESSAGE) from exc
    key = next((k for alg, k in keys if alg == algorithm), None)
    if key is None:
        raise IdentityError(
            f"identity token algorithm {algorithm!r} is not accepted", INVALID_MESSAGE
        )
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[str(algorithm)],
            audience=settings.identity_audience,
            issuer=settings.identity_issuer,
            leeway=settings.identity_leeway_seconds,
            options={
                "require": ["exp", "iat", "sub"],
                "verify_aud": bool(settings.identity_audience),
            },
        )
    except jwt.ExpiredSignatureError as exc:
        raise ExpiredIdentityError("identity token has expired", EXPIRED_MESSAGE) from exc
    except jwt.InvalidTokenError as exc:
        raise IdentityError(f"identity token is invalid: {exc}", INVALID_MESSAGE) from exc
    lifetime = int(claims["exp"]) - int(claims["iat"])
    if lifetime > settings.identity_max_lifetime_seconds:
        raise IdentityError(
            f"identity token lives {lifetime} s; at most {settings.identity_max_lifetime_seconds}",
            INVALID_MESSAGE,
        )
    try:
        return Identity.model_validate(claims)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"])
        raise IdentityError(f"identity claim {where}: {error['msg']}", INVALID_MESSAGE) from exc


def sign_demo(*, claims: dict[str, str], settings: Settings, now: datetime) -> str | None:
    """A token for the demo page's profile, signed as a portal would (never in production)."""
    if settings.app_env == "production" or settings.identity_hs256_secret is None:
        return None
    payload: dict[str, Any] = {
        **claims,
        "iat": int(now.timestamp()),
        "exp": int((now + DEMO_LIFETIME).timestamp()),
    }
    if settings.identity_audience:
        payload["aud"] = settings.identity_audience
    if settings.identity_issuer:
        payload["iss"] = settings.identity_issuer
    secret = settings.identity_hs256_secret.get_secret_value()
    return jwt.encode(payload, secret, algorithm="HS256")


def utc_now() -> datetime:
    """The current time, in UTC."""
    return datetime.now(UTC)
