"""Rasa's REST channel format, served by the gateway."""

import uuid

import httpx


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


async def test_webhook_payload_message_is_a_button_click(client: httpx.AsyncClient) -> None:
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
    transcript = (await client.get(f"/api/v1/conversations/{sender}")).json()
    assert transcript["messages"][2]["text"] == "Fiche service desk (FSD)"


async def test_webhook_omits_buttons_when_there_are_none(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/webhooks/rest/webhook", json={"sender": uuid.uuid4().hex, "message": "/thanks"}
    )

    [answer] = response.json()
    assert answer["text"] == "Je vous en prie. Avez-vous une autre question ?"
    assert "buttons" not in answer  # as Rasa's REST channel does


async def test_webhook_and_conversation_endpoint_share_the_conversation(
    client: httpx.AsyncClient,
) -> None:
    sender = uuid.uuid4().hex
    await client.post("/webhooks/rest/webhook", json={"sender": sender, "message": "bonjour"})
    await client.post(f"/api/v1/conversations/{sender}/messages", json={"payload": "/ej"})

    transcript = (await client.get(f"/api/v1/conversations/{sender}")).json()

    assert len(transcript["messages"]) == 4


async def test_webhook_rejects_bad_sender_and_empty_message(client: httpx.AsyncClient) -> None:
    bad_sender = await client.post("/webhooks/rest/webhook", json={"sender": "a b", "message": "x"})
    empty = await client.post(
        "/webhooks/rest/webhook", json={"sender": uuid.uuid4().hex, "message": "   "}
    )

    assert bad_sender.status_code == 422
    assert empty.status_code == 422
    assert empty.json()["message"] == "Votre message est vide."
