"""The knowledge entry: what the YAML files and the database hold."""

from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=100)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class Application(StrEnum):
    """The application an entry is about."""

    CHORUS = "chorus"
    CHORUS_FORMULAIRES = "chorus_formulaires"
    CHORUS_PRO = "chorus_pro"
    ALL = "all"


class Kind(StrEnum):
    """A plain knowledge entry, or a known anomaly under investigation."""

    KNOWLEDGE = "knowledge"
    MAJOR_INCIDENT = "major_incident"


class Button(BaseModel):
    """A button under an answer: its label and what it opens."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
    entry_id: Slug


class Option(BaseModel):
    """One option of a follow-up question, with the answer it leads to."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    label: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
    answer: Text
    buttons: tuple[Button, ...] = ()
    proposes_fsd: bool = False


class FollowUp(BaseModel):
    """A question asked after the answer, whose options lead to different answers."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    question: Text
    options: tuple[Option, ...] = Field(min_length=2)


class Incident(BaseModel):
    """State of a major incident."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    status: Text
    workaround: str | None = None
    reported_on: date | None = None


class Entry(BaseModel):
    """A knowledge entry."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Slug
    application: Application
    domain: str
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    error_messages: tuple[Text, ...] = ()
    reformulations: tuple[Text, ...] = ()
    # Words or acronyms users may type for this entry, that neither its title nor its answer has.
    keywords: tuple[
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)], ...
    ] = ()
    answer: Text
    buttons: tuple[Button, ...] = ()
    follow_up: FollowUp | None = None
    proposes_fsd: bool = False
    # The entry stands for a whole topic whose procedures the knowledge base does not have: it
    # routes to the right person. The assistant answers with it directly only when a question is
    # about the topic as a whole (knowledge_base/retrieval.py asks more evidence of it).
    overview: bool = False
    kind: Kind = Kind.KNOWLEDGE
    incident: Incident | None = None
    version: int = Field(default=1, ge=1)

    @model_validator(mode="after")
    def incident_matches_kind(self) -> "Entry":
        """Require the incident block exactly for major incidents."""
        if (self.kind is Kind.MAJOR_INCIDENT) != (self.incident is not None):
            raise ValueError("'incident' is required for kind major_incident and only for it")
        return self


class DomainFile(BaseModel):
    """One YAML file: the entries of one domain."""

    model_config = ConfigDict(extra="forbid")

    domain: str
    entries: list[Entry] = Field(min_length=1)
