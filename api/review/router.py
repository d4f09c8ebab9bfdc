"""Review endpoints: the action server reports, the admins read."""

from typing import Annotated

from fastapi import APIRouter, Query

from api.conversations.models import FeedbackRating
from api.deps import CurrentAdmin, SessionDep
from api.review import service
from api.review.schemas import (
    FeedbackReviewRead,
    RatingReviewRead,
    UnansweredCreate,
    UnansweredRead,
)

router = APIRouter(prefix="/api/v1/review", tags=["review"])
admin_router = APIRouter(prefix="/api/v1/admin/review", tags=["review"])


@router.post("/unanswered", response_model=UnansweredRead, status_code=201)
async def report_unanswered(body: UnansweredCreate, db_session: SessionDep) -> UnansweredRead:
    """Log a message the bot could not answer, for the support staff's review."""
    item = await service.log_unanswered(
        db_session=db_session,
        conversation_id=body.conversation_id,
        text=body.text,
        reason=body.reason,
    )
    return UnansweredRead.model_validate(item)


@admin_router.get("/unanswered", response_model=list[UnansweredRead])
async def list_unanswered(
    db_session: SessionDep,
    _admin: CurrentAdmin,
    include_reviewed: bool = False,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[UnansweredRead]:
    """Return the messages waiting for review, newest first."""
    items = await service.list_unanswered(
        db_session=db_session, include_reviewed=include_reviewed, limit=limit
    )
    return [UnansweredRead.model_validate(i) for i in items]


@admin_router.get("/feedback", response_model=list[FeedbackReviewRead])
async def list_feedback(
    db_session: SessionDep,
    _admin: CurrentAdmin,
    rating: FeedbackRating | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[FeedbackReviewRead]:
    """Return the thumbs up / down on answers, newest first, with their knowledge entry."""
    items = await service.list_feedback(db_session=db_session, rating=rating, limit=limit)
    return [FeedbackReviewRead.model_validate(i) for i in items]


@admin_router.get("/ratings", response_model=list[RatingReviewRead])
async def list_ratings(
    db_session: SessionDep,
    _admin: CurrentAdmin,
    max_stars: Annotated[int, Query(ge=1, le=5)] = 5,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[RatingReviewRead]:
    """Return the conversations' star ratings, newest first (e.g. max_stars=2: the bad ones)."""
    items = await service.list_ratings(db_session=db_session, max_stars=max_stars, limit=limit)
    return [RatingReviewRead.model_validate(i) for i in items]
