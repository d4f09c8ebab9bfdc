"""Dependencies shared by the routers, as Annotated aliases."""

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlalchemy.ext.asyncio import AsyncSession

from api.conversations.schemas import CONVERSATION_ID_PATTERN
from api.core.config import Settings
from api.core.rasa import RasaClient


async def _db_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.session_factory() as session:
        yield session


def _rasa(request: Request) -> RasaClient:
    client: RasaClient = request.app.state.rasa
    return client


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SessionDep = Annotated[AsyncSession, Depends(_db_session)]
RasaDep = Annotated[RasaClient, Depends(_rasa)]
SettingsDep = Annotated[Settings, Depends(_settings)]
ConversationIdPath = Annotated[
    str,
    Path(
        pattern=CONVERSATION_ID_PATTERN,
        description="Chosen by the client: 8 to 128 characters among A-Z, a-z, 0-9, _ and -.",
        examples=["3f2c9a7e5b1d4c8f"],
    ),
]
