"""How the transcript's messages are read: in replies, in the transcript, on the sockets."""

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.conversations.models import Message, Sender


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
    fsd_number: int | None = Field(
        default=None,
        description="The FSD this message announces: the user may join files to it "
        "(POST .../fsd/{number}/attachments).",
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
    fsd_number: int | None = None
    created_at: datetime
    feedback: Literal["up", "down"] | None = Field(
        default=None, description="The user's thumbs on this answer, if any (transcript only)."
    )


def message_frame(message: Message) -> dict[str, Any]:
    """The WebSocket frame that carries a message of the transcript."""
    return {
        "type": "message",
        "message": MessageRead.model_validate(message).model_dump(mode="json"),
    }
