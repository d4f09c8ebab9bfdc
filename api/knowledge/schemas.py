"""Bodies of the knowledge endpoints."""

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from api.core.text import UserText
from knowledge_base.schema import Application, Button, FollowUp, Incident, Kind

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=100)]
Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]


class DomainRead(BaseModel):
    """A domain of the menu with the assistant's introduction to it."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    label: str
    intro: str


class MatchRequest(BaseModel):
    """A pasted error message (or any user text) to match."""

    model_config = ConfigDict(extra="forbid")

    text: UserText


class MatchRead(BaseModel):
    """One matching entry."""

    entry_id: str
    title: str
    domain: str
    matched_error_message: str
    score: float


class MatchResponse(BaseModel):
    """`match` is set only when the bot would answer without asking."""

    match: MatchRead | None
    candidates: list[MatchRead]


class EntryWrite(BaseModel):
    """The editable content of an entry."""

    model_config = ConfigDict(extra="forbid")

    application: Application
    domain: str
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    error_messages: list[Line] = Field(default_factory=list, max_length=50)
    reformulations: list[Line] = Field(default_factory=list, max_length=200)
    answer: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000)
    ]
    buttons: list[Button] = Field(default_factory=list, max_length=10)
    follow_up: FollowUp | None = None
    proposes_fsd: bool = False
    kind: Kind = Kind.KNOWLEDGE
    incident: Incident | None = None


class EntryCreate(EntryWrite):
    """A new entry, with its id."""

    id: Slug


class ReformulationCreate(BaseModel):
    """Another way users write an entry's question or error."""

    model_config = ConfigDict(extra="forbid")

    text: Line
    is_error_message: bool = False


class EntryRead(BaseModel):
    """An entry as stored."""

    id: str
    application: str
    domain: str
    title: str
    error_messages: list[str]
    reformulations: list[str]
    answer: str
    buttons: list[dict[str, str]]
    follow_up: dict[str, Any] | None
    proposes_fsd: bool
    kind: str
    incident: dict[str, Any] | None
    version: int
    retired: bool
    source: str
    created_at: datetime
    updated_at: datetime
