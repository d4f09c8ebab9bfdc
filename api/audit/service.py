"""Recording and reading the audit log."""

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.audit.models import AuditEvent


async def record(
    *,
    db_session: AsyncSession,
    actor: str,
    action: str,
    target: str,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add a change to the log, in the caller's transaction."""
    event = AuditEvent(actor=actor, action=action, target=target, detail=detail or {})
    db_session.add(event)
    await db_session.flush()
    return event


async def recent(
    *, db_session: AsyncSession, target: str | None = None, limit: int = 200
) -> list[AuditEvent]:
    """The newest changes first, optionally of one target."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if target is not None:
        query = query.where(AuditEvent.target == target)
    return list(await db_session.scalars(query))
