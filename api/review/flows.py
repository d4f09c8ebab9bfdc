"""Teaching from the inbox: a reviewer's decision changes the knowledge base and marks the
items reviewed in one transaction, and undoing it reverts both. Every change is audited."""

from collections.abc import Sequence
from typing import cast

from sqlalchemy.ext.asyncio import AsyncSession

from api.audit import service as audit
from api.conversations.models import UnansweredMessage
from api.core.errors import AppError
from api.knowledge import service as knowledge
from api.knowledge.schemas import EntryCreate
from api.review import service
from api.review.models import DecisionKind, ReviewDecision
from api.review.schemas import DecisionCreate
from api.training import service as training
from knowledge_base.taxonomy import Domain


class UnknownDomainError(AppError):
    """A training example for a domain that does not exist."""

    status_code = 422


async def _attach(
    *,
    db_session: AsyncSession,
    body: DecisionCreate,
    items: Sequence[UnansweredMessage],
    actor: str,
) -> dict[str, str | bool]:
    """Add the wording to the entry (unless it has it already); return what was added."""
    assert body.entry_id is not None
    text = body.text or service.wordings(items, limit=1)[0]
    as_error = service.is_paste(items) if body.as_error_message is None else body.as_error_message
    if await knowledge.has_text(db_session=db_session, entry_id=body.entry_id, text=text):
        return {}
    await knowledge.add_reformulation(
        db_session=db_session,
        entry_id=body.entry_id,
        text=text,
        is_error_message=as_error,
        actor=actor,
    )
    return {"text": text, "is_error_message": as_error}


async def _new_entry(
    *,
    db_session: AsyncSession,
    entry: EntryCreate,
    items: Sequence[UnansweredMessage],
    domains: Sequence[Domain],
    actor: str,
) -> dict[str, str | bool]:
    """Create the entry, with the group's wording among its texts."""
    text = service.wordings(items, limit=1)[0]
    if service.is_paste(items):
        if text not in entry.error_messages:
            entry = entry.model_copy(update={"error_messages": [*entry.error_messages, text]})
    elif text not in entry.reformulations:
        entry = entry.model_copy(update={"reformulations": [*entry.reformulations, text]})
    await knowledge.create_entry(db_session=db_session, data=entry, domains=domains, actor=actor)
    return {"entry": entry.id}


def _check_domain(domain: str, domains: Sequence[Domain]) -> None:
    if domain not in {d.id for d in domains}:
        raise UnknownDomainError(f"unknown domain {domain!r}", "Ce domaine n'existe pas.")


async def _stage(
    *,
    db_session: AsyncSession,
    items: Sequence[UnansweredMessage],
    domain: str,
    actor: str,
    decision_id: int,
) -> list[str]:
    """Stage the group's wordings as examples of the domain's intent; return those added."""
    staged = await training.stage_examples(
        db_session=db_session,
        texts=service.wordings(items),
        intent=domain,
        actor=actor,
        decision_id=decision_id,
    )
    return [e.text for e in staged]


async def decide(
    *, db_session: AsyncSession, body: DecisionCreate, actor: str, domains: Sequence[Domain]
) -> ReviewDecision:
    """Carry out a decision on inbox items and mark them reviewed (not committed)."""
    if body.nlu_domain is not None:
        _check_domain(body.nlu_domain, domains)
    items = await service.items_to_decide(
        db_session=db_session, kind=body.item_kind, item_ids=body.item_ids
    )
    added: dict[str, str | bool] = {}
    entry_id = body.entry_id
    if body.decision is DecisionKind.ATTACH:
        unanswered = cast(list[UnansweredMessage], items)
        added = await _attach(db_session=db_session, body=body, items=unanswered, actor=actor)
    elif body.decision is DecisionKind.NEW_ENTRY:
        assert body.entry is not None
        unanswered = cast(list[UnansweredMessage], items)
        added = await _new_entry(
            db_session=db_session,
            entry=body.entry,
            items=unanswered,
            domains=domains,
            actor=actor,
        )
        entry_id = body.entry.id
    decision = await service.record_decision(
        db_session=db_session,
        kind=body.decision,
        item_kind=body.item_kind,
        item_ids=body.item_ids,
        actor=actor,
        entry_id=entry_id,
        added=added,
    )
    staged: list[str] = []
    if body.nlu_domain is not None:
        staged = await _stage(
            db_session=db_session,
            items=cast(list[UnansweredMessage], items),
            domain=body.nlu_domain,
            actor=actor,
            decision_id=decision.id,
        )
    await audit.record(
        db_session=db_session,
        actor=actor,
        action=f"review.{body.decision.value}",
        target=f"{body.item_kind.value}:{','.join(map(str, sorted(set(body.item_ids))))}",
        detail={
            "decision": decision.id,
            "entry_id": entry_id,
            **added,
            **({"nlu_domain": body.nlu_domain, "examples": staged} if staged else {}),
        },
    )
    return decision


async def undo(*, db_session: AsyncSession, decision_id: int, actor: str) -> ReviewDecision:
    """Revert a decision: remove what it added, put its items back in the inbox (not
    committed)."""
    decision = await service.get_decision_or_raise(db_session=db_session, decision_id=decision_id)
    items = [f"{m.item_kind}:{m.item_id}" for m in decision.marks]
    service.clear_marks(decision=decision, actor=actor)
    removed: dict[str, str | bool] = {}
    text = decision.added.get("text")
    if (
        isinstance(text, str)
        and decision.entry_id
        and await knowledge.remove_text(
            db_session=db_session, entry_id=decision.entry_id, text=text, actor=actor
        )
    ):
        removed = {"text": text}
    withdrawn = await training.remove_examples_of_decision(
        db_session=db_session, decision_id=decision.id, actor=actor
    )
    if withdrawn:
        removed = {**removed, "examples": ", ".join(withdrawn)}
    new_entry = decision.added.get("entry")
    if isinstance(new_entry, str):
        await knowledge.retire_entry(db_session=db_session, entry_id=new_entry, actor=actor)
        removed = {**removed, "retired": new_entry}
    await audit.record(
        db_session=db_session,
        actor=actor,
        action="review.undo",
        target=f"decision:{decision.id}",
        detail={"items": items, "kind": decision.kind, "entry_id": decision.entry_id, **removed},
    )
    await db_session.flush()
    return decision
