"""Bodies of the FSD endpoints."""

from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)
from pydantic_core import PydanticCustomError

from api.core.text import Email, MinistryCode, UserText
from api.fsd import rules
from api.fsd.models import AttachmentKind, FsdStatus, Intervention
from knowledge_base.vocabulary import (
    APPLICATIONS,
    FSD_DESCRIPTION_LENGTH,
    FSD_OBJECT_NUMBER_MAX_LENGTH,
    FSD_TITLE_LENGTH,
    FSD_USERS_BLOCKED_MAX,
)

Short = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
_TITLE_MIN, _TITLE_MAX = FSD_TITLE_LENGTH


def _known_application(value: str) -> str:
    if value not in APPLICATIONS:
        raise PydanticCustomError(
            "enum", "expected one of {expected}", {"expected": ", ".join(APPLICATIONS)}
        )
    return value


Application = Annotated[
    str,
    AfterValidator(_known_application),
    Field(json_schema_extra={"enum": list(APPLICATIONS)}),
]


class FsdFields(BaseModel):
    """What describes an FSD, whoever opens it."""

    model_config = ConfigDict(extra="forbid")

    title: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=_TITLE_MIN, max_length=_TITLE_MAX)
    ]
    description: UserText = Field(max_length=FSD_DESCRIPTION_LENGTH[1])
    application: Application
    domain: Annotated[str, StringConstraints(pattern=r"^[a-z_]{2,50}$")] | None = None
    subcategory: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)
    ] = Field(
        description='Chorus Pro style; one starting with "M" goes to the business service and '
        "needs `object_number`.",
        examples=["M01 - Facture rejetée", "Outil - Connexion"],
    )
    object_number: (
        Annotated[
            str, StringConstraints(strip_whitespace=True, max_length=FSD_OBJECT_NUMBER_MAX_LENGTH)
        ]
        | None
    ) = None
    severity: int = Field(ge=1, le=3, description=str(rules.SEVERITY_LABELS))
    impact: int = Field(ge=1, le=3, description=str(rules.IMPACT_LABELS))
    users_blocked: int = Field(ge=1, le=FSD_USERS_BLOCKED_MAX)
    intervention: Intervention | None = None
    pieces_count: int = Field(default=0, ge=0, le=rules.MAX_PIECES)

    @model_validator(mode="after")
    def object_number_when_required(self) -> "FsdFields":
        """A business sub-category ("M...") needs the object number."""
        if rules.needs_object_number(self.subcategory) and not self.object_number:
            raise PydanticCustomError(
                "object_number_required",
                "a sub-category starting with M needs object_number (invoice, mémoire...)",
            )
        return self


class FsdCreate(FsdFields):
    """An FSD opened by a CCA from the desk API (the initiator is the CCA's account)."""

    initiator_email: Email
    ministry_code: MinistryCode | None = None


class ConversationFsdCreate(FsdFields):
    """An FSD opened from a conversation: the initiator comes from the widget's profile."""

    initiator: Short
    initiator_email: Email
    ministry_code: MinistryCode | None = None


class StatusChange(BaseModel):
    """A change of status, with an optional comment kept in the history."""

    model_config = ConfigDict(extra="forbid")

    status: FsdStatus
    comment: Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000)] | None = None


class AttachmentRead(BaseModel):
    """An attachment's description (the content is downloaded separately)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: AttachmentKind
    filename: str
    content_type: str
    size: int
    created_at: datetime


class EventRead(BaseModel):
    """One entry of an FSD's history."""

    model_config = ConfigDict(from_attributes=True)

    actor: str
    actor_role: str
    from_status: str | None
    to_status: str | None
    comment: str | None
    created_at: datetime


class FsdRead(BaseModel):
    """An FSD, its attachments, its history, and what its rules still require."""

    model_config = ConfigDict(from_attributes=True)

    number: int = Field(validation_alias="id")
    title: str
    description: str
    application: str
    domain: str | None
    category: str
    subcategory: str
    object_number: str | None
    severity: int
    impact: int
    users_blocked: int
    priority: str
    intervention: Intervention | None
    pieces_count: int
    status: FsdStatus
    status_label: str = ""
    initiator: str
    initiator_email: str
    ministry_code: str | None
    conversation_id: str | None
    external_ref: str | None
    created_at: datetime
    updated_at: datetime
    attachments: list[AttachmentRead]
    history: list[EventRead]
    missing: list[str] = Field(
        default_factory=list,
        description="What the seeds' rules still require (pieces list, certificate) before SN1 "
        "takes the FSD.",
    )
    transcript: list[dict[str, Any]] = Field(default_factory=list)


class FsdStatusRead(BaseModel):
    """What a user may know of an FSD from the conversation."""

    number: int
    title: str
    status: FsdStatus
    status_label: str
    updated_at: datetime


class BotFsdRequest(BaseModel):
    """The FSD form's answers, as the bot sends them (custom data) once the user confirmed."""

    title: str
    description: str
    severity: int
    impact: int
    users_blocked: int
    business: bool = False
    object_number: str | None = None
    email: str | None = None
    domain: str | None = None
    pasted_error: str | None = None


class TicketStatusChange(BaseModel):
    """A status change pushed by the external FSD system for one of its tickets."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"status": "en_cours_de_traitement", "comment": "Pris en charge par le SN1."},
                {
                    "status": "proposition_de_solution",
                    "comment": "Relancez le workflow depuis la transaction de validation.",
                    "handoff_id": 42,
                },
            ]
        },
    )

    status: FsdStatus
    comment: Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000)] | None = None
    handoff_id: int | None = Field(
        default=None,
        ge=1,
        le=2**31 - 1,
        description="For a ticket the FSD system opened from a handoff (GET .../handoffs/{id}) "
        "rather than from one of our FSDs: the user of that handoff's conversation is told.",
    )


class TicketStatusRead(BaseModel):
    """What became of a ticket's status change."""

    ticket: str
    status: FsdStatus
    status_label: str
    fsd_number: int | None = Field(description="Our FSD, when the ticket is one of them.")
    conversation_id: str | None = Field(description="The conversation whose user was told.")
