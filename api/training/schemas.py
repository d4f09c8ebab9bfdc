"""Staged examples, model runs and the live model, as the API shows them."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict


class NluExampleRead(BaseModel):
    """A staged training example."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    text: str
    intent: str
    decision_id: int | None
    staged_by: str
    staged_at: datetime
    trained_in: str | None


class ModelRunRead(BaseModel):
    """A model run and its outcome."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    status: str
    requested_by: str
    requested_at: datetime
    finished_at: datetime | None
    examples: int
    model: str | None
    trained_at: datetime | None
    score: float | None
    live_model: str | None
    live_score: float | None
    heldout_total: int | None
    detail: str


class LiveModelRead(BaseModel):
    """The model the Rasa server answers with."""

    name: str
    trained_at: datetime | None
    score: float | None


class ModelStateRead(BaseModel):
    """What the page shows: the live model, the examples waiting, the recent runs."""

    rasa_reachable: bool
    live: LiveModelRead | None
    pending_examples: int
    examples: list[NluExampleRead]
    runs: list[ModelRunRead]
