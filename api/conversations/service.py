"""Conversations and messages: plain functions over an async session."""

import hashlib
import hmac
import secrets
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


# Profile keys only a verified identity sets: what a client declares under them is dropped.
IDENTITY_KEYS = frozenset({"role", "email", "name", "sub", "verified", "identity_token"})
SHOWN_CLAIMS = ("role", "ministry_code", "email", "name")


class ConversationTokenError(AppError):
    """The request does not carry the conversation's own token."""

    status_code = 403

    def __init__(self, detail: str, message: str) -> None:
        super().__init__(detail, message, error="conversation_locked")


class MissingConversationTokenError(ConversationTokenError):
    """No conversation token at all."""

    status_code = 401


LOCKED_MESSAGE = (
    "Cette conversation n'est pas accessible depuis cette session : commencez une nouvelle "
    "conversation."
)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> tuple[str, str]:
    """A new conversation token and the hash that is stored."""
    token = secrets.token_urlsafe(32)
    return token, _hash(token)


def check_token(*, conversation: Conversation, token: str | None) -> None:
    """Raise unless the token is the conversation's own (widget API conversations only)."""
    if conversation.token_hash is None:
        raise ConversationTokenError(
            f"conversation {conversation.id!r} has no token (Rasa REST channel or older)",
            LOCKED_MESSAGE,
        )
    if not token:
        raise MissingConversationTokenError(
            "missing conversation token (X-Conversation-Token, or ?token= on the socket)",
            LOCKED_MESSAGE,
        )
    if not hmac.compare_digest(_hash(token), conversation.token_hash):
        raise ConversationTokenError("wrong conversation token", LOCKED_MESSAGE)


def check_rest_channel(*, conversation: Conversation) -> None:
    """Raise if a REST channel request targets a conversation of the widget API (it has a token)."""
    if conversation.token_hash is not None:
        raise ConversationTokenError(
            f"conversation {conversation.id!r} belongs to the widget API; use its token there",
            LOCKED_MESSAGE,
        )


def preferences(metadata: dict[str, Any] | None) -> dict[str, Any]:
    """What a client may declare about itself: its metadata without the identity's keys."""
    return {k: v for k, v in (metadata or {}).items() if k not in IDENTITY_KEYS}


@dataclass
class Opened:
    """A conversation a message goes to, and its token when this message created it."""

    conversation: Conversation
    token: str | None = None


async def open_for_message(
    *,
    db_session: AsyncSession,
    conversation_id: str,
    token: str | None,
    with_token: bool,
    profile: dict[str, Any] | None = None,
) -> Opened:
    """The conversation of a new message, created on its first one (with a token when
    `with_token`), else checked: the widget API needs its token, the REST channel refuses it."""
    conversation = await get(db_session=db_session, conversation_id=conversation_id)
    created: str | None = None
    if conversation is None:
        created, token_hash = new_token() if with_token else (None, None)
        conversation, inserted = await _insert(
            db_session=db_session,
            conversation_id=conversation_id,
            profile=profile,
            token_hash=token_hash,
        )
        if not inserted:  # the other request created it (and has its token)
            created = None
    if created is None:
        if with_token:
            check_token(conversation=conversation, token=token)
        else:
            check_rest_channel(conversation=conversation)
    merge_profile(conversation=conversation, profile=profile)
    return Opened(conversation=conversation, token=created)


async def reissue_token_for_first_retry(
    *, db_session: AsyncSession, conversation_id: str, client_message_id: str | None
) -> Opened | None:
    """A retry of the message that created the conversation, which never got its token: the
    conversation with a new token (the lost one no longer works), else None."""
    conversation = await get(db_session=db_session, conversation_id=conversation_id)
    if conversation is None or conversation.token_hash is None or client_message_id is None:
        return None
    first = await db_session.scalar(
        select(Message)
        .where(Message.conversation_id == conversation_id, Message.sender == Sender.USER)
        .order_by(Message.id)
        .limit(1)
    )
    if first is None or first.client_message_id != client_message_id:
        return None
    token, conversation.token_hash = new_token()
    return Opened(conversation=conversation, token=token)


def merge_profile(*, conversation: Conversation, profile: dict[str, Any] | None) -> None:
    """Merge what the client declares into the conversation's profile."""
    declared = preferences(profile)
    if conversation.identity and conversation.identity.get("ministry_code"):
        declared.pop("ministry_code", None)  # the signed ministry stays
    if declared and any(conversation.profile.get(k) != v for k, v in declared.items()):
        conversation.profile = {**conversation.profile, **declared}


def bind_identity(*, conversation: Conversation, identity: dict[str, Any]) -> None:
    """Keep what a portal signed with the conversation: from now on its rights come from it."""
    conversation.identity = identity
    if identity.get("ministry_code"):
        conversation.profile = {**conversation.profile, "ministry_code": identity["ministry_code"]}


def verified(conversation: Conversation) -> dict[str, Any]:
    """The signed claims of the conversation's user ({} when anonymous)."""
    return dict(conversation.identity or {})


def combined_profile(
    profile: dict[str, Any] | None, identity: dict[str, Any] | None
) -> dict[str, Any]:
    """The declared preferences, then the signed claims, and whether there were any."""
    signed = {k: v for k, v in (identity or {}).items() if k in SHOWN_CLAIMS}
    return {**preferences(profile), **signed, "verified": bool(identity)}


def bot_profile(conversation: Conversation) -> dict[str, Any]:
    """The profile Rasa's actions (and advisors) see."""
    return combined_profile(conversation.profile, conversation.identity)


async def get_or_create(
    *, db_session: AsyncSession, conversation_id: str, profile: dict[str, Any] | None = None
) -> Conversation:
    """Return the conversation, creating it (without a token) on its first message."""
    conversation = await get(db_session=db_session, conversation_id=conversation_id)
    if conversation is None:
        conversation, _ = await _insert(
            db_session=db_session, conversation_id=conversation_id, profile=profile, token_hash=None
        )
    merge_profile(conversation=conversation, profile=profile)
    return conversation


async def _insert(
    *,
    db_session: AsyncSession,
    conversation_id: str,
    profile: dict[str, Any] | None,
    token_hash: str | None,
) -> tuple[Conversation, bool]:
    """Create the conversation; if two first messages raced, the one the other request created
    (and False)."""
    try:
        async with db_session.begin_nested():
            conversation = Conversation(
                id=conversation_id, profile=preferences(profile), token_hash=token_hash
            )
            db_session.add(conversation)
        return conversation, True
    except IntegrityError:
        found = await get(db_session=db_session, conversation_id=conversation_id)
        assert found is not None
        return found, False


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
    fsd_number: int | None = None


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
            fsd_number=u.fsd_number,
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


async def feedback_given(*, db_session: AsyncSession, conversation_id: str) -> dict[int, str]:
    """The thumbs given in this conversation, by message id ("up" or "down")."""
    rows = await db_session.execute(
        select(Feedback.message_id, Feedback.rating).where(
            Feedback.conversation_id == conversation_id
        )
    )
    return {message_id: rating.value for message_id, rating in rows.tuples()}


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
