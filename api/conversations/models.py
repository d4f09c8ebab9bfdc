"""Conversations and their messages, as the user saw them."""

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Enum,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.core.db import Base, utcnow


class ConversationStatus(enum.StrEnum):
    """Who owns the conversation."""

    BOT = "bot"
    WAITING_AGENT = "waiting_agent"
    AGENT = "agent"
    CLOSED = "closed"


class Sender(enum.StrEnum):
    """Who wrote a message."""

    USER = "user"
    BOT = "bot"
    AGENT = "agent"


class DeliveryStatus(enum.StrEnum):
    """Whether a user message reached its recipient (the bot or an advisor)."""

    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


def _enum(cls: type[enum.StrEnum], name: str) -> Enum:
    return Enum(
        cls, name=name, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]
    )


def _id_column() -> Mapped[int]:
    """An auto-incremented 64-bit id (INTEGER on SQLite, where only that auto-increments)."""
    return mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )


class Conversation(Base):
    """A conversation; its id is chosen by the client (Rasa's sender id)."""

    __tablename__ = "conversations"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    status: Mapped[ConversationStatus] = mapped_column(
        _enum(ConversationStatus, "conversation_status"), default=ConversationStatus.BOT
    )
    # On PostgreSQL, "application" and "ministry_code" are indexed (the statistics' filters).
    profile: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # What the host portal signed (api/auth/identity.py): the only source of rights (role CCA,
    # ministry, email). None: an anonymous user, whatever the profile declares.
    identity: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # SHA-256 of the conversation's own token (returned by its first message): reading it,
    # writing to it, its socket, closing and rating it need the token. None: a conversation
    # of Rasa's REST channel (no token), or one created before tokens existed.
    token_hash: Mapped[str | None] = mapped_column(String(64))
    # Rasa's tracker is paused while an advisor owns the conversation; still True after the
    # handoff if Rasa could not be told to resume (retried on the next message).
    bot_paused: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True),
        default=utcnow,
        index=True,  # the statistics' periods
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    messages: Mapped[list["Message"]] = relationship(
        back_populates="conversation", order_by="Message.id", cascade="all, delete-orphan"
    )


class Message(Base):
    """One message of a conversation, stored before it is forwarded or shown."""

    __tablename__ = "messages"
    # A client that retries a message sends the same id again: it is stored once.
    __table_args__ = (UniqueConstraint("conversation_id", "client_message_id"),)

    id: Mapped[int] = _id_column()
    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    sender: Mapped[Sender] = mapped_column(_enum(Sender, "message_sender"))
    text: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[str | None] = mapped_column(Text)
    buttons: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    client_message_id: Mapped[str | None] = mapped_column(String(64))
    delivery: Mapped[DeliveryStatus] = mapped_column(
        _enum(DeliveryStatus, "delivery_status"), default=DeliveryStatus.DELIVERED
    )
    # A bot answer taken from the knowledge base: which entry, in which version (for feedback).
    entry_id: Mapped[str | None] = mapped_column(String(100))
    entry_version: Mapped[int | None] = mapped_column(Integer)
    # The bot asks the user to rate the conversation with stars under this message.
    ask_rating: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The FSD this bot message announces: the widget offers to join files to it.
    fsd_number: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True),
        default=utcnow,
        index=True,  # the statistics' periods
    )

    conversation: Mapped[Conversation] = relationship(back_populates="messages")


class FeedbackRating(enum.StrEnum):
    """Thumbs up or down on a bot answer."""

    UP = "up"
    DOWN = "down"


class Feedback(Base):
    """A user's thumbs up / down on one bot answer, with the knowledge entry it came from."""

    __tablename__ = "feedback"

    id: Mapped[int] = _id_column()
    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    message_id: Mapped[int] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), unique=True
    )
    rating: Mapped[FeedbackRating] = mapped_column(_enum(FeedbackRating, "feedback_rating"))
    comment: Mapped[str | None] = mapped_column(Text)
    ministry_code: Mapped[str | None] = mapped_column(String(20))
    entry_id: Mapped[str | None] = mapped_column(String(100), index=True)
    entry_version: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True),
        default=utcnow,
        index=True,  # the statistics' periods
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


class ConversationRating(Base):
    """The user's 1-5 star rating of a conversation (the latest one counts)."""

    __tablename__ = "conversation_ratings"
    __table_args__ = (UniqueConstraint("conversation_id"),)

    id: Mapped[int] = _id_column()
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    stars: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True),
        default=utcnow,
        index=True,  # the statistics' periods
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


class UnansweredMessage(Base):
    """A user message the bot could not answer (unknown error message, not understood), as the
    bot reported it in its reply: the support staff's review starts from these."""

    __tablename__ = "unanswered_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(String(30))
    # The entries the bot had in mind (suggested, or the best it found), and the NLU's domain.
    candidates: Mapped[list[str]] = mapped_column(JSON, default=list)
    nlu_domain: Mapped[str | None] = mapped_column(String(50))
    # The user's message, to show the transcript around it (none for items older than it).
    message_id: Mapped[int | None] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"),
        ForeignKey("messages.id", ondelete="SET NULL"),
        index=True,
    )
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True),
        default=utcnow,
        index=True,  # the statistics' periods
    )
