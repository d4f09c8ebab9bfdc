"""A conversation's own token: returned by its first message, needed to read it, write to it,
close it, rate it; a lost first reply is recovered by retrying the same message."""

import uuid

import httpx

from api.conversations.service import LOCKED_MESSAGE
from tests.api.conftest import ClientFactory


async def test_only_the_token_holder_reads_writes_closes_and_rates(
    make_client: ClientFactory, stack: object
) -> None:
    # A raw client: it keeps no token unless the test sends one.
    owner = await make_client(rasa_url=stack.rasa_url, action_server_url=stack.actions_url)  # type: ignore[attr-defined]
    conversation = uuid.uuid4().hex
    url = f"/api/v1/conversations/{conversation}"
    first = await owner.post(f"{url}/messages", json={"text": "bonjour"})
    token = first.json()["conversation_token"]
    others: list[dict[str, str]] = [{"X-Conversation-Token": "x" * 43}]
    calls = [
        ("GET", url, None),
        ("POST", f"{url}/messages", {"text": "je veux lire la suite"}),
        ("POST", f"{url}/rating", {"stars": 1}),
        ("POST", f"{url}/feedback", {"message_id": 1, "rating": "down"}),
        ("POST", f"{url}/close", None),
    ]

    for method, path, body in calls:
        anonymous = await owner.request(
            method, path, json=body, headers={"X-Conversation-Token": ""}
        )
        wrong = await owner.request(method, path, json=body, headers=others[0])
        assert (anonymous.status_code, wrong.status_code) == (401, 403), path
        assert wrong.json()["message"] == LOCKED_MESSAGE
    mine = {"X-Conversation-Token": token}
    transcript = await owner.get(url, headers=mine)
    rated = await owner.post(f"{url}/rating", json={"stars": 4}, headers=mine)

    assert first.status_code == 200 and len(token) >= 40
    assert [m["text"] for m in transcript.json()["messages"] if m["sender"] == "user"] == [
        "bonjour"
    ]
    assert rated.status_code == 201
    assert "conversation_token" not in transcript.json()


async def test_a_later_message_returns_no_token(client: httpx.AsyncClient) -> None:
    conversation = uuid.uuid4().hex
    first = await client.post(
        f"/api/v1/conversations/{conversation}/messages", json={"text": "bonjour"}
    )
    second = await client.post(
        f"/api/v1/conversations/{conversation}/messages", json={"text": "merci"}
    )

    assert first.json()["conversation_token"]
    assert second.status_code == 200 and second.json()["conversation_token"] is None


async def test_the_retry_of_a_first_message_whose_reply_was_lost_gets_a_new_token(
    make_client: ClientFactory, stack: object
) -> None:
    raw = await make_client(rasa_url=stack.rasa_url, action_server_url=stack.actions_url)  # type: ignore[attr-defined]
    conversation = uuid.uuid4().hex
    url = f"/api/v1/conversations/{conversation}"
    body = {"text": "bonjour", "client_message_id": uuid.uuid4().hex}
    lost = (await raw.post(f"{url}/messages", json=body)).json()["conversation_token"]

    retried = await raw.post(f"{url}/messages", json=body, headers={"X-Conversation-Token": ""})
    guessed = await raw.post(
        f"{url}/messages",
        json={"text": "bonjour", "client_message_id": uuid.uuid4().hex},
        headers={"X-Conversation-Token": ""},
    )

    assert retried.status_code == 200
    token = retried.json()["conversation_token"]
    assert token and token != lost
    assert retried.json()["messages"]  # the reply it had, not a second turn
    assert guessed.status_code == 401
    assert (await raw.get(url, headers={"X-Conversation-Token": lost})).status_code == 403
    assert (await raw.get(url, headers={"X-Conversation-Token": token})).status_code == 200
