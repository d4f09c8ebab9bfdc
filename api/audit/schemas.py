"""Bodies of the audit log's endpoint."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class AuditEventRead(BaseModel):
    """One change made in the review console."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    actor: str
    action: str
    target: str
    detail: dict[str, Any]
    created_at: datetime
