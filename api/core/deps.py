"""Dependencies every domain uses, as Annotated aliases: the database session, the settings,
and the runtime services the application starts (Rasa client, notifier, clock, outbox waker)."""

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, Path, Request
from sqlalchemy.ext.asyncio import AsyncSession

from api.core.clock import Clock
from api.core.config import Settings
from api.core.ids import CONVERSATION_ID_PATTERN
from api.core.rasa import RasaClient
from api.core.realtime import Notifier
from api.core.throttle import Throttle

OutboxWaker = Callable[[], None]


async def _db_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.session_factory() as session:
        yield session


def state(name: str) -> Callable[[Request], Awaitable[Any]]:
    """A dependency that reads what the application's lifespan put in `app.state.<name>`.

    Dependencies are coroutines: FastAPI runs a plain function in a worker thread, a hop that
    cost about 5 % of the API's CPU per message."""

    async def read(request: Request) -> Any:
        return getattr(request.app.state, name)

    return read


SessionDep = Annotated[AsyncSession, Depends(_db_session)]
SettingsDep = Annotated[Settings, Depends(state("settings"))]
ThrottleDep = Annotated[Throttle, Depends(state("throttle"))]
RasaDep = Annotated[RasaClient, Depends(state("rasa"))]
NotifierDep = Annotated[Notifier, Depends(state("notifier"))]
ClockDep = Annotated[Clock, Depends(state("clock"))]
# Sends the email outbox now, after a commit that queued a mail.
WakeOutboxDep = Annotated[OutboxWaker, Depends(state("wake_outbox"))]

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
