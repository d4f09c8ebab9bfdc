"""Bodies of the statistics endpoint."""

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, Field


class Granularity(StrEnum):
    """How the period is cut."""

    DAY = "day"
    WEEK = "week"


class Bucket(BaseModel):
    """The counts of one day or one week (Paris time); `start` is its first day."""

    start: date
    conversations: int = 0
    messages: int = 0
    answered: int = 0
    misunderstood: int = 0
    handoffs: int = 0
    fsds: int = 0


class EntryFeedback(BaseModel):
    """Thumbs on one entry's answers over the period."""

    entry_id: str
    title: str | None
    up: int
    down: int


class StatsRead(BaseModel):
    """The assistant's activity over a period, by day or week."""

    start: date
    end: date
    granularity: Granularity
    buckets: list[Bucket]
    totals: Bucket
    hour_of_week: list[list[int]] = Field(
        description="User messages per weekday (0 = Monday) and hour, Paris time: 7 × 24."
    )
    feedback_by_entry: list[EntryFeedback] = Field(description="The most thumbs down first.")
    bot_stars: float | None = Field(description="Average stars of the conversations' ratings.")
    advisor_stars: float | None = Field(description="Average stars of the LiveChat exchanges.")
    handoffs_by_category: dict[str, int]
    handoffs_by_outcome: dict[str, int]
    average_wait_seconds: float | None = Field(
        description="From the request to an advisor's claim, over the claimed handoffs."
    )
