"""An advisor closes while Rasa is down: the user still gets the rating request, and Rasa's
tracker is resumed before the next message."""

import dataclasses
from typing import Any

import httpx

from api.auth import service as auth_service
from api.auth.models import Role
from api.core.db import create_engine, create_session_factory
from api.core.rasa import RasaClient
from tests.api.conftest import ClientFactory
from tests.api.handoff.conftest import PASSWORD, new_conversation_id
from tests.api.handoff.test_livechat import hand_off, queue, rasa_tracker, say


async def advisor_headers(client: httpx.AsyncClient, database_url: str) -> dict[str, str]:
    engine = create_engine(database_url)
    async with create_session_factory(engine)() as session:
        await auth_service.create_user(
            db_session=session, username="conseiller-r", password=PASSWORD, role=Role.ADVISOR
        )
    await engine.dispose()
    response = await client.post(
        "/api/v1/auth/token", json={"username": "conseiller-r", "password": PASSWORD}
    )
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def test_closing_while_rasa_is_down_still_asks_for_a_rating_and_resumes_later(
    make_client: ClientFactory, stack: Any, database_url: str, unused_url: str
) -> None:
    client = await make_client(rasa_url=stack.rasa_url, action_server_url=stack.actions_url)
    app = client._transport.app  # type: ignore[attr-defined]
    conversation = new_conversation_id()
    await hand_off(client, conversation)
    headers = await advisor_headers(client, database_url)
    [entry] = await queue(client, headers)
    await client.post(f"/api/v1/console/handoffs/{entry['id']}/claim", headers=headers)

    working = app.state.livechat
    down = RasaClient(base_url=unused_url, timeout_seconds=2, max_in_flight=2)
    app.state.livechat = dataclasses.replace(working, rasa=down)
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

    app.state.livechat = working
    await down.aclose()
    reply = await say(client, conversation, text="bonjour")
    assert reply["status"] == "bot" and reply["messages"]
    assert (await rasa_tracker(stack, conversation))["paused"] is False
