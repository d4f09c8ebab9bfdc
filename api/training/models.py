"""Staged NLU training examples and model runs."""

import enum
from datetime import datetime

from sqlalchemy import Boolean, DateTime, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from api.core.db import Base, utcnow


class NluExample(Base):
    """A user's wording that support staff staged as a training example of a domain's intent."""

    __tablename__ = "nlu_examples"
    __table_args__ = (Index("ix_nlu_examples_intent_text", "intent", "text"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    text: Mapped[str] = mapped_column(String(1000))
    intent: Mapped[str] = mapped_column(String(64))
    decision_id: Mapped[int | None] = mapped_column(
        ForeignKey("review_decisions.id", ondelete="SET NULL"), index=True
    )
    staged_by: Mapped[str] = mapped_column(String(64))
    staged_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # The model (inputs key) that first learned it, once that model went live.
    trained_in: Mapped[str | None] = mapped_column(String(64))
    removed_by: Mapped[str | None] = mapped_column(String(64))
    removed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RunStatus(enum.StrEnum):
    """Where a model run is."""

    QUEUED = "queued"
    TRAINING = "training"
    EVALUATING = "evaluating"
    LOADING = "loading"
    LOADED = "loaded"  # live in the Rasa server
    PROMOTED = "promoted"  # will be served at the next start (no Rasa server was running)
    UNCHANGED = "unchanged"  # the live model already has these inputs
    REFUSED = "refused"  # worse than the live model on the held-out NLU set
    FAILED = "failed"


ACTIVE_STATUSES = (RunStatus.QUEUED, RunStatus.TRAINING, RunStatus.EVALUATING, RunStatus.LOADING)


class ModelRun(Base):
    """One retraining: who asked, what it trained on, how it scored, whether it went live."""

    __tablename__ = "model_runs"
    # At most one run at a time: `active` is True while it runs and NULL after (NULLs are
    # distinct in a unique index, on SQLite as on PostgreSQL).
    __table_args__ = (Index("uq_model_runs_active", "active", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    status: Mapped[str] = mapped_column(String(20), default=RunStatus.QUEUED)
    active: Mapped[bool | None] = mapped_column(Boolean, default=True)
    requested_by: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    examples: Mapped[int] = mapped_column(Integer, default=0)
    model: Mapped[str | None] = mapped_column(String(64))
    trained_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    score: Mapped[float | None] = mapped_column(Float)
    live_model: Mapped[str | None] = mapped_column(String(64))
    live_score: Mapped[float | None] = mapped_column(Float)
    heldout_total: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[str] = mapped_column(String(2000), default="")
