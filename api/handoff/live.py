"""WebSocket connections of the widget and of the advisors' console.

Each connection has a writer that, when woken by the notifier (or every HEARTBEAT_SECONDS),
reads from the database what it has not sent yet and sends it, and a reader for what the
client sends. Messages are stored before anyone is woken, and a client that reconnects says
the last message id it saw (`after`): nothing is lost between two connections.
"""

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from fastapi import WebSocket, WebSocketDisconnect
from pydantic import BaseModel, ValidationError
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.auth import service as auth_service
from api.auth.models import Role, User
from api.conversations import flows as conversation_flows
from api.conversations import service as conversations
from api.conversations.models import DeliveryStatus, Message, Sender
from api.conversations.schemas import MessageCreate, MessageRead, limit_errors
from api.core.config import Settings
from api.core.errors import AppError
from api.core.realtime import QUEUE_TOPIC, Subscription, conversation_topic
from api.handoff import flows, service
from api.handoff.flows import LiveChat
from api.handoff.schemas import AgentMessageCreate

HEARTBEAT_SECONDS = 25.0
AUTH_TIMEOUT_SECONDS = 10.0
# Close codes (4000-4999 are the application's): the client should not reconnect as is.
CLOSE_NOT_FOUND = 4404
CLOSE_UNAUTHORIZED = 4401

Sessions = async_sessionmaker[AsyncSession]


class SocketError(Exception):
    """A client message that cannot be handled: told to the client, the socket stays open."""

    def __init__(self, message: str, detail: str) -> None:
        super().__init__(detail)
        self.message = message
        self.detail = detail


def _dump(message: Message) -> dict[str, Any]:
    return {
        "type": "message",
        "message": MessageRead.model_validate(message).model_dump(mode="json"),
    }


async def _receive(websocket: WebSocket) -> dict[str, Any]:
    """The client's next JSON object (raises SocketError for anything else)."""
    raw = await websocket.receive_text()
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise SocketError("Le message reçu n'est pas un JSON valide.", "invalid JSON") from exc
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        raise SocketError("Le message reçu n'est pas compris.", "expected {type: ...}")
    return data


async def _run(writer: Awaitable[None], reader: Awaitable[None]) -> None:
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


async def _changes(websocket: WebSocket, subscription: Subscription) -> AsyncIterator[None]:
    """Yield each time the subscription is woken; ping the client when nothing happens."""
    while True:
        if await subscription.wait(HEARTBEAT_SECONDS):
            yield
        else:
            await websocket.send_json({"type": "ping"})


async def _read_loop(
    websocket: WebSocket, handle: Callable[[dict[str, Any]], Awaitable[None]]
) -> None:
    while True:
        try:
            data = await _receive(websocket)
            if data["type"] == "ping":
                await websocket.send_json({"type": "pong"})
                continue
            await handle(data)
        except (SocketError, AppError) as exc:
            await websocket.send_json(
                {"type": "error", "message": exc.message, "detail": exc.detail}
            )


# ---- the widget ---------------------------------------------------------------------------


async def widget_socket(
    *, websocket: WebSocket, conversation_id: str, after: int, sessions: Sessions, live: LiveChat
) -> None:
    """Serve a widget: the bot's and advisors' messages after `after`, and status changes."""
    async with sessions() as db_session:
        if await conversations.get(db_session=db_session, conversation_id=conversation_id) is None:
            await websocket.close(CLOSE_NOT_FOUND, "Cette conversation n'existe pas.")
            return
    await websocket.accept()
    settings: Settings = websocket.app.state.settings
    with live.notifier.subscribe(conversation_topic(conversation_id), QUEUE_TOPIC) as subscription:
        cursor = _WidgetCursor(after=after)
        await _run(
            cursor.write(websocket, subscription, sessions, conversation_id),
            _read_loop(
                websocket,
                lambda data: _widget_message(data, conversation_id, sessions, live, settings),
            ),
        )


@dataclass
class _WidgetCursor:
    after: int
    last_status: dict[str, Any] | None = None

    async def write(
        self,
        websocket: WebSocket,
        subscription: Subscription,
        sessions: Sessions,
        conversation_id: str,
    ) -> None:
        async for _ in _changes(websocket, subscription):
            async with sessions() as db_session:
                messages = await service.messages_after(
                    db_session=db_session,
                    conversation_id=conversation_id,
                    after=self.after,
                    senders=(Sender.BOT, Sender.AGENT),
                )
                status = await _status(db_session, conversation_id)
            for message in messages:
                await websocket.send_json(_dump(message))
                self.after = message.id
            if status != self.last_status:
                await websocket.send_json(status)
                self.last_status = status


async def _status(db_session: AsyncSession, conversation_id: str) -> dict[str, Any]:
    conversation = await conversations.get(db_session=db_session, conversation_id=conversation_id)
    state = await service.state(db_session=db_session, conversation_id=conversation_id)
    return {
        "type": "status",
        "status": conversation.status.value if conversation else "closed",
        "handoff": state.model_dump(mode="json") if state else None,
    }


