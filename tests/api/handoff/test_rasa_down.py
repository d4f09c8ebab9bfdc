"""An advisor closes while Rasa is down: the user still gets the rating request, and Rasa's
tracker is resumed before the next message."""

from typing import Any

from api.auth.models import Role
from api.core.rasa import RasaClient
from tests.api.conftest import ClientFactory, staff_headers
from tests.api.handoff.conftest import new_conversation_id
from tests.api.handoff.test_livechat import claimed, rasa_tracker, say


async def test_closing_while_rasa_is_down_still_asks_for_a_rating_and_resumes_later(
    make_client: ClientFactory, stack: Any, database_url: str, unused_url: str
) -> None:
    client = await make_client(rasa_url=stack.rasa_url, action_server_url=stack.actions_url)
    app = client._transport.app  # type: ignore[attr-defined]
    conversation = new_conversation_id()
    headers = await staff_headers(client, database_url, username="conseiller-r", role=Role.ADVISOR)
    entry = await claimed(client, headers, conversation)

    working = app.state.rasa
    down = RasaClient(base_urls=[unused_url], timeout_seconds=2, max_in_flight=2)
    app.state.rasa = down
    closed = await client.post(
        f"/api/v1/console/handoffs/{entry['id']}/close",
        json={"outcome": "redirected"},
        headers=headers,
    )
    assert closed.status_code == 200
    transcript = (await client.get(f"/api/v1/conversations/{conversation}")).json()
    assert transcript["status"] == "bot"
    assert transcript["messages"][-1]["text"] == (
        "Le conseiller a mis fin à l'échange. Merci d'évaluer cet échange avec le conseiller."
    )
    assert transcript["messages"][-1]["ask_rating"] is True
    assert (await rasa_tracker(stack, conversation))["paused"] is True

    # Still down: the message is kept, marked failed, with a 503 in French.
    refused = await client.post(
        f"/api/v1/conversations/{conversation}/messages", json={"text": "bonjour"}
    )
    assert refused.status_code == 503
    assert "Votre message a bien été enregistré" in refused.json()["message"]

    app.state.rasa = working
    await down.aclose()
    reply = await say(client, conversation, text="bonjour")
    assert reply["status"] == "bot" and reply["messages"]
    assert (await rasa_tracker(stack, conversation))["paused"] is False
