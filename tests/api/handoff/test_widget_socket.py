"""The widget's socket: its conversation's token opens it, and hostile frames (binary, huge,
deep, NaN, lone surrogates, long numbers, random bytes) get an error frame, never a crash."""

import asyncio
import json
import uuid
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from websockets.exceptions import ConnectionClosed

from api.core.sockets import MAX_FRAME_BYTES, MAX_FRAME_CHARACTERS
from tests.api.handoff.conftest import LiveServer, Socket, SocketFactory
from tests.tokens import token_of


async def started(http: httpx.AsyncClient) -> str:
    conversation = uuid.uuid4().hex
    reply = await http.post(
        f"/api/v1/conversations/{conversation}/messages", json={"text": "bonjour"}
    )
    assert reply.status_code == 200
    return conversation


async def close_code(socket: Socket) -> int | None:
    """Read until the server closes the socket; its close code."""
    with pytest.raises(ConnectionClosed) as closed:
        async with asyncio.timeout(30):
            while True:
                await socket.next()
    return closed.value.rcvd.code if closed.value.rcvd else None


async def test_the_socket_needs_the_conversations_own_token(
    http: httpx.AsyncClient, open_socket: SocketFactory
) -> None:
    # Finding: knowing a conversation id gave its live socket.
    conversation = await started(http)
    path = f"/api/v1/conversations/{conversation}/ws"

    missing = await open_socket(path)
    wrong = await open_socket(f"{path}?token={'x' * 43}")
    right = await open_socket(f"{path}?token={token_of(http, conversation)}")

    assert await close_code(missing) == 4401
    assert await close_code(wrong) == 4403
    assert (await right.until(lambda f: f["type"] == "status"))["status"] == "bot"


async def pong(socket: Socket) -> None:
    """Ping, and read until the pong: every frame on the way is one the protocol knows."""
    await socket.send({"type": "ping"})
    async with asyncio.timeout(60):
        while True:
            reply = json.loads(await socket.connection.recv())
            assert reply["type"] in ("status", "error", "message", "pong", "ping")
            if reply["type"] == "pong":
                return


async def error_after(socket: Socket, frame: str | bytes) -> dict[str, Any]:
    await socket.connection.send(frame)
    return await socket.until(lambda f: f["type"] == "error")


async def test_hostile_frames_get_an_error_and_the_socket_keeps_serving(
    http: httpx.AsyncClient, open_socket: SocketFactory
) -> None:
    conversation = await started(http)
    socket = await open_socket(
        f"/api/v1/conversations/{conversation}/ws?token={token_of(http, conversation)}"
    )
    await socket.next()  # status
    deep = "[" * 100_000 + "]" * 100_000
    message = {"type": "message", "text": "bonjour"}

    binary = await error_after(socket, b"\x00\xff binary")
    nested = await error_after(socket, '{"type": "message", "metadata": ' + deep[:20_000] + "}")
    too_deep = await error_after(socket, deep[: MAX_FRAME_CHARACTERS - 10])
    too_long = await error_after(
        socket, json.dumps({**message, "text": "a" * MAX_FRAME_CHARACTERS})
    )
    nan = await error_after(socket, '{"type": "message", "text": "x", "metadata": {"a": NaN}}')
    surrogate = await error_after(socket, '{"type": "message", "text": "\\ud800"}')
    long_number = await error_after(
        socket, '{"type": "message", "metadata": {"n": ' + "9" * 5000 + "}}"
    )
    big_int = await error_after(socket, json.dumps({**message, "metadata": {"n": 2**70}}))

    assert binary["message"] == "Seuls les messages texte (JSON) sont acceptés."
    assert nested["message"] in (
        "Le message reçu est trop imbriqué.",
        "Votre message n'est pas valide.",
    )
    assert too_deep["message"] == "Le message reçu est trop imbriqué."
    assert too_long["message"] == "Votre message est trop volumineux."
    assert nan["message"] == "Le message reçu n'est pas un JSON valide."
    assert surrogate["message"] == "Votre message n'est pas valide."
    assert long_number["message"] == "Le message reçu n'est pas un JSON valide."
    assert big_int["message"] == "Votre message n'est pas valide."
    await pong(socket)


async def test_a_frame_beyond_the_servers_limit_closes_only_that_socket(
    http: httpx.AsyncClient, open_socket: SocketFactory, live_server: LiveServer
) -> None:
    # Finding: 15 MiB frames were accepted (memory 132 -> 464 MiB).
    conversation = await started(http)
    query = f"?token={token_of(http, conversation)}"
    socket = await open_socket(f"/api/v1/conversations/{conversation}/ws{query}")
    await socket.next()

    await socket.connection.send("x" * (MAX_FRAME_BYTES + 1))

    assert await close_code(socket) == 1009  # message too big
    health = await http.get(f"/api/v1/conversations/{conversation}")
    assert health.status_code == 200


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)
FRAMES = (
    st.binary(max_size=300)
    | st.text(max_size=300)
    | st.fixed_dictionaries(
        {"type": st.sampled_from(["message", "ping", "auth", "x"])},
        optional={
            "text": JSON_VALUES,
            "payload": JSON_VALUES,
            "metadata": JSON_VALUES,
            "client_message_id": JSON_VALUES,
            "identity_token": JSON_VALUES,
        },
    ).map(lambda frame: json.dumps(frame, allow_nan=True))
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(frames=st.lists(FRAMES, min_size=1, max_size=5))
async def test_random_frames_never_break_the_socket(
    http: httpx.AsyncClient, open_socket: SocketFactory, frames: list[str | bytes]
) -> None:
    conversation = await started(http)
    socket = await open_socket(
        f"/api/v1/conversations/{conversation}/ws?token={token_of(http, conversation)}"
    )
    for frame in frames:
        await socket.connection.send(frame)
    await pong(socket)  # whatever came before, the socket still answers
