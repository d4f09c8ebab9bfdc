"""A real API server (uvicorn, in a thread) with a settable clock, wired to the test stack's
Rasa and action server, for the LiveChat's HTTP and WebSocket tests."""

import asyncio
import json
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import uvicorn
from websockets.asyncio.client import ClientConnection, connect

from api.auth.models import Role
from api.core.config import Settings
from api.core.sockets import MAX_FRAME_BYTES
from api.main import create_app
from tests import tokens
from tests.api.conftest import staff_headers
from tests.stack import free_port

# A Tuesday at 10:00 in Paris (09:00 UTC), not a public holiday: advisors answer.
OPEN_TIME = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
# A Saturday at 10:00 in Paris: advisors are away until Monday 8:30.
WEEKEND_TIME = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


FSD_SYSTEM_KEY = "cle-de-test-du-systeme-fsd-0123456789"


class FakeClock:
    """A clock the test sets."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class LiveServer:
    """An API server on a loopback port."""

    url: str
    clock: FakeClock
    database_url: str

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://")


def _serve(app: Any, port: int) -> tuple[uvicorn.Server, threading.Thread]:
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        ws="websockets-sansio",
        ws_max_size=MAX_FRAME_BYTES,  # as the Procfile's uvicorn --ws-max-size
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    return server, thread


@pytest.fixture
def live_server(database_url: str, stack: Any) -> Iterator[LiveServer]:
    """The API served by uvicorn, its clock set to a working day within opening hours."""
    clock = FakeClock(OPEN_TIME)
    settings = Settings(
        app_env="test",
        database_url=database_url,
        rasa_url=stack.rasa_url,
        action_server_url=stack.actions_url,
        fsd_system_api_key=FSD_SYSTEM_KEY,
    )
    port = free_port()
    server, thread = _serve(create_app(settings, clock=clock), port)
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        if server.started:
            break
        threading.Event().wait(0.05)
    assert server.started, "the API server did not start"
    yield LiveServer(url=url, clock=clock, database_url=database_url)
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
async def http(live_server: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    async with tokens.client(base_url=live_server.url, timeout=30) as client:
        yield client


AdvisorFactory = Callable[..., Awaitable[dict[str, str]]]


@pytest.fixture
def advisor(live_server: LiveServer, http: httpx.AsyncClient) -> AdvisorFactory:
    """Create a staff account (an advisor by default) and return its Authorization header."""

    async def factory(name: str = "conseiller-1", role: Role = Role.ADVISOR) -> dict[str, str]:
        return await staff_headers(http, live_server.database_url, username=name, role=role)

    return factory


class Socket:
    """A WebSocket client that reads JSON frames, skipping heartbeats."""

    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection

    async def send(self, data: dict[str, Any]) -> None:
        await self.connection.send(json.dumps(data))

    async def next(self, timeout: float = 20.0) -> dict[str, Any]:
        while True:
            frame = json.loads(await asyncio.wait_for(self.connection.recv(), timeout))
            if frame.get("type") not in ("ping", "pong"):
                return dict(frame)

    async def until(
        self, predicate: Callable[[dict[str, Any]], bool], timeout: float = 30.0
    ) -> dict[str, Any]:
        """Read frames until one matches; fail after the timeout."""
        async with asyncio.timeout(timeout):
            while True:
                frame = await self.next(timeout)
                if predicate(frame):
                    return frame


SocketFactory = Callable[[str], Awaitable[Socket]]


@pytest.fixture
async def open_socket(live_server: LiveServer) -> AsyncIterator[SocketFactory]:
    """Open WebSockets on the server (closed at the end of the test)."""
    connections: list[ClientConnection] = []

    async def factory(path: str) -> Socket:
        connection = await connect(live_server.ws_url + path, open_timeout=10)
        connections.append(connection)
        return Socket(connection)

    yield factory
    for connection in connections:
        await connection.close()


def new_conversation_id() -> str:
    import uuid

    return uuid.uuid4().hex
