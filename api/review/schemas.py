"""Bodies of the review endpoints."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints

from api.conversations.schemas import ConversationId
from api.core.text import clean_text


class UnansweredCreate(BaseModel):
    """A message the bot could not answer, reported by the action server."""

    model_config = ConfigDict(extra="forbid")

    conversation_id: ConversationId
    text: Annotated[str, StringConstraints(max_length=100_000), AfterValidator(clean_text)]
    reason: Literal["unknown_error_message", "not_understood", "candidate_rejected"]


class UnansweredRead(BaseModel):
    """A message waiting for review."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    conversation_id: str
    text: str
    reason: str
    reviewed: bool
    created_at: datetime


class FeedbackReviewRead(BaseModel):
    """A thumbs up / down as the support staff review it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    conversation_id: str
    message_id: int
    rating: str
    comment: str | None
    ministry_code: str | None
    entry_id: str | None
    entry_version: int | None
    created_at: datetime


class RatingReviewRead(BaseModel):
    """A conversation's star rating as the support staff review it."""

    model_config = ConfigDict(from_attributes=True)

    conversation_id: str
    stars: int
    comment: str | None
    created_at: datetime
