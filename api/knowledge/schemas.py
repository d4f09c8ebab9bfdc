"""Bodies of the knowledge endpoints."""

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from api.core.text import UserText
from knowledge_base.schema import Application, Button, FollowUp, Incident, Kind

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=100)]
Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
DomainId = Annotated[str, StringConstraints(pattern=r"^[a-z_]{2,50}$")]
IntentName = Annotated[str, StringConstraints(pattern=r"^[a-z_]{2,60}$")]
Keyword = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]


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


class SearchRequest(BaseModel):
    """A question typed by a user, and the domain the NLU thinks it is about (a prior)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"text": "comment ajouter un tiers dans un EJ ?", "domain": "ej"},
                {
                    "text": "mot de passe chorus pro oublié",
                    "intent": "connexion",
                    "intent_confidence": 0.93,
                },
            ]
        },
    )

    text: UserText
    domain: DomainId | None = Field(
        default=None, description="Favour this domain's entries (the NLU's guess)."
    )
    intent: IntentName | None = Field(
        default=None, description="The NLU's intent for the text: evidence for the confidence."
    )
    intent_confidence: float = Field(default=0.0, ge=0.0, le=1.0)


class SearchHit(BaseModel):
    """An entry found for a question; `score` is 0-100."""

    entry_id: str
    title: str
    domain: str
    score: float


class SearchResponse(BaseModel):
    """`answer` only when the assistant is confident; otherwise up to three `suggestions`."""

    answer: SearchHit | None
    suggestions: list[SearchHit]
    confidence: float = Field(
        description="The probability (0-1) that the best entry answers the question."
    )
    lacks_detail: bool = Field(
        default=False,
        description="The question asks a precise detail the best entry says the knowledge base "
        "lacks: it is the first suggestion rather than the answer.",
    )


class EntryWrite(BaseModel):
    """The editable content of an entry."""

    model_config = ConfigDict(extra="forbid")

    application: Application
    domain: str
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    error_messages: list[Line] = Field(default_factory=list, max_length=50)
    reformulations: list[Line] = Field(default_factory=list, max_length=200)
    keywords: list[Keyword] = Field(default_factory=list, max_length=30)
    answer: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000)
    ]
    buttons: list[Button] = Field(default_factory=list, max_length=10)
    follow_up: FollowUp | None = None
    proposes_fsd: bool = False
    overview: bool = Field(
        default=False,
        description="A whole topic without its procedures: answered directly only for "
        "questions about the topic as a whole.",
    )
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
    keywords: list[str]
    answer: str
    buttons: list[dict[str, str]]
    follow_up: dict[str, Any] | None
    proposes_fsd: bool
    overview: bool
    kind: str
    incident: dict[str, Any] | None
    version: int
    retired: bool
    source: str
    created_at: datetime
    updated_at: datetime


class FieldChange(BaseModel):
    """How one field of an entry changed between two versions."""

    field: str
    before: Any = None
    after: Any = None
    added: list[Any] = Field(default_factory=list, description="For lists: items added.")
    removed: list[Any] = Field(default_factory=list, description="For lists: items removed.")


class EntryVersionRead(BaseModel):
    """A version of an entry: who, when, how, its content and what changed."""

    id: int
    version: int
    action: str
    actor: str
    retired: bool
    created_at: datetime
    snapshot: dict[str, Any]
    changes: list[FieldChange]
