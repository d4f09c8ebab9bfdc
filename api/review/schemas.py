"""Bodies of the review endpoints."""

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from api.conversations.models import Sender
from api.knowledge.schemas import EntryCreate
from api.review.models import DecisionKind, ItemKind


class UnansweredRead(BaseModel):
    """A message waiting for review."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    conversation_id: str
    message_id: int | None
    text: str
    reason: str
    candidates: list[str]
    nlu_domain: str | None
    reviewed: bool = False
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


class EntryRef(BaseModel):
    """An entry named in the inbox (a candidate, the entry a thumbs down is about)."""

    entry_id: str
    title: str
    domain: str


class InboxItem(BaseModel):
    """One line of the inbox: an item, or a group of close wordings of unanswered messages."""

    key: str = Field(description="Stable id of the line: kind and smallest item id.")
    kind: ItemKind
    item_ids: list[int]
    text: str = Field(description="The user's words (the most frequent wording of a group).")
    wordings: list[str] = Field(description="The group's distinct wordings, most frequent first.")
    reasons: list[str]
    count: int
    first_seen: datetime
    last_seen: datetime
    nlu_domain: str | None = None
    candidates: list[EntryRef] = Field(default_factory=list)
    conversation_id: str
    message_id: int | None = None
    paste: bool = Field(default=False, description="An error message pasted from Chorus.")
    # A thumbs down: the entry and the bot's answer; the user's question is `text`.
    entry: EntryRef | None = None
    entry_version: int | None = None
    answer: str | None = None
    comment: str | None = None
    ministry_code: str | None = None
    # A rating or a handoff.
    stars: int | None = None
    outcome: str | None = None
    category: str | None = None


class InboxRead(BaseModel):
    """What waits for review, the most frequent first, and how many items in all."""

    items: list[InboxItem]
    total_items: int


Wording = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]


class DecisionCreate(BaseModel):
    """A reviewer's decision on one line of the inbox (one item or a group)."""

    model_config = ConfigDict(extra="forbid")

    item_kind: ItemKind
    item_ids: list[int] = Field(min_length=1, max_length=500)
    decision: DecisionKind
    entry_id: str | None = Field(default=None, max_length=100)
    text: Wording | None = Field(
        default=None, description="The wording to teach (attach); the item's text by default."
    )
    as_error_message: bool | None = Field(
        default=None,
        description="Attach as an error message (default: when the item was a pasted error).",
    )
    entry: EntryCreate | None = Field(default=None, description="The new entry (new_entry).")
    nlu_domain: str | None = Field(
        default=None,
        max_length=64,
        description=(
            "Stage the wordings as training examples of this domain for the next model "
            "(nlu_example; optional with attach and new_entry)."
        ),
    )

    @model_validator(mode="after")
    def _consistent(self) -> "DecisionCreate":
        if self.decision is DecisionKind.ATTACH and not self.entry_id:
            raise ValueError("attach needs entry_id")
        if self.decision is DecisionKind.NEW_ENTRY and self.entry is None:
            raise ValueError("new_entry needs entry")
        if self.decision is DecisionKind.NLU_EXAMPLE and not self.nlu_domain:
            raise ValueError("nlu_example needs nlu_domain")
        teaching = (DecisionKind.ATTACH, DecisionKind.NEW_ENTRY, DecisionKind.NLU_EXAMPLE)
        if self.decision in teaching and self.item_kind is not ItemKind.UNANSWERED:
            raise ValueError("only unanswered messages are taught to an entry or to the model")
        return self


class DecisionRead(BaseModel):
    """A decision as stored."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: DecisionKind
    entry_id: str | None
    added: dict[str, str | bool]
    decided_by: str
    decided_at: datetime
    undone_by: str | None
    undone_at: datetime | None
    item_count: int


class TranscriptLine(BaseModel):
    """A message of a conversation, as the reviewer reads it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    sender: Sender
    text: str | None
    payload: str | None
    entry_id: str | None
    created_at: datetime


class TranscriptRead(BaseModel):
    """A conversation around a message."""

    conversation_id: str
    focus_message_id: int | None
    messages: list[TranscriptLine]
