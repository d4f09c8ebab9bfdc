"""Public writes are limited per conversation and per address: beyond, a 429 in French with
Retry-After, and the refused message is not stored."""

import httpx

from api.chat.router import TOO_MANY_WRITES
from tests.api.conftest import ClientFactory


async def post(client: httpx.AsyncClient, conversation: str, text: str) -> httpx.Response:
    return await client.post(f"/api/v1/conversations/{conversation}/messages", json={"text": text})


async def test_one_conversation_flooding_is_stopped_and_the_others_go_on(
    make_client: ClientFactory, unused_url: str
) -> None:
    client = await make_client(
        rasa_url=unused_url, action_server_url=unused_url, public_writes_per_conversation="3/minute"
    )
    codes = [(await post(client, "flood_conv_1", f"message {n}")).status_code for n in range(4)]
    assert codes == [503, 503, 503, 429]  # stored (Rasa is down here), then refused

    refused = await post(client, "flood_conv_1", "encore")
    assert refused.json()["message"] == TOO_MANY_WRITES
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    transcript = (await client.get("/api/v1/conversations/flood_conv_1")).json()
    assert len([m for m in transcript["messages"] if m["sender"] == "user"]) == 3
    assert (await client.post("/api/v1/conversations/flood_conv_1/close")).status_code == 429
    assert (await post(client, "other_conv_1", "bonjour")).status_code == 503


async def test_one_address_opening_many_conversations_is_stopped(
    make_client: ClientFactory, unused_url: str
) -> None:
    client = await make_client(
        rasa_url=unused_url, action_server_url=unused_url, public_writes_per_address="4/minute"
    )
    codes = [(await post(client, f"spray_conv_{n}", "bonjour")).status_code for n in range(5)]
    assert codes == [503] * 4 + [429]
    webhook = await client.post(
        "/webhooks/rest/webhook", json={"sender": "spray_conv_9", "message": "bonjour"}
    )
    assert webhook.status_code == 429
