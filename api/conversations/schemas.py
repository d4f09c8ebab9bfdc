"""Request and response bodies of the conversation endpoints."""

import json
import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator
from pydantic_core import PydanticCustomError

from api.conversations.models import ConversationStatus, FeedbackRating, Sender
from api.core.config import Settings
from api.core.text import clean_text, text_length_errors
from api.handoff.models import HandoffStatus

CONVERSATION_ID_PATTERN = r"^[A-Za-z0-9_-]{8,128}$"
ConversationId = Annotated[str, StringConstraints(pattern=CONVERSATION_ID_PATTERN)]

_PAYLOAD = re.compile(r"^/[A-Za-z0-9_]+(\{.*\})?$", re.DOTALL)


def clean_payload(value: str) -> str:
    """Return the payload if it has Rasa's `/intent{json}` form, else raise."""
    if not _PAYLOAD.match(value.strip()):
        raise PydanticCustomError(
            "payload_invalid", "payload must look like /intent or /intent{json}"
        )
    return value.strip()


def _error(field: str, kind: str, message: str, **ctx: int) -> dict[str, Any]:
    return {"type": kind, "loc": ("body", field), "msg": message, "ctx": ctx}


def limit_errors(message: "MessageCreate", settings: Settings) -> list[dict[str, Any]]:
    """Return the errors of a message that exceeds the configured limits."""
    errors = text_length_errors(message.text or "", settings.max_text_length)
    if message.payload is not None and len(message.payload) > settings.max_payload_length:
        errors.append(
            _error(
                "payload",
                "payload_invalid",
                f"payload is longer than {settings.max_payload_length} characters",
                max_length=settings.max_payload_length,
            )
        )
    size = len(json.dumps(message.metadata, ensure_ascii=False).encode()) if message.metadata else 0
    if size > settings.max_metadata_bytes:
        errors.append(
            _error(
                "metadata",
                "metadata_too_large",
                f"metadata is {size} bytes; the limit is {settings.max_metadata_bytes}",
                size=size,
                max_bytes=settings.max_metadata_bytes,
            )
        )
    return errors


class MessageCreate(BaseModel):
    """A user message: typed text or a button payload, with optional client metadata."""

    model_config = ConfigDict(extra="forbid")

    text: str | None = None
    payload: str | None = None
    metadata: dict[str, Any] | None = None

    @model_validator(mode="after")
    def exactly_one_of_text_or_payload(self) -> "MessageCreate":
        """Validate that the message carries text or a payload, not both."""
        if (self.text is None) == (self.payload is None):
            raise PydanticCustomError("text_or_payload", "send exactly one of 'text' or 'payload'")
        if self.text is not None:
            self.text = clean_text(self.text)
        if self.payload is not None:
            self.payload = clean_payload(self.payload)
        return self


class ButtonRead(BaseModel):
    """A button the user can click: its label and the payload it sends."""

    title: str
    payload: str


class BotMessageRead(BaseModel):
    """A message of the bot in a reply."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    text: str | None
    buttons: list[ButtonRead] = Field(default_factory=list)
    entry_id: str | None = Field(
        default=None,
        description="The knowledge entry the answer comes from: the answer can be rated "
        "(POST .../feedback).",
    )
    ask_rating: bool = Field(
        default=False, description="The bot asks for a 1-5 star rating (POST .../rating)."
    )


class HandoffState(BaseModel):
    """The user's view of their place in the LiveChat queue."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    status: HandoffStatus
    category: str
    offline: bool = Field(description="Left outside opening hours: an advisor answers later.")
    position: int | None = Field(
        default=None, description="1 for the next conversation an advisor takes; null once taken."
    )


class ConversationReply(BaseModel):
    """What the client gets back after sending a message."""

    conversation_id: str
    status: ConversationStatus
    messages: list[BotMessageRead]
    handoff: HandoffState | None = Field(
        default=None, description="The LiveChat request while one is waiting or active."
    )


