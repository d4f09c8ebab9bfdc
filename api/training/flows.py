"""Training changes made in the page, with their audit entries."""

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from api.audit import service as audit
from api.training import service
from api.training.models import ModelRun, NluExample


async def request_run(*, db_session: AsyncSession, actor: str, stale_after: timedelta) -> ModelRun:
    """Queue a model run and audit it (not committed)."""
    run = await service.start_run(
        db_session=db_session, requested_by=actor, stale_after=stale_after
    )
    await audit.record(
        db_session=db_session, actor=actor, action="model.train", target=f"run:{run.id}"
    )
    return run


async def withdraw_example(*, db_session: AsyncSession, example_id: int, actor: str) -> NluExample:
    """Withdraw a staged example and audit it (not committed)."""
    example = await service.remove_example(
        db_session=db_session, example_id=example_id, actor=actor
    )
    await audit.record(
        db_session=db_session,
        actor=actor,
        action="model.example_removed",
        target=f"nlu_example:{example.id}",
        detail={"text": example.text, "intent": example.intent},
    )
    return example
