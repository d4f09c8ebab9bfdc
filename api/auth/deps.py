"""Who is calling: the staff member named by the bearer token, and their role."""

from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.auth import service
from api.auth.models import Role, User
from api.auth.service import AuthenticationError
from api.core.deps import SessionDep, SettingsDep

_bearer = HTTPBearer(auto_error=False, description="Token from POST /api/v1/auth/token")


async def _current_user(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    db_session: SessionDep,
    settings: SettingsDep,
) -> User:
    if credentials is None:
        raise AuthenticationError("missing bearer token", "Vous devez vous identifier.")
    return await service.user_from_token(
        db_session=db_session,
        secret=settings.secret_key.get_secret_value(),
        token=credentials.credentials,
        max_age_seconds=settings.token_max_age_seconds,
    )


CurrentUser = Annotated[User, Depends(_current_user)]


async def _current_admin(user: CurrentUser) -> User:
    return service.require_role(user, Role.ADMIN)


CurrentAdmin = Annotated[User, Depends(_current_admin)]


async def _current_advisor(user: CurrentUser) -> User:
    return service.require_role(user, Role.ADVISOR)


CurrentAdvisor = Annotated[User, Depends(_current_advisor)]