class MessageRead(BaseModel):
    """A message of the transcript."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    sender: Sender
    text: str | None
    payload: str | None
    buttons: list[ButtonRead] = Field(default_factory=list)
    entry_id: str | None = None
    ask_rating: bool = False
    created_at: datetime


class ConversationRead(BaseModel):
    """A conversation with its whole transcript."""

    model_config = ConfigDict(from_attributes=True)

    conversation_id: str = Field(validation_alias="id")
    status: ConversationStatus
    created_at: datetime
    messages: list[MessageRead]
    handoff: HandoffState | None = None


class RestWebhookIn(BaseModel):
    """Rasa's REST channel input; a message starting with "/" is a button payload."""

    sender: ConversationId
    message: str
    metadata: dict[str, Any] | None = None

    @model_validator(mode="after")
    def check_message(self) -> "RestWebhookIn":
        """Validate the message as a payload or as text, and the metadata's size."""
        is_payload = self.message.lstrip().startswith("/")
        self.message = clean_payload(self.message) if is_payload else clean_text(self.message)
        return self

    def as_message(self) -> MessageCreate:
        """Return the equivalent message of the conversation endpoint."""
        key = "payload" if self.message.startswith("/") else "text"
        return MessageCreate.model_validate({key: self.message, "metadata": self.metadata})


class RestWebhookOut(BaseModel):
    """Rasa's REST channel output item."""

    recipient_id: str
    text: str | None = None
    buttons: list[ButtonRead] | None = None


COMMENT_MAX_LENGTH = 2000
_MINISTRY_CODE = re.compile(r"^[A-Z]{2,6}[0-9]{1,4}$")


def clean_comment(value: str | None) -> str | None:
    """Return the comment stripped (None when blank), or raise when it is binary or too long."""
    if value is None or not value.strip():
        return None
    cleaned = clean_text(value)
    if len(cleaned) > COMMENT_MAX_LENGTH:
        raise PydanticCustomError(
            "comment_too_long",
            "comment is longer than {max_length} characters",
            {"max_length": COMMENT_MAX_LENGTH},
        )
    return cleaned


def clean_ministry_code(value: str | None) -> str | None:
    """Return the ministry code upper-cased (None when blank), or raise when malformed."""
    if value is None or not value.strip():
        return None
    code = value.strip().upper()
    if not _MINISTRY_CODE.match(code):
        raise PydanticCustomError(
            "ministry_code_invalid", "ministry_code must be letters then digits, e.g. MIN06"
        )
    return code


class FeedbackCreate(BaseModel):
    """A thumbs up / down on a bot answer; a thumbs down may say what was wrong."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "message_id": 42,
                    "rating": "down",
                    "comment": "La réponse ne concerne pas Chorus Pro.",
                    "ministry_code": "MIN06",
                }
            ]
        },
    )

    message_id: int = Field(strict=True)
    rating: Literal["up", "down"]
    comment: str | None = None
    ministry_code: str | None = None

    @model_validator(mode="after")
    def clean(self) -> "FeedbackCreate":
        """Strip the comment and normalise the ministry code."""
        self.comment = clean_comment(self.comment)
        self.ministry_code = clean_ministry_code(self.ministry_code)
        return self


class FeedbackRead(BaseModel):
    """The stored feedback, and what the bot answers to it (an offer of a human after a down)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    message_id: int
    rating: FeedbackRating
    comment: str | None
    ministry_code: str | None
    entry_id: str | None
    entry_version: int | None
    messages: list[BotMessageRead] = Field(default_factory=list)


class RatingCreate(BaseModel):
    """A 1-5 star rating of the conversation, with an optional comment."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"stars": 4, "comment": "Rapide."}]}
    )

    stars: int = Field(ge=1, le=5, strict=True)
    comment: str | None = None

    @model_validator(mode="after")
    def clean(self) -> "RatingCreate":
        """Strip the comment."""
        self.comment = clean_comment(self.comment)
        return self


class RatingRead(BaseModel):
    """The stored rating of a conversation."""

    model_config = ConfigDict(from_attributes=True)

    conversation_id: str
    stars: int
    comment: str | None
    created_at: datetime
