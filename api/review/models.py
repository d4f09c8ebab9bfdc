"""What support staff decided about the items they reviewed, so that a decision can be undone."""

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.core.db import Base, utcnow


class ItemKind(enum.StrEnum):
    """The kinds of items the inbox lists."""

    UNANSWERED = "unanswered"  # a message the bot could not answer
    FEEDBACK = "feedback"  # a thumbs down on an answer
    RATING = "rating"  # a conversation rated 1 or 2 stars
    HANDOFF = "handoff"  # a LiveChat exchange closed as "FSD needed" or "redirected"


class DecisionKind(enum.StrEnum):
    """What a reviewer did with items."""

    ATTACH = "attach"  # the text became a reformulation or an error message of an entry
    NEW_ENTRY = "new_entry"  # a new entry was written for it
    OFF_TOPIC = "off_topic"  # not a Chorus question: the bot was right not to answer
    IGNORE = "ignore"  # nothing to learn from it
    DONE = "done"  # read and acted upon elsewhere (e.g. the entry was edited)
    NLU_EXAMPLE = "nlu_example"  # staged as a training example of a domain for the next model


class ReviewDecision(Base):
    """A decision on one or more items; undoing it puts them back in the inbox and removes what
    it added to the knowledge base."""

    __tablename__ = "review_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(20))
    entry_id: Mapped[str | None] = mapped_column(String(100))
    # What the decision added to the knowledge base: {"text_id": ..., "text": ...} or the entry.
    added: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    decided_by: Mapped[str] = mapped_column(String(64))
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    undone_by: Mapped[str | None] = mapped_column(String(64))
    undone_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    marks: Mapped[list["ReviewMark"]] = relationship(
        back_populates="decision", cascade="all, delete-orphan"
    )


class ReviewMark(Base):
    """An item marked reviewed by a decision (one live mark per item)."""

    __tablename__ = "review_marks"
    __table_args__ = (UniqueConstraint("item_kind", "item_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    decision_id: Mapped[int] = mapped_column(
        ForeignKey("review_decisions.id", ondelete="CASCADE"), index=True
    )
    item_kind: Mapped[str] = mapped_column(String(20))
    item_id: Mapped[int] = mapped_column(BigInteger)

    decision: Mapped[ReviewDecision] = relationship(back_populates="marks")
