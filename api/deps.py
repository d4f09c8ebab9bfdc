"""Dependencies shared by the routers, as Annotated aliases."""

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from api.auth import service as auth_service
from api.auth.models import Role, User
from api.auth.service import AuthenticationError
from api.conversations.schemas import CONVERSATION_ID_PATTERN
from api.core.config import Settings
from api.core.rasa import RasaClient
from api.handoff.flows import LiveChat


async def _db_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.session_factory() as session:
        yield session


def _rasa(request: Request) -> RasaClient:
    client: RasaClient = request.app.state.rasa
    return client


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _livechat(request: Request) -> LiveChat:
    live: LiveChat = request.app.state.livechat
    return live


SessionDep = Annotated[AsyncSession, Depends(_db_session)]
_bearer = HTTPBearer(auto_error=False, description="Token from POST /api/v1/auth/token")
RasaDep = Annotated[RasaClient, Depends(_rasa)]
SettingsDep = Annotated[Settings, Depends(_settings)]
LiveChatDep = Annotated[LiveChat, Depends(_livechat)]
ConversationIdPath = Annotated[
    str,
    Path(
        pattern=CONVERSATION_ID_PATTERN,
        description="Chosen by the client: 8 to 128 characters among A-Z, a-z, 0-9, _ and -.",
        examples=["3f2c9a7e5b1d4c8f"],
    ),
]


# A row id in a path: positive and within a 32-bit INTEGER (larger ones are a 422, not a 500).
IdPath = Annotated[int, Path(ge=1, le=2**31 - 1, description="A positive id.", examples=[12])]


async def _current_user(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    db_session: SessionDep,
    settings: SettingsDep,
) -> User:
    if credentials is None:
        raise AuthenticationError("missing bearer token", "Vous devez vous identifier.")
    return await auth_service.user_from_token(
        db_session=db_session,
        secret=settings.secret_key.get_secret_value(),
        token=credentials.credentials,
        max_age_seconds=settings.token_max_age_seconds,
    )


CurrentUser = Annotated[User, Depends(_current_user)]


def _current_admin(user: CurrentUser) -> User:
    return auth_service.require_role(user, Role.ADMIN)


CurrentAdmin = Annotated[User, Depends(_current_admin)]


def _current_advisor(user: CurrentUser) -> User:
    return auth_service.require_role(user, Role.ADVISOR)


CurrentAdvisor = Annotated[User, Depends(_current_advisor)]
