"""Request and response bodies of the conversation endpoints."""

import json
import re
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator
from pydantic_core import PydanticCustomError

from api.conversations.models import ConversationStatus, Sender
from api.core.config import Settings
from api.core.text import clean_text, text_length_errors

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


class ConversationReply(BaseModel):
    """What the client gets back after sending a message."""

    conversation_id: str
    status: ConversationStatus
    messages: list[BotMessageRead]


class MessageRead(BaseModel):
    """A message of the transcript."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    sender: Sender
    text: str | None
    payload: str | None
    buttons: list[ButtonRead] = Field(default_factory=list)
    created_at: datetime


class ConversationRead(BaseModel):
    """A conversation with its whole transcript."""

    model_config = ConfigDict(from_attributes=True)

    conversation_id: str = Field(validation_alias="id")
    status: ConversationStatus
    created_at: datetime
    messages: list[MessageRead]


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
