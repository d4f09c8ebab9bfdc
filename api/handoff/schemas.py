"""Bodies of the handoff (LiveChat) endpoints and of the bot's handoff requests."""

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints
from pydantic_core import PydanticCustomError

from api.conversations.schemas import MessageRead
from api.core.text import UserText
from api.handoff.models import HandoffOutcome, HandoffStatus
from knowledge_base.vocabulary import HANDOFF_CATEGORIES

CATEGORIES = HANDOFF_CATEGORIES


def _known_category(value: str) -> str:
    if value not in CATEGORIES:
        raise PydanticCustomError(
            "category_unknown",
            "unknown category; expected one of {expected}",
            {"expected": ", ".join(CATEGORIES)},
        )
    return value


# A LiveChat category id (knowledge_base/vocabulary.py: the action server offers the same).
Category = Annotated[
    str, AfterValidator(_known_category), Field(json_schema_extra={"enum": list(CATEGORIES)})
]
MAX_NOTE_LENGTH = 2000

OUTCOME_LABELS: dict[HandoffOutcome, str] = {
    HandoffOutcome.RESOLVED: "Demande résolue",
    HandoffOutcome.FSD_NEEDED: "Fiche service desk (FSD) nécessaire",
    HandoffOutcome.REDIRECTED: "Orienté vers le bon interlocuteur (CCA, service métier…)",
    HandoffOutcome.NO_REPLY: "L'usager ne répond plus",
    HandoffOutcome.CANCELLED: "L'usager a quitté la file d'attente",
    HandoffOutcome.OTHER: "Autre",
}


class HandoffRequest(BaseModel):
    """What the bot asks for when the user chose a category (sent as custom data)."""

    category: Category
    leave_message: bool = False
    context: dict[str, Any] = Field(default_factory=dict)


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


class AvailabilityRead(BaseModel):
    """Whether advisors answer now, and when they are back."""

    open: bool
    schedule: str = Field(examples=["du lundi au vendredi de 8 h 30 à 18 h 30, hors jours fériés"])
    next_opening: datetime | None = Field(
        description="When advisors are back; null while they answer (or if they never do)."
    )
    next_opening_text: str | None = Field(examples=["lundi 30 novembre à 8 h 30"])


class QueueEntryRead(BaseModel):
    """A handoff as the advisors' queue shows it."""

    id: int
    conversation_id: str
    category: str
    category_label: str
    status: HandoffStatus
    offline: bool
    requested_at: datetime
    waiting_seconds: int = Field(description="Since the request, or until an advisor claimed it.")
    position: int | None
    advisor: str | None
    claimed_at: datetime | None
    profile: dict[str, Any]
    last_user_text: str | None


class HandoffDetail(QueueEntryRead):
    """A handoff with its context and the whole transcript, for the advisor who takes it."""

    context: dict[str, Any]
    closed_at: datetime | None
    outcome: HandoffOutcome | None
    outcome_note: str | None
    messages: list[MessageRead]


class CloseRequest(BaseModel):
    """How the advisor ends the chat."""

    model_config = ConfigDict(extra="forbid")

    outcome: Literal["resolved", "fsd_needed", "redirected", "no_reply", "other"]
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_NOTE_LENGTH)] = ""


class AgentMessageCreate(BaseModel):
    """A message an advisor writes to the user."""

    model_config = ConfigDict(extra="forbid")

    text: UserText


class CannedResponse(BaseModel):
    """A ready-made answer advisors insert into the chat."""

    id: str
    title: str
    text: str


class OutcomeRead(BaseModel):
    """A way to close a chat, for the console's form."""

    id: HandoffOutcome
    label: str
