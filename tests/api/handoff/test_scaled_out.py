"""With several API processes, WebSocket notifications travel through Redis (localhost:6379)."""

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect

from api.core.config import Settings
from api.core.realtime import RedisNotifier
from api.main import create_app
from tests import tokens
from tests.api.handoff.conftest import (
    OPEN_TIME,
    AdvisorFactory,
    FakeClock,
    LiveServer,
    Socket,
    _serve,
    new_conversation_id,
)
from tests.api.handoff.test_livechat import claimed
from tests.stack import free_port
from tests.tokens import token_of

REDIS_URL = "redis://127.0.0.1:6379/0"


async def test_a_notification_published_by_one_process_wakes_the_others() -> None:
    sender, receiver = RedisNotifier(REDIS_URL), RedisNotifier(REDIS_URL)
    await sender.start()
    await receiver.start()
    await asyncio.sleep(0.5)  # the receiver's Redis subscription is in place
    try:
        with receiver.subscribe("conversation:abc") as subscription:
            assert await subscription.wait(1)  # a new subscription first catches up
            assert not await subscription.wait(0.3)
            sender.publish("conversation:abc")
            assert await subscription.wait(5)
            sender.publish("conversation:other")
            assert not await subscription.wait(0.5)
    finally:
        await sender.aclose()
        await receiver.aclose()


@pytest.fixture
def two_servers(database_url: str, stack: Any) -> Iterator[list[LiveServer]]:
    """Two API processes (uvicorn servers) on one database, notifying each other via Redis."""
    servers = []
    for _ in range(2):
        settings = Settings(
            app_env="test",
            database_url=database_url,
            rasa_url=stack.rasa_url,
            action_server_url=stack.actions_url,
            realtime_redis_url=REDIS_URL,
        )
        clock = FakeClock(OPEN_TIME)
        port = free_port()
        server, thread = _serve(create_app(settings, clock=clock), port)
        servers.append(
            (server, thread, LiveServer(f"http://127.0.0.1:{port}", clock, database_url))
        )
    for server, _, _ in servers:
        for _ in range(200):
            if server.started:
                break
            time.sleep(0.05)
        assert server.started
    yield [live for _, _, live in servers]
    for server, thread, _ in servers:
        server.should_exit = True
        thread.join(timeout=10)


async def test_an_advisor_on_one_process_reaches_a_widget_on_the_other(
    two_servers: list[LiveServer], http: httpx.AsyncClient, advisor: AdvisorFactory
) -> None:
    first, second = two_servers
    conversation = new_conversation_id()
    async with tokens.client(base_url=first.url, timeout=30) as on_first:
        headers = await advisor()
        entry = await claimed(on_first, headers, conversation)
        last = (await on_first.get(f"/api/v1/conversations/{conversation}")).json()["messages"]
        async with connect(
            f"{second.ws_url}/api/v1/conversations/{conversation}/ws?after={last[-1]['id']}"
            f"&token={token_of(on_first, conversation)}"
        ) as connection:
            widget = Socket(connection)
            assert (await widget.next())["type"] == "status"
            await asyncio.sleep(0.3)
            await on_first.post(
                f"/api/v1/console/handoffs/{entry['id']}/messages",
                json={"text": "Bonjour depuis l'autre instance"},
                headers=headers,
            )
            # Well before the 25 s heartbeat: the notification came through Redis.
            frame = await widget.until(lambda f: f["type"] == "message", timeout=5)
            assert frame["message"]["text"] == "Bonjour depuis l'autre instance"
