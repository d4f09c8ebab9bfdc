"""Rasa's REST channel format, served by the gateway."""

import uuid
from typing import Any

import httpx

from api.conversations import service as conversations
from api.core.db import create_engine, create_session_factory
from tests.api.conftest import ClientFactory
from tests.tokens import cca_identity


async def test_webhook_answers_in_rasa_rest_format(client: httpx.AsyncClient) -> None:
    sender = uuid.uuid4().hex

    response = await client.post(
        "/webhooks/rest/webhook", json={"sender": sender, "message": "bonjour"}
    )

    assert response.status_code == 200
    [greeting] = response.json()
    assert greeting["recipient_id"] == sender
    assert greeting["text"].startswith("Bonjour")
    assert len(greeting["buttons"]) == 15
    assert set(greeting["buttons"][0]) == {"title", "payload"}


async def test_webhook_payload_message_is_a_button_click(
    client: httpx.AsyncClient, database_url: str
) -> None:
    sender = uuid.uuid4().hex
    await client.post("/webhooks/rest/webhook", json={"sender": sender, "message": "/greet"})

    response = await client.post(
        "/webhooks/rest/webhook", json={"sender": sender, "message": "/fsd"}
    )

    [answer] = response.json()
    assert "CCA" in answer["text"]
    assert {
        "title": "Cycle de vie d'une FSD",
        "payload": '/open_entry{"entry_id": "fsd-cycle-de-vie"}',
    } in answer["buttons"]
    engine = create_engine(database_url)
    async with create_session_factory(engine)() as session:
        transcript = await conversations.transcript(db_session=session, conversation_id=sender)
    await engine.dispose()
    assert transcript[2].text == "Fiche service desk (FSD)"  # the button's title, as shown


async def test_webhook_omits_buttons_when_there_are_none(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/webhooks/rest/webhook", json={"sender": uuid.uuid4().hex, "message": "/thanks"}
    )

    [answer] = response.json()
    assert answer["text"] == "Je vous en prie. Avez-vous une autre question ?"
    assert "buttons" not in answer  # as Rasa's REST channel does


async def test_the_webhook_and_the_widget_api_cannot_write_to_each_others_conversations(
    client: httpx.AsyncClient,
) -> None:
    # Finding: knowing a conversation id (REST senders may be 8 characters) gave its transcript.
    sender = uuid.uuid4().hex
    await client.post("/webhooks/rest/webhook", json={"sender": sender, "message": "bonjour"})
    read = await client.get(f"/api/v1/conversations/{sender}")
    written = await client.post(f"/api/v1/conversations/{sender}/messages", json={"payload": "/ej"})
    widget = uuid.uuid4().hex
    created = await client.post(
        f"/api/v1/conversations/{widget}/messages", json={"text": "bonjour"}
    )
    hijacked = await client.post("/webhooks/rest/webhook", json={"sender": widget, "message": "x"})

    assert (read.status_code, written.status_code) == (403, 403)
    assert read.json()["error"] == "conversation_locked"
    assert created.status_code == 200
    assert hijacked.status_code == 403
    assert hijacked.json()["message"].startswith("Cette conversation n'est pas accessible")


async def test_a_configured_channel_token_is_required_and_makes_identities_count(
    make_client: ClientFactory, stack: Any
) -> None:
    channel = "c" * 32
    client = await make_client(
        rasa_url=stack.rasa_url, action_server_url=stack.actions_url, rest_channel_token=channel
    )
    body = {"sender": uuid.uuid4().hex, "message": "je veux ouvrir une fiche service desk"}
    body["metadata"] = {"identity_token": cca_identity()}

    missing = await client.post("/webhooks/rest/webhook", json=body)
    wrong = await client.post("/webhooks/rest/webhook", params={"token": "x" * 32}, json=body)
    trusted = await client.post("/webhooks/rest/webhook", params={"token": channel}, json=body)

    assert (missing.status_code, wrong.status_code) == (401, 401)
    assert "Quel titre" in trusted.json()[-1]["text"]  # the signed CCA starts the FSD form


async def test_without_a_channel_token_an_identity_sent_to_the_webhook_gives_no_right(
    client: httpx.AsyncClient,
) -> None:
    body = {"sender": uuid.uuid4().hex, "message": "je veux ouvrir une fiche service desk"}
    body["metadata"] = {"identity_token": cca_identity(), "role": "CCA"}

    answer = await client.post("/webhooks/rest/webhook", json=body)

    assert answer.json()[0]["text"].startswith("Seul le correspondant Chorus applicatif (CCA)")


async def test_webhook_rejects_bad_sender_and_empty_message(client: httpx.AsyncClient) -> None:
    bad_sender = await client.post("/webhooks/rest/webhook", json={"sender": "a b", "message": "x"})
    empty = await client.post(
        "/webhooks/rest/webhook", json={"sender": uuid.uuid4().hex, "message": "   "}
    )

    assert bad_sender.status_code == 422
    assert empty.status_code == 422
    assert empty.json()["message"] == "Votre message est vide."
