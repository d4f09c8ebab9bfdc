"""The advisors' console WebSocket: the queue, and the transcript of the watched conversation.

The writer, when woken by the notifier (or every heartbeat), reads from the database what it has
not sent yet; a console that reconnects says the last message id it saw (`after`).
"""

import asyncio
from dataclasses import dataclass
from typing import Any

from fastapi import WebSocket
from pydantic import BaseModel, ValidationError
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.auth import service as auth_service
from api.auth.models import Role, User
from api.conversations import service as conversations
from api.conversations.models import DeliveryStatus, Message, Sender
from api.conversations.schemas import message_frame
from api.core.clock import Clock
from api.core.config import Settings
from api.core.errors import AppError
from api.core.realtime import QUEUE_TOPIC, Notifier, Subscription, conversation_topic
from api.core.sockets import (
    CLOSE_UNAUTHORIZED,
    SocketError,
    changes,
    read_loop,
    receive_json,
    run_until_either_ends,
)
from api.handoff import flows, service
from api.handoff.schemas import AgentMessageCreate

AUTH_TIMEOUT_SECONDS = 10.0

Sessions = async_sessionmaker[AsyncSession]


class _Watch(BaseModel):
    conversation_id: str
    after: int = 0


class _AdvisorText(BaseModel):
    handoff_id: int
    text: str


@dataclass
class _Console:
    """One advisor's connection: who, what they watch, what they were sent."""

    advisor: User
    sessions: Sessions
    notifier: Notifier
    clock: Clock
    watching: str | None = None
    after: int = 0
    last_queue: list[dict[str, Any]] | None = None


async def _authenticate(
    websocket: WebSocket, sessions: Sessions, settings: Settings
) -> User | None:
    """Read the first message, {"type": "auth", "token": ...}; None if it names no advisor."""
    try:
        async with asyncio.timeout(AUTH_TIMEOUT_SECONDS):
            data = await receive_json(websocket)
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


async def console_socket(
    *,
    websocket: WebSocket,
    sessions: Sessions,
    settings: Settings,
    notifier: Notifier,
    clock: Clock,
) -> None:
    """Serve an advisor's console: the queue, and the transcript of the watched conversation."""
    await websocket.accept()
    advisor = await _authenticate(websocket, sessions, settings)
    if advisor is None:
        await websocket.close(CLOSE_UNAUTHORIZED, "Identification de conseiller requise.")
        return
    await websocket.send_json({"type": "ready", "advisor": advisor.username})
    console = _Console(advisor=advisor, sessions=sessions, notifier=notifier, clock=clock)
    with notifier.subscribe(QUEUE_TOPIC) as subscription:

        async def handle(data: dict[str, Any]) -> None:
            await _console_message(data, console, subscription)

        await run_until_either_ends(
            _console_writer(websocket, console, subscription), read_loop(websocket, handle)
        )


async def _console_message(
    data: dict[str, Any], console: _Console, subscription: Subscription
) -> None:
    try:
        if data["type"] == "watch":
            watch = _Watch.model_validate(data)
            if console.watching is not None:
                console.notifier.unfollow(subscription, conversation_topic(console.watching))
            console.watching, console.after = watch.conversation_id, watch.after
            console.notifier.follow(subscription, conversation_topic(watch.conversation_id))
        elif data["type"] == "message":
            text = _AdvisorText.model_validate(data)
            body = AgentMessageCreate.model_validate({"text": text.text})
            async with console.sessions() as db_session:
                await flows.send_as_advisor(
                    db_session=db_session,
                    notifier=console.notifier,
                    handoff_id=text.handoff_id,
                    advisor=console.advisor,
                    text=body.text,
                )
        else:
            raise SocketError("Ce type de message n'est pas pris en charge.", "unknown type")
    except ValidationError as exc:
        raise SocketError("Message incomplet ou mal formé.", str(exc.errors()[0]["msg"])) from exc


async def _console_writer(
    websocket: WebSocket, console: _Console, subscription: Subscription
) -> None:
    async for _ in changes(websocket, subscription):
        async with console.sessions() as db_session:
            entries = await service.queue(db_session=db_session, now=console.clock())
            watching, messages = console.watching, []
            if watching is not None:
                messages = await conversations.messages_after(
                    db_session=db_session,
                    conversation_id=watching,
                    after=console.after,
                    senders=list(Sender),
                )
                await _mark_delivered(
                    db_session, [m.id for m in messages if m.sender is Sender.USER]
                )
        queue = [entry.model_dump(mode="json") for entry in entries]
        if queue != console.last_queue:
            await websocket.send_json({"type": "queue", "entries": queue})
            console.last_queue = queue
        for message in messages:
            if console.watching != watching:
                break
            await websocket.send_json({**message_frame(message), "conversation_id": watching})
            console.after = message.id


async def _mark_delivered(db_session: AsyncSession, ids: list[int]) -> None:
    """User messages an advisor's console received are delivered."""
    if ids:
        await db_session.execute(
            update(Message)
            .where(Message.id.in_(ids), Message.delivery == DeliveryStatus.PENDING)
            .values(delivery=DeliveryStatus.DELIVERED)
        )
        await db_session.commit()
