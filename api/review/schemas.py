"""Bodies of the review endpoints."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints, field_validator

from api.conversations.schemas import ConversationId
from api.core.text import clean_text


class UnansweredCreate(BaseModel):
    """A message the bot could not answer, reported by the action server."""

    model_config = ConfigDict(extra="forbid")

    conversation_id: ConversationId
    text: Annotated[str, StringConstraints(max_length=100_000)]
    reason: Literal["unknown_error_message", "not_understood", "candidate_rejected"]

    @field_validator("text")
    @classmethod
    def text_is_text(cls, value: str) -> str:
        """Refuse empty and binary text."""
        return clean_text(value)


class UnansweredRead(BaseModel):
    """A message waiting for review."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    conversation_id: str
    text: str
    reason: str
    reviewed: bool
    created_at: datetime