async def _widget_message(
    data: dict[str, Any],
    conversation_id: str,
    sessions: Sessions,
    live: LiveChat,
    settings: Settings,
) -> None:
    """A user message sent over the socket: handled as POST .../messages is."""
    if data["type"] != "message":
        raise SocketError("Ce type de message n'est pas pris en charge.", "unknown type")
    try:
        message = MessageCreate.model_validate(
            {k: v for k, v in data.items() if k in ("text", "payload", "metadata")}
        )
    except ValidationError as exc:
        raise SocketError("Votre message n'est pas valide.", str(exc.errors()[0]["msg"])) from exc
    if errors := limit_errors(message, settings):
        raise SocketError("Votre message est trop long.", str(errors[0]["msg"]))
    async with sessions() as db_session:
        await conversation_flows.handle_user_message(
            db_session=db_session, live=live, conversation_id=conversation_id, message=message
        )
    live.notifier.publish(conversation_topic(conversation_id))


# ---- the advisors' console ----------------------------------------------------------------


class _Watch(BaseModel):
    conversation_id: str
    after: int = 0


class _AdvisorText(BaseModel):
    handoff_id: int
    text: str


@dataclass
class _ConsoleState:
    advisor: User
    watching: str | None = None
    after: int = 0
    last_queue: list[dict[str, Any]] | None = None


async def _authenticate(
    websocket: WebSocket, sessions: Sessions, settings: Settings
) -> User | None:
    """Read the first message, {"type": "auth", "token": ...}; None if it names no advisor."""
    try:
        async with asyncio.timeout(AUTH_TIMEOUT_SECONDS):
            data = await _receive(websocket)
        token = data.get("token") if data["type"] == "auth" else None
        if not isinstance(token, str):
            return None
        async with sessions() as db_session:
            user = await auth_service.user_from_token(
                db_session=db_session,
                secret=settings.secret_key.get_secret_value(),
                token=token,
                max_age_seconds=settings.token_max_age_seconds,
            )
        return auth_service.require_role(user, Role.ADVISOR)
    except (TimeoutError, SocketError, AppError):
        return None


async def console_socket(*, websocket: WebSocket, sessions: Sessions, live: LiveChat) -> None:
    """Serve an advisor's console: the queue, and the transcript of the watched conversation."""
    await websocket.accept()
    settings: Settings = websocket.app.state.settings
    advisor = await _authenticate(websocket, sessions, settings)
    if advisor is None:
        await websocket.close(CLOSE_UNAUTHORIZED, "Identification de conseiller requise.")
        return
    await websocket.send_json({"type": "ready", "advisor": advisor.username})
    state = _ConsoleState(advisor=advisor)
    with live.notifier.subscribe(QUEUE_TOPIC) as subscription:

        async def handle(data: dict[str, Any]) -> None:
            await _console_message(data, state, subscription, sessions, live)

        await _run(
            _console_writer(websocket, state, subscription, sessions, live),
            _read_loop(websocket, handle),
        )


async def _console_message(
    data: dict[str, Any],
    state: _ConsoleState,
    subscription: Subscription,
    sessions: Sessions,
    live: LiveChat,
) -> None:
    try:
        if data["type"] == "watch":
            watch = _Watch.model_validate(data)
            if state.watching is not None:
                live.notifier.unfollow(subscription, conversation_topic(state.watching))
            state.watching, state.after = watch.conversation_id, watch.after
            live.notifier.follow(subscription, conversation_topic(watch.conversation_id))
        elif data["type"] == "message":
            text = _AdvisorText.model_validate(data)
            body = AgentMessageCreate.model_validate({"text": text.text})
            async with sessions() as db_session:
                await flows.send_as_advisor(
                    db_session=db_session,
                    live=live,
                    handoff_id=text.handoff_id,
                    advisor=state.advisor,
                    text=body.text,
                )
        else:
            raise SocketError("Ce type de message n'est pas pris en charge.", "unknown type")
    except ValidationError as exc:
        raise SocketError("Message incomplet ou mal formé.", str(exc.errors()[0]["msg"])) from exc


async def _console_writer(
    websocket: WebSocket,
    state: _ConsoleState,
    subscription: Subscription,
    sessions: Sessions,
    live: LiveChat,
) -> None:
    async for _ in _changes(websocket, subscription):
        async with sessions() as db_session:
            entries = await service.queue(db_session=db_session, now=live.clock())
            watching, messages = state.watching, []
            if watching is not None:
                messages = await service.messages_after(
                    db_session=db_session,
                    conversation_id=watching,
                    after=state.after,
                    senders=list(Sender),
                )
                await _mark_delivered(
                    db_session, [m.id for m in messages if m.sender is Sender.USER]
                )
        queue = [entry.model_dump(mode="json") for entry in entries]
        if queue != state.last_queue:
            await websocket.send_json({"type": "queue", "entries": queue})
            state.last_queue = queue
        for message in messages:
            if state.watching != watching:
                break
            await websocket.send_json({**_dump(message), "conversation_id": watching})
            state.after = message.id


async def _mark_delivered(db_session: AsyncSession, ids: list[int]) -> None:
    """User messages an advisor's console received are delivered."""
    if ids:
        await db_session.execute(
            update(Message)
            .where(Message.id.in_(ids), Message.delivery == DeliveryStatus.PENDING)
            .values(delivery=DeliveryStatus.DELIVERED)
        )
        await db_session.commit()
