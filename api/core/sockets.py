"""What the widget's and the console's WebSockets share: JSON frames, a writer woken by the
notifier (with heartbeats), a reader, and running both until the client leaves."""

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from fastapi import WebSocket, WebSocketDisconnect

from api.core.errors import AppError
from api.core.realtime import Subscription

HEARTBEAT_SECONDS = 25.0
# Close codes (4000-4999 are the application's): the client should not reconnect as is.
CLOSE_NOT_FOUND = 4404
CLOSE_UNAUTHORIZED = 4401
CLOSE_FORBIDDEN = 4403
# A frame is a message (5,000 characters of text at most) with its metadata: far below this.
# The server's own limit (uvicorn --ws-max-size) closes the socket beyond MAX_FRAME_BYTES.
MAX_FRAME_CHARACTERS = 64 * 1024
MAX_FRAME_BYTES = 256 * 1024


class SocketError(Exception):
    """A client message that cannot be handled: told to the client, the socket stays open."""

    def __init__(self, message: str, detail: str) -> None:
        super().__init__(detail)
        self.message = message
        self.detail = detail


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def parse_frame(raw: str) -> dict[str, Any]:
    """A frame's JSON object with a "type"; SocketError for anything else (too long, not
    JSON, NaN or Infinity, nested too deep for the parser, numbers too long, not an object)."""
    if len(raw) > MAX_FRAME_CHARACTERS:
        raise SocketError(
            "Votre message est trop volumineux.",
            f"frame is longer than {MAX_FRAME_CHARACTERS} characters",
        )
    try:
        data = json.loads(raw, parse_constant=_no_constant)
    except RecursionError as exc:
        raise SocketError("Le message reçu est trop imbriqué.", "JSON nested too deep") from exc
    except ValueError as exc:
        raise SocketError(
            "Le message reçu n'est pas un JSON valide.", f"invalid JSON: {exc}"
        ) from exc
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        raise SocketError("Le message reçu n'est pas compris.", "expected {type: ...}")
    return data


async def receive_json(websocket: WebSocket) -> dict[str, Any]:
    """The client's next JSON object with a "type" (raises SocketError for anything else)."""
    event = await websocket.receive()
    if event["type"] == "websocket.disconnect":
        raise WebSocketDisconnect(event.get("code", 1000), event.get("reason"))
    raw = event.get("text")
    if raw is None:
        raise SocketError(
            "Seuls les messages texte (JSON) sont acceptés.", "binary frames are not accepted"
        )
    return parse_frame(raw)


async def run_until_either_ends(writer: Awaitable[None], reader: Awaitable[None]) -> None:
    """Run the writer and the reader until either ends (the client left), then stop both."""
    tasks = [asyncio.ensure_future(writer), asyncio.ensure_future(reader)]
    done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, RuntimeError):
            await task
    for task in done:
        with contextlib.suppress(WebSocketDisconnect, RuntimeError):
            task.result()


async def changes(websocket: WebSocket, subscription: Subscription) -> AsyncIterator[None]:
    """Yield each time the subscription is woken; ping the client when nothing happens."""
    while True:
        if await subscription.wait(HEARTBEAT_SECONDS):
            yield
        else:
            await websocket.send_json({"type": "ping"})


async def read_loop(
    websocket: WebSocket, handle: Callable[[dict[str, Any]], Awaitable[None]]
) -> None:
    """Answer pings and hand every other frame to `handle`; errors are told to the client."""
    while True:
        try:
            data = await receive_json(websocket)
            if data["type"] == "ping":
                await websocket.send_json({"type": "pong"})
                continue
            await handle(data)
        except (SocketError, AppError) as exc:
            await websocket.send_json(
                {"type": "error", "message": exc.message, "detail": exc.detail}
            )
