"""Conversations and messages: plain functions over an async session."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from api.conversations.models import (
    Conversation,
    ConversationRating,
    DeliveryStatus,
    Feedback,
    FeedbackRating,
    Message,
    Sender,
    UnansweredMessage,
)
from api.core.errors import AppError, NotFoundError


def _not_found(conversation_id: str) -> NotFoundError:
    return NotFoundError(
        f"conversation {conversation_id!r} does not exist",
        "Cette conversation n'existe pas ou a expiré.",
    )


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
        raise _not_found(conversation_id)
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


async def user_message_by_client_id(
    *, db_session: AsyncSession, conversation_id: str, client_message_id: str
) -> Message | None:
    """The user message a client sent with this id, if it was stored."""
    query = select(Message).where(
        Message.conversation_id == conversation_id,
        Message.client_message_id == client_message_id,
    )
    found: Message | None = await db_session.scalar(query)
    return found


async def replies_to(*, db_session: AsyncSession, message: Message) -> list[Message]:
    """The bot's and advisors' messages that followed a user message, up to the next one."""
    following = select(Message).where(
        Message.conversation_id == message.conversation_id, Message.id > message.id
    )
    rows = list(await db_session.scalars(following.order_by(Message.id)))
    replies: list[Message] = []
    for row in rows:
        if row.sender is Sender.USER:
            break
        replies.append(row)
    return replies


async def add_user_message(
    *,
    db_session: AsyncSession,
    conversation: Conversation,
    text: str | None,
    payload: str | None,
    client_message_id: str | None = None,
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
        client_message_id=client_message_id,
        delivery=DeliveryStatus.PENDING,
    )
    db_session.add(message)
    await db_session.flush()
    return message


@dataclass
class BotUtterance:
    """A bot message to store: text, buttons and what the bot attached to it."""

    text: str | None
    buttons: list[dict[str, str]]
    entry_id: str | None = None
    entry_version: int | None = None
    ask_rating: bool = False


async def add_bot_messages(
    *, db_session: AsyncSession, conversation: Conversation, utterances: Sequence[BotUtterance]
) -> list[Message]:
    """Store the bot's messages in order."""
    messages = [
        Message(
            conversation_id=conversation.id,
            sender=Sender.BOT,
            text=u.text,
            buttons=u.buttons,
            entry_id=u.entry_id,
            entry_version=u.entry_version,
            ask_rating=u.ask_rating,
        )
        for u in utterances
    ]
    db_session.add_all(messages)
    await db_session.flush()
    return messages


async def get_or_raise(*, db_session: AsyncSession, conversation_id: str) -> Conversation:
    """Return the conversation, or raise NotFoundError."""
    conversation = await get(db_session=db_session, conversation_id=conversation_id)
    if conversation is None:
        raise _not_found(conversation_id)
    return conversation


class NotRateableError(AppError):
    """The message exists but carries no knowledge answer to rate."""

    status_code = 422


async def rateable_message(
    *, db_session: AsyncSession, conversation_id: str, message_id: int
) -> Message:
    """Return the conversation's bot answer that can be rated, or raise."""
    message = await db_session.get(Message, message_id)
    if message is None or message.conversation_id != conversation_id:
        raise NotFoundError(
            f"message {message_id} does not exist in conversation {conversation_id!r}",
            "Ce message n'existe pas dans cette conversation.",
        )
    if message.sender != Sender.BOT or message.entry_id is None:
        raise NotRateableError(
            f"message {message_id} is not a bot answer from the knowledge base",
            "Ce message ne peut pas être évalué.",
        )
    return message


async def record_feedback(
    *,
    db_session: AsyncSession,
    message: Message,
    rating: FeedbackRating,
    comment: str | None,
    ministry_code: str | None,
) -> Feedback:
    """Store the feedback on a bot answer; a new one on the same answer replaces the old one."""
    feedback = (
        await db_session.scalars(select(Feedback).where(Feedback.message_id == message.id))
    ).one_or_none()
    if feedback is None:
        feedback = Feedback(conversation_id=message.conversation_id, message_id=message.id)
        db_session.add(feedback)
    feedback.rating = rating
    feedback.comment = comment
    feedback.ministry_code = ministry_code
    feedback.entry_id = message.entry_id
    feedback.entry_version = message.entry_version
    await db_session.flush()
    return feedback


async def record_rating(
    *, db_session: AsyncSession, conversation: Conversation, stars: int, comment: str | None
) -> ConversationRating:
    """Store the conversation's star rating; a new one replaces the old one."""
    rating = (
        await db_session.scalars(
            select(ConversationRating).where(ConversationRating.conversation_id == conversation.id)
        )
    ).one_or_none()
    if rating is None:
        rating = ConversationRating(conversation_id=conversation.id)
        db_session.add(rating)
    rating.stars = stars
    rating.comment = comment
    await db_session.flush()
    return rating


async def entries_shown(*, db_session: AsyncSession, conversation_id: str) -> list[str]:
    """The knowledge entries the bot answered with in this conversation, in order, once each."""
    entries = await db_session.scalars(
        select(Message.entry_id)
        .where(Message.conversation_id == conversation_id, Message.entry_id.is_not(None))
        .order_by(Message.id)
    )
    return list(dict.fromkeys(e for e in entries if e))


async def transcript(*, db_session: AsyncSession, conversation_id: str) -> list[Message]:
    """The conversation's messages, oldest first."""
    messages = await db_session.scalars(
        select(Message).where(Message.conversation_id == conversation_id).order_by(Message.id)
    )
    return list(messages)


async def messages_after(
    *, db_session: AsyncSession, conversation_id: str, after: int, senders: Sequence[Sender]
) -> list[Message]:
    """The conversation's messages from these senders with an id above `after`, in order."""
    query = (
        select(Message)
        .where(
            Message.conversation_id == conversation_id,
            Message.id > after,
            Message.sender.in_(senders),
        )
        .order_by(Message.id)
    )
    return list(await db_session.scalars(query))


async def log_unanswered(
    *,
    db_session: AsyncSession,
    conversation_id: str,
    text: str,
    reason: str,
    candidates: Sequence[str] = (),
    nlu_domain: str | None = None,
    message_id: int | None = None,
) -> UnansweredMessage:
    """Keep a message the bot could not answer, for the support staff's review."""
    item = UnansweredMessage(
        conversation_id=conversation_id,
        message_id=message_id,
        text=text,
        reason=reason,
        candidates=list(candidates),
        nlu_domain=nlu_domain,
    )
    db_session.add(item)
    await db_session.flush()
    return item


async def unanswered_in(
    *, db_session: AsyncSession, conversation_id: str
) -> list[UnansweredMessage]:
    """The messages of this conversation the bot could not answer, in order."""
    items = await db_session.scalars(
        select(UnansweredMessage)
        .where(UnansweredMessage.conversation_id == conversation_id)
        .order_by(UnansweredMessage.id)
    )
    return list(items)
