"""The LiveChat queue: one handoff per conversation handed to an advisor."""

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from api.core.db import Base, utcnow


class HandoffStatus(enum.StrEnum):
    """Where a handoff is in the queue."""

    WAITING = "waiting"  # in the queue, no advisor yet
    ACTIVE = "active"  # an advisor claimed it and chats with the user
    CLOSED = "closed"  # the advisor closed it, or the user left the queue


class HandoffOutcome(enum.StrEnum):
    """How a handoff ended."""

    RESOLVED = "resolved"
    FSD_NEEDED = "fsd_needed"
    REDIRECTED = "redirected"
    NO_REPLY = "no_reply"
    CANCELLED = "cancelled"  # the user left the queue before an advisor came
    OTHER = "other"


def _enum(cls: type[enum.StrEnum], name: str) -> Enum:
    return Enum(
        cls, name=name, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]
    )


class Handoff(Base):
    """A conversation handed to a LiveChat advisor, with its category and context."""

    __tablename__ = "handoffs"
    __table_args__ = (
        # At most one open handoff per conversation: the queue holds one entry per conversation.
        Index(
            "uq_handoffs_open_conversation",
            "conversation_id",
            unique=True,
            sqlite_where=text("status != 'closed'"),
            postgresql_where=text("status != 'closed'"),
        ),
        Index("ix_handoffs_status_requested_at", "status", "requested_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    category: Mapped[str] = mapped_column(String(50))
    status: Mapped[HandoffStatus] = mapped_column(
        _enum(HandoffStatus, "handoff_status"), default=HandoffStatus.WAITING
    )
    # Left outside opening hours: the user left a message that an advisor answers later.
    offline: Mapped[bool] = mapped_column(Boolean, default=False)
    context: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    requested_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True),
        default=utcnow,
        index=True,  # the statistics' periods
    )
    advisor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[HandoffOutcome | None] = mapped_column(_enum(HandoffOutcome, "handoff_outcome"))
    outcome_note: Mapped[str | None] = mapped_column(Text)
    # The user's 1-5 star rating of the chat, asked when the advisor closes it.
    stars: Mapped[int | None] = mapped_column(SmallInteger)
