"""The widget's WebSocket: the bot's and advisors' messages after `after`, status changes, and
user messages sent over the socket (handled as POST .../messages is).

The writer, when woken by the notifier (or every heartbeat), reads from the database what it has
not sent yet; a widget that reconnects says the last message id it saw.
"""

from dataclasses import dataclass
from typing import Any

from fastapi import WebSocket
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.chat import flows
from api.chat.schemas import MessageCreate, limit_errors
from api.conversations import service as conversations
from api.conversations.models import Sender
from api.conversations.schemas import message_frame
from api.core.realtime import QUEUE_TOPIC, Subscription, conversation_topic
from api.core.sockets import (
    CLOSE_FORBIDDEN,
    CLOSE_NOT_FOUND,
    CLOSE_UNAUTHORIZED,
    SocketError,
    changes,
    read_loop,
    run_until_either_ends,
)
from api.handoff import service as handoff_service

Sessions = async_sessionmaker[AsyncSession]


async def widget_socket(
    *, websocket: WebSocket, conversation_id: str, after: int, token: str | None
) -> None:
    """Serve a widget until it leaves; refuse (after the handshake, with a 44xx close code
    the widget reads) an unknown conversation or a missing or wrong token."""
    state = websocket.app.state
    sessions: Sessions = state.session_factory
    await websocket.accept()
    async with sessions() as db_session:
        conversation = await conversations.get(
            db_session=db_session, conversation_id=conversation_id
        )
        if conversation is None:
            await websocket.close(CLOSE_NOT_FOUND, "Cette conversation n'existe pas.")
            return
        try:
            conversations.check_token(conversation=conversation, token=token)
        except conversations.ConversationTokenError as exc:
            missing = isinstance(exc, conversations.MissingConversationTokenError)
            await websocket.close(CLOSE_UNAUTHORIZED if missing else CLOSE_FORBIDDEN, exc.detail)
            return
    topics = (conversation_topic(conversation_id), QUEUE_TOPIC)
    with state.notifier.subscribe(*topics) as subscription:
        cursor = _WidgetCursor(after=after)

        async def handle(data: dict[str, Any]) -> None:
            await _user_message(websocket, data, conversation_id, token)

        await run_until_either_ends(
            cursor.write(websocket, subscription, sessions, conversation_id),
            read_loop(websocket, handle),
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
        async for _ in changes(websocket, subscription):
            async with sessions() as db_session:
                messages = await conversations.messages_after(
                    db_session=db_session,
                    conversation_id=conversation_id,
                    after=self.after,
                    senders=(Sender.BOT, Sender.AGENT),
                )
                status = await _status(db_session, conversation_id)
            for message in messages:
                await websocket.send_json(message_frame(message))
                self.after = message.id
            if status != self.last_status:
                await websocket.send_json(status)
                self.last_status = status


async def _status(db_session: AsyncSession, conversation_id: str) -> dict[str, Any]:
    conversation = await conversations.get(db_session=db_session, conversation_id=conversation_id)
    state = await handoff_service.state(db_session=db_session, conversation_id=conversation_id)
    return {
        "type": "status",
        "status": conversation.status.value if conversation else "closed",
        "handoff": state.model_dump(mode="json") if state else None,
    }


async def _user_message(
    websocket: WebSocket, data: dict[str, Any], conversation_id: str, token: str | None
) -> None:
    """A user message sent over the socket: handled as POST .../messages is."""
    if data["type"] != "message":
        raise SocketError("Ce type de message n'est pas pris en charge.", "unknown type")
    state = websocket.app.state
    fields = ("text", "payload", "metadata", "client_message_id", "identity_token")
    try:
        message = MessageCreate.model_validate({k: v for k, v in data.items() if k in fields})
    except ValidationError as exc:
        raise SocketError("Votre message n'est pas valide.", str(exc.errors()[0]["msg"])) from exc
    if errors := limit_errors(message, state.settings):
        raise SocketError("Votre message est trop long.", str(errors[0]["msg"]))
    async with state.session_factory() as db_session:
        await flows.handle_user_message(
            db_session=db_session,
            rasa=state.rasa,
            notifier=state.notifier,
            hours=state.opening_hours,
            desk=state.fsd_desk,
            wake_outbox=state.wake_outbox,
            now=state.clock(),
            settings=state.settings,
            caller=flows.Caller(conversation_token=token, identity_token=message.identity()),
            conversation_id=conversation_id,
            message=message,
        )
    state.notifier.publish(conversation_topic(conversation_id))
