"""Review endpoints: the inbox of what the assistant missed, decisions and their undo, the
transcript around an item, the audit log. Admin role only."""

from typing import Annotated

from fastapi import APIRouter, Query

from api.audit import service as audit
from api.audit.schemas import AuditEventRead
from api.auth.deps import CurrentAdmin
from api.conversations.models import FeedbackRating
from api.core.deps import ConversationIdPath, IdPath, SessionDep
from api.knowledge import service as knowledge
from api.knowledge.deps import DomainsDep, IndexDep
from api.knowledge.schemas import SearchHit
from api.review import flows, service
from api.review.models import ItemKind, ReviewDecision
from api.review.schemas import (
    DecisionCreate,
    DecisionRead,
    FeedbackReviewRead,
    InboxRead,
    RatingReviewRead,
    TranscriptRead,
    UnansweredRead,
)

admin_router = APIRouter(prefix="/admin/review", tags=["review"])

ERRORS: dict[int | str, dict[str, str]] = {
    401: {"description": "Missing, invalid or expired bearer token."},
    403: {"description": "The token's user is not an admin."},
}
DECISION_ERRORS: dict[int | str, dict[str, str]] = {
    **ERRORS,
    404: {"description": "No such item, entry or decision."},
    409: {"description": "Already reviewed, already undone, or the text or id already exists."},
    422: {"description": "Inconsistent decision (e.g. attach without an entry)."},
}


async def _read(db_session: SessionDep, decision: ReviewDecision) -> DecisionRead:
    fields = {k: getattr(decision, k) for k in DecisionRead.model_fields if k != "item_count"}
    count = await service.item_count(db_session=db_session, decision_id=decision.id)
    return DecisionRead.model_validate({**fields, "item_count": count})


@admin_router.get("/inbox", response_model=InboxRead, responses=ERRORS)
async def get_inbox(
    db_session: SessionDep, index: IndexDep, _admin: CurrentAdmin, kind: ItemKind | None = None
) -> InboxRead:
    """What waits for review: close wordings grouped, the most frequent first."""
    await index.refresh(db_session=db_session)
    return await service.inbox(db_session=db_session, titles=index.entries, kind=kind)


@admin_router.get("/candidates", response_model=list[SearchHit], responses=ERRORS)
async def get_candidates(
    db_session: SessionDep,
    index: IndexDep,
    _admin: CurrentAdmin,
    text: Annotated[str, Query(min_length=1, max_length=1000)],
) -> list[SearchHit]:
    """The entries the retrieval ranks first for a wording or for search words."""
    return await knowledge.rank(db_session=db_session, index=index, text=text, limit=8)


@admin_router.post(
    "/decisions", response_model=DecisionRead, status_code=201, responses=DECISION_ERRORS
)
async def create_decision(
    body: DecisionCreate, db_session: SessionDep, domains: DomainsDep, admin: CurrentAdmin
) -> DecisionRead:
    """Attach to an entry, write a new entry, mark off-topic or ignore: the items leave the
    inbox and what was taught answers the next message, in every API process."""
    decision = await flows.decide(
        db_session=db_session, body=body, actor=admin.username, domains=domains
    )
    await db_session.commit()
    return await _read(db_session, decision)


@admin_router.post(
    "/decisions/{decision_id}/undo", response_model=DecisionRead, responses=DECISION_ERRORS
)
async def undo_decision(
    decision_id: IdPath, db_session: SessionDep, admin: CurrentAdmin
) -> DecisionRead:
    """Undo a decision: the items come back to the inbox, what it taught is removed."""
    decision = await flows.undo(
        db_session=db_session, decision_id=decision_id, actor=admin.username
    )
    await db_session.commit()
    return await _read(db_session, decision)


@admin_router.get(
    "/conversations/{conversation_id}",
    response_model=TranscriptRead,
    responses={**ERRORS, 404: {"description": "No such conversation."}},
)
async def get_transcript(
    conversation_id: ConversationIdPath,
    db_session: SessionDep,
    _admin: CurrentAdmin,
    around: Annotated[int | None, Query(ge=1, description="the message to center on")] = None,
) -> TranscriptRead:
    """The conversation around a reviewed message."""
    return await service.transcript(
        db_session=db_session, conversation_id=conversation_id, message_id=around
    )


@admin_router.get("/audit", response_model=list[AuditEventRead], responses=ERRORS)
async def list_audit(
    db_session: SessionDep,
    _admin: CurrentAdmin,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[AuditEventRead]:
    """The changes made in the review console, newest first."""
    return [
        AuditEventRead.model_validate(e)
        for e in await audit.recent(db_session=db_session, limit=limit)
    ]


@admin_router.get("/unanswered", response_model=list[UnansweredRead], responses=ERRORS)
async def list_unanswered(
    db_session: SessionDep,
    _admin: CurrentAdmin,
    include_reviewed: bool = False,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[UnansweredRead]:
    """Return the messages the bot could not answer, newest first, one by one."""
    found = await service.list_unanswered(
        db_session=db_session, include_reviewed=include_reviewed, limit=limit
    )
    return [
        UnansweredRead.model_validate(item).model_copy(update={"reviewed": reviewed})
        for item, reviewed in found
    ]


@admin_router.get("/feedback", response_model=list[FeedbackReviewRead], responses=ERRORS)
async def list_feedback(
    db_session: SessionDep,
    _admin: CurrentAdmin,
    rating: FeedbackRating | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[FeedbackReviewRead]:
    """Return the thumbs up / down on answers, newest first, with their knowledge entry."""
    items = await service.list_feedback(db_session=db_session, rating=rating, limit=limit)
    return [FeedbackReviewRead.model_validate(i) for i in items]


@admin_router.get("/ratings", response_model=list[RatingReviewRead], responses=ERRORS)
async def list_ratings(
    db_session: SessionDep,
    _admin: CurrentAdmin,
    max_stars: Annotated[int, Query(ge=1, le=5)] = 5,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[RatingReviewRead]:
    """Return the conversations' star ratings, newest first (e.g. max_stars=2: the bad ones)."""
    items = await service.list_ratings(db_session=db_session, max_stars=max_stars, limit=limit)
    return [RatingReviewRead.model_validate(i) for i in items]
