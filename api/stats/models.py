"""Hourly activity counts, rolled up from the transcript tables so that the statistics of a long
period read a few thousand rows instead of millions."""

from datetime import datetime

from sqlalchemy import DateTime, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from api.core.db import Base


class ActivityHour(Base):
    """The counts of one UTC hour for one application and ministry ('' when unknown)."""

    __tablename__ = "activity_hours"
    __table_args__ = (UniqueConstraint("hour", "application", "ministry_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    hour: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    application: Mapped[str] = mapped_column(String(30), default="")
    ministry_code: Mapped[str] = mapped_column(String(30), default="")
    conversations: Mapped[int] = mapped_column(Integer, default=0)
    messages: Mapped[int] = mapped_column(Integer, default=0)
    answered: Mapped[int] = mapped_column(Integer, default=0)
    misunderstood: Mapped[int] = mapped_column(Integer, default=0)
    handoffs: Mapped[int] = mapped_column(Integer, default=0)


class ActivityRollup(Base):
    """One row: the hours before `until` are rolled up in activity_hours."""

    __tablename__ = "activity_rollup"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    until: Mapped[datetime] = mapped_column(DateTime(timezone=True))
