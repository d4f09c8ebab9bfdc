"""A retried message (same client_message_id) is stored once, sent to Rasa once, and gets the
same reply; one that failed is sent to the bot again on its retry."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import update

from api.conversations.models import DeliveryStatus, Message
from api.core.db import create_engine, create_session_factory
from tests.api.conftest import ClientFactory


def user_events(stack: Any, conversation_id: str) -> int:
    """How many user messages Rasa received in the conversation."""
    return int(stack.tracker_events(conversation_id, "user"))


async def test_a_retried_message_is_answered_once_with_the_same_reply(
    client: httpx.AsyncClient, stack: Any
) -> None:
    conversation_id = uuid.uuid4().hex
    url = f"/api/v1/conversations/{conversation_id}/messages"
    body = {"text": "mot de passe oublié chorus pro", "client_message_id": "essai-0001"}
    first = await client.post(url, json=body)
    again = await client.post(url, json=body)

    assert first.status_code == again.status_code == 200
    assert first.json()["messages"] == again.json()["messages"] != []
    transcript = (await client.get(f"/api/v1/conversations/{conversation_id}")).json()
    assert [m["text"] for m in transcript["messages"] if m["sender"] == "user"] == [body["text"]]
    assert user_events(stack, conversation_id) == 1

    other = await client.post(url, json={**body, "client_message_id": "essai-0002"})
    assert other.status_code == 200 and user_events(stack, conversation_id) == 2


async def test_simultaneous_retries_store_the_message_once(
    client: httpx.AsyncClient, stack: Any
) -> None:
    conversation_id = uuid.uuid4().hex
    url = f"/api/v1/conversations/{conversation_id}/messages"
    await client.post(url, json={"payload": "/greet"})
    # Several rounds of several copies at once: on PostgreSQL two inserts really race, and the
    # loser (unique violation) must answer from the winner's message, never a 500.
    for round_ in range(4):
        body = {
            "text": "comment ajouter un tiers dans un EJ",
            "client_message_id": f"simul-round-{round_}",
        }
        responses = await asyncio.gather(*(client.post(url, json=body) for _ in range(6)))

        assert {r.status_code for r in responses} <= {200, 409}, [r.text for r in responses]
        assert any(r.status_code == 200 for r in responses)
    transcript = (await client.get(f"/api/v1/conversations/{conversation_id}")).json()
    users = [m for m in transcript["messages"] if m["sender"] == "user"]
    assert len(users) == 5  # the greeting and each round's question, once
    assert user_events(stack, conversation_id) == 5


async def test_a_message_that_failed_is_sent_to_the_bot_on_its_retry(
    make_client: ClientFactory, unused_url: str, stack: Any
) -> None:
    conversation_id = uuid.uuid4().hex
    url = f"/api/v1/conversations/{conversation_id}/messages"
    body = {"text": "mot de passe oublié chorus pro", "client_message_id": "panne-0001"}
    down = await make_client(rasa_url=unused_url, action_server_url=unused_url)
    assert (await down.post(url, json=body)).status_code == 503

    up = await make_client(rasa_url=stack.rasa_url, action_server_url=stack.actions_url)
    retried = await up.post(url, json=body)
    assert retried.status_code == 200 and retried.json()["messages"]
    transcript = (await up.get(f"/api/v1/conversations/{conversation_id}")).json()
    assert len([m for m in transcript["messages"] if m["sender"] == "user"]) == 1


async def test_a_malformed_client_message_id_is_a_french_422(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/conversations/conv_idem_01/messages",
        json={"text": "bonjour", "client_message_id": "x y"},
    )
    assert response.status_code == 422
    assert response.json()["message"] == "L'identifiant du message n'est pas valide."


async def _mark_pending(database_url: str, conversation_id: str, age_seconds: float) -> None:
    """Leave the message as a process killed while answering it leaves it: pending."""
    engine = create_engine(database_url)
    async with create_session_factory(engine)() as session:
        await session.execute(
            update(Message)
            .where(Message.conversation_id == conversation_id)
            .values(
                delivery=DeliveryStatus.PENDING,
                created_at=datetime.now(UTC) - timedelta(seconds=age_seconds),
            )
        )
        await session.commit()
    await engine.dispose()


async def test_a_message_whose_process_died_is_answered_on_its_retry(
    make_client: ClientFactory, unused_url: str, database_url: str, stack: Any
) -> None:
    """The API process answering a conversation's first message was killed: the message stays
    pending and the client never got the conversation's token. Its retry (same id) gets the
    token at once, and, once the dead process can no longer be answering, the bot's reply."""
    conversation_id = uuid.uuid4().hex
    url = f"/api/v1/conversations/{conversation_id}/messages"
    body = {"text": "mot de passe oublié chorus pro", "client_message_id": "orphan-0001"}
    dying = await make_client(rasa_url=unused_url, action_server_url=unused_url)
    await dying.post(url, json=body)
    await _mark_pending(database_url, conversation_id, age_seconds=1)
    survivor = await make_client(
        rasa_url=stack.rasa_url, action_server_url=stack.actions_url, rasa_timeout_seconds=5
    )

    early = await survivor.post(url, json=body)

    assert early.status_code == 409
    assert early.json()["message"].startswith("Votre message est en cours de traitement")
    assert early.json()["conversation_token"]  # kept by the client for what follows

    await _mark_pending(database_url, conversation_id, age_seconds=60)
    late = await survivor.post(url, json=body)

    assert late.status_code == 200, late.text
    assert late.json()["messages"]
    transcript = (await survivor.get(f"/api/v1/conversations/{conversation_id}")).json()
    assert [m["text"] for m in transcript["messages"] if m["sender"] == "user"] == [body["text"]]
    assert user_events(stack, conversation_id) == 1
