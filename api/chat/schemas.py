"""Request and response bodies of the chat endpoints, and the requests in the bot's custom data."""

import json
import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)
from pydantic_core import PydanticCustomError

from api.conversations.models import ConversationStatus, FeedbackRating
from api.conversations.schemas import BotMessageRead, ButtonRead, MessageRead
from api.core.config import Settings
from api.core.ids import ConversationId
from api.core.text import (
    Metadata,
    clean_ministry_code,
    clean_text,
    has_lone_surrogate,
    text_length_errors,
)
from api.handoff.schemas import HandoffState
from knowledge_base.vocabulary import REVIEW_REASONS

_PAYLOAD = re.compile(r"^/[A-Za-z0-9_]+(\{.*\})?$", re.DOTALL)


def clean_payload(value: str) -> str:
    """Return the payload if it has Rasa's `/intent{json}` form, else raise."""
    if not _PAYLOAD.match(value.strip()) or has_lone_surrogate(value):
        raise PydanticCustomError(
            "payload_invalid", "payload must look like /intent or /intent{json}"
        )
    return value.strip()


_CLIENT_MESSAGE_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


def clean_client_message_id(value: str) -> str:
    """Return the id if it is 8 to 64 letters, digits, `_` or `-`, else raise."""
    if not _CLIENT_MESSAGE_ID.match(value):
        raise PydanticCustomError(
            "client_message_id_invalid", "client_message_id must be 8 to 64 of A-Z a-z 0-9 _ -"
        )
    return value


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


IDENTITY_TOKEN_MAX_LENGTH = 8192


class MessageCreate(BaseModel):
    """A user message: typed text or a button payload, with optional client metadata."""

    model_config = ConfigDict(extra="forbid")

    text: str | None = None
    payload: str | None = None
    metadata: Metadata = None
    client_message_id: Annotated[str, AfterValidator(clean_client_message_id)] | None = Field(
        default=None,
        description=(
            "Chosen by the client for each message and sent again on a retry: the message is "
            "stored and sent to Rasa once, and the retry gets the same reply."
        ),
    )
    identity_token: str | None = Field(
        default=None,
        min_length=1,
        max_length=IDENTITY_TOKEN_MAX_LENGTH,
        pattern=r"^[A-Za-z0-9_.-]+$",
        description=(
            "The user's profile signed by the host portal (a JWT: `sub`, `role`, "
            "`ministry_code`, `email`, `name`, `exp`, `iat`, `aud`); only its claims give "
            "rights. Also read from `metadata.identity_token`."
        ),
    )

    def identity(self) -> str | None:
        """The portal's identity token, from its field or the metadata."""
        token = self.identity_token
        if token is None and self.metadata is not None:
            value = self.metadata.get("identity_token")
            token = value if isinstance(value, str) and value else None
        return token

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


class ConversationReply(BaseModel):
    """What the client gets back after sending a message."""

    conversation_id: str
    status: ConversationStatus
    messages: list[BotMessageRead]
    handoff: HandoffState | None = Field(
        default=None, description="The LiveChat request while one is waiting or active."
    )
    conversation_token: str | None = Field(
        default=None,
        description=(
            "Returned once, by the message that creates the conversation: send it in the "
            "`X-Conversation-Token` header of every later request about the conversation "
            "(`?token=` on its socket)."
        ),
    )


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
    metadata: Metadata = None

    @model_validator(mode="after")
    def check_message(self) -> "RestWebhookIn":
        """Validate the message as a payload (it starts with "/") or as text."""
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
        blank = self.ministry_code is None or not self.ministry_code.strip()
        self.ministry_code = None if blank else clean_ministry_code(str(self.ministry_code))
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


class ReviewRequest(BaseModel):
    """A message the bot could not answer, reported in its custom data for the review queue."""

    text: Annotated[str, StringConstraints(max_length=100_000), AfterValidator(clean_text)]
    reason: str
    candidates: list[Annotated[str, StringConstraints(max_length=100)]] = Field(
        default_factory=list, max_length=10
    )
    domain: Annotated[str, StringConstraints(pattern=r"^[a-z_]{2,50}$")] | None = None

    @model_validator(mode="after")
    def known_reason(self) -> "ReviewRequest":
        """Refuse a reason the review queue does not know."""
        if self.reason not in REVIEW_REASONS:
            raise ValueError(f"unknown review reason {self.reason!r}")
        return self
