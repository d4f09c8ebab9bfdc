"""When Rasa is down or slow: a 503 with a French message, and the user's message is kept."""

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from api.conversations import service as conversations
from api.conversations.models import DeliveryStatus
from api.core.db import create_engine, create_session_factory
from tests.api.conftest import ClientFactory

CONVERSATION_ID = "conv_down_0001"


@pytest.fixture
async def slow_rasa_url() -> AsyncIterator[str]:
    """A server that accepts connections and never answers (a stuck Rasa)."""
    hold = asyncio.Event()

    async def never_answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await hold.wait()
        writer.close()

    server = await asyncio.start_server(never_answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    hold.set()
    server.close()


async def assert_kept_and_failed(client: httpx.AsyncClient, response: httpx.Response) -> None:
    assert response.status_code == 503
    body = response.json()
    assert body["message"].startswith("L'assistant est momentanément indisponible.")
    assert "enregistré" in body["message"]
    assert body["conversation_id"] == CONVERSATION_ID
    transcript = (await client.get(f"/api/v1/conversations/{CONVERSATION_ID}")).json()
    [kept] = transcript["messages"]
    assert kept["id"] == body["message_id"]
    assert kept["text"] == "Mon EJ est bloqué"


async def test_rasa_down_gives_503_and_keeps_the_message(
    make_client: ClientFactory, unused_url: str
) -> None:
    client = await make_client(rasa_url=unused_url)

    response = await client.post(
        f"/api/v1/conversations/{CONVERSATION_ID}/messages", json={"text": "Mon EJ est bloqué"}
    )

    await assert_kept_and_failed(client, response)
    assert "Cannot connect to host" in response.json()["detail"]


async def test_rasa_timeout_gives_503_within_the_timeout(
    make_client: ClientFactory, slow_rasa_url: str
) -> None:
    client = await make_client(rasa_url=slow_rasa_url, rasa_timeout_seconds=0.5)

    started = asyncio.get_running_loop().time()
    response = await client.post(
        f"/api/v1/conversations/{CONVERSATION_ID}/messages", json={"text": "Mon EJ est bloqué"}
    )

    assert asyncio.get_running_loop().time() - started < 5
    await assert_kept_and_failed(client, response)
    assert response.json()["detail"] == "Rasa did not answer within 0.5 s"


async def test_webhook_reports_rasa_down_too(
    make_client: ClientFactory, unused_url: str, database_url: str
) -> None:
    client = await make_client(rasa_url=unused_url)

    response = await client.post(
        "/webhooks/rest/webhook", json={"sender": CONVERSATION_ID, "message": "Mon EJ est bloqué"}
    )

    assert response.status_code == 503
    assert response.json()["message"].startswith("L'assistant est momentanément indisponible.")
    # The REST channel's conversations have no token to read them back: the database shows it.
    engine = create_engine(database_url)
    async with create_session_factory(engine)() as session:
        [kept] = await conversations.transcript(db_session=session, conversation_id=CONVERSATION_ID)
    await engine.dispose()
    assert (kept.id, kept.text) == (response.json()["message_id"], "Mon EJ est bloqué")
    assert kept.delivery is DeliveryStatus.FAILED
