"""Conversations and messages: plain functions over an async session."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from api.conversations.models import Conversation, DeliveryStatus, Message, Sender
from api.core.errors import NotFoundError


async def get(*, db_session: AsyncSession, conversation_id: str) -> Conversation | None:
    """Return the conversation, if any."""
    return await db_session.get(Conversation, conversation_id)


async def get_with_messages_or_raise(
    *, db_session: AsyncSession, conversation_id: str
) -> Conversation:
    """Return the conversation with its transcript, or raise NotFoundError."""
    query = (
        select(Conversation)
        .where(Conversation.id == conversation_id)
        .options(selectinload(Conversation.messages))
    )
    conversation = (await db_session.scalars(query)).one_or_none()
    if conversation is None:
        raise NotFoundError(
            f"conversation {conversation_id!r} does not exist",
            "Cette conversation n'existe pas ou a expiré.",
        )
    return conversation


async def get_or_create(
    *, db_session: AsyncSession, conversation_id: str, profile: dict[str, Any] | None = None
) -> Conversation:
    """Return the conversation, creating it on its first message; merge the client's profile."""
    conversation = await get(db_session=db_session, conversation_id=conversation_id)
    if conversation is None:
        try:
            async with db_session.begin_nested():
                conversation = Conversation(id=conversation_id, profile=profile or {})
                db_session.add(conversation)
        except IntegrityError:
            # Two first messages raced: the other request created it.
            conversation = await get(db_session=db_session, conversation_id=conversation_id)
            assert conversation is not None
    if profile and any(conversation.profile.get(k) != v for k, v in profile.items()):
        conversation.profile = {**conversation.profile, **profile}
    return conversation


async def button_title(
    *, db_session: AsyncSession, conversation_id: str, payload: str
) -> str | None:
    """Return the title of the latest bot button that sends this payload, if any."""
    query = (
        select(Message.buttons)
        .where(Message.conversation_id == conversation_id, Message.sender == Sender.BOT)
        .order_by(Message.id.desc())
        .limit(20)
    )
    for buttons in await db_session.scalars(query):
        for button in buttons or []:
            if button.get("payload") == payload:
                return str(button.get("title"))
    return None


async def add_user_message(
    *, db_session: AsyncSession, conversation: Conversation, text: str | None, payload: str | None
) -> Message:
    """Store a user message, pending delivery; a payload is shown with its button's title."""
    if text is None and payload is not None:
        text = await button_title(
            db_session=db_session, conversation_id=conversation.id, payload=payload
        )
    message = Message(
        conversation_id=conversation.id,
        sender=Sender.USER,
        text=text,
        payload=payload,
        buttons=[],
        delivery=DeliveryStatus.PENDING,
    )
    db_session.add(message)
    await db_session.flush()
    return message


async def add_bot_messages(
    *,
    db_session: AsyncSession,
    conversation: Conversation,
    utterances: Sequence[tuple[str | None, list[dict[str, str]]]],
) -> list[Message]:
    """Store the bot's messages (text and buttons) in order."""
    messages = [
        Message(conversation_id=conversation.id, sender=Sender.BOT, text=text, buttons=buttons)
        for text, buttons in utterances
    ]
    db_session.add_all(messages)
    await db_session.flush()
    return messages
