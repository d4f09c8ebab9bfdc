"""The console's endpoints and sockets refuse what they must, with a French message."""

import asyncio
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from api.auth.models import Role
from tests.api.handoff.conftest import AdvisorFactory, SocketFactory, new_conversation_id
from tests.api.handoff.test_livechat import claimed, hand_off, queue
from tests.tokens import token_of


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/console/queue"),
        ("GET", "/api/v1/console/handoffs/1"),
        ("POST", "/api/v1/console/handoffs/1/claim"),
        ("GET", "/api/v1/console/canned-responses"),
        ("GET", "/api/v1/console/outcomes"),
    ],
)
async def test_the_console_needs_an_advisor(
    http: httpx.AsyncClient, advisor: AdvisorFactory, method: str, path: str
) -> None:
    anonymous = await http.request(method, path)
    assert anonymous.status_code == 401
    assert anonymous.json()["message"] == "Vous devez vous identifier."

    admin = await http.request(method, path, headers=await advisor("admin-1", Role.ADMIN))
    assert admin.status_code == 403
    assert admin.json()["message"] == "Vous n'avez pas les droits nécessaires."


async def test_unknown_handoffs_and_inactive_chats_are_refused(
    http: httpx.AsyncClient, advisor: AdvisorFactory
) -> None:
    headers = await advisor()
    missing = await http.post("/api/v1/console/handoffs/999999/claim", headers=headers)
    assert missing.status_code == 404
    assert missing.json()["message"] == "Cette demande de conseiller n'existe pas."

    await hand_off(http, new_conversation_id())
    [entry] = await queue(http, headers)
    for path, body in (("messages", {"text": "Bonjour"}), ("close", {"outcome": "resolved"})):
        refused = await http.post(
            f"/api/v1/console/handoffs/{entry['id']}/{path}", json=body, headers=headers
        )
        assert refused.status_code == 409, path
        assert refused.json()["message"] == (
            "Cette conversation n'est pas en cours avec un conseiller."
        )


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"text": "   "}, "Votre message est vide."),
        ({"text": "a\x00b"}, "Votre message contient des caractères non imprimables."),
        ({"text": "x" * 5001}, "Votre message est trop long (5000 caractères au maximum)."),
        ({"text": 42}, "Un texte était attendu."),
        ({}, "Une information obligatoire est manquante."),
    ],
)
async def test_bad_advisor_messages_get_a_422_in_french(
    http: httpx.AsyncClient, advisor: AdvisorFactory, body: dict[str, Any], reason: str
) -> None:
    headers = await advisor()
    entry = await claimed(http, headers, new_conversation_id())

    response = await http.post(
        f"/api/v1/console/handoffs/{entry['id']}/messages", json=body, headers=headers
    )

    assert response.status_code == 422
    assert reason in response.json()["message"]


async def test_a_close_needs_a_known_outcome(
    http: httpx.AsyncClient, advisor: AdvisorFactory
) -> None:
    headers = await advisor()
    entry = await claimed(http, headers, new_conversation_id())

    response = await http.post(
        f"/api/v1/console/handoffs/{entry['id']}/close",
        json={"outcome": "cancelled"},
        headers=headers,
    )

    assert response.status_code == 422


async def test_the_console_socket_closes_without_a_valid_advisor_token(
    open_socket: SocketFactory, advisor: AdvisorFactory
) -> None:
    admin_token = (await advisor("admin-1", Role.ADMIN))["Authorization"].removeprefix("Bearer ")
    for first in ({"type": "auth", "token": "forged"}, {"type": "auth", "token": admin_token}):
        socket = await open_socket("/api/v1/console/ws")
        await socket.send(first)
        with pytest.raises(ConnectionClosed) as closed:
            await socket.next()
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401


async def test_the_widget_socket_refuses_unknown_conversations(
    open_socket: SocketFactory,
) -> None:
    socket = await open_socket(f"/api/v1/conversations/{new_conversation_id()}/ws")
    with pytest.raises(ConnectionClosed) as closed:
        await socket.next()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4404


async def test_garbage_on_a_socket_gets_an_error_frame_and_the_socket_stays_open(
    http: httpx.AsyncClient, open_socket: SocketFactory
) -> None:
    conversation = new_conversation_id()
    await hand_off(http, conversation)
    widget = await open_socket(
        f"/api/v1/conversations/{conversation}/ws?token={token_of(http, conversation)}"
    )

    await widget.connection.send("<script>alert(1)</script>")
    error = await widget.until(lambda f: f["type"] == "error")
    assert error["message"] == "Le message reçu n'est pas un JSON valide."
    await widget.send({"type": "message", "text": ""})
    error = await widget.until(lambda f: f["type"] == "error")
    assert error["message"] == "Votre message n'est pas valide."

    await widget.send({"type": "message", "text": "toujours là"})
    for _ in range(50):
        transcript = (await http.get(f"/api/v1/conversations/{conversation}")).json()["messages"]
        if transcript[-1]["text"] == "toujours là":
            break
        await asyncio.sleep(0.1)
    assert transcript[-1]["sender"] == "user" and transcript[-1]["text"] == "toujours là"
