"""Review endpoints: the action server reports, the admins read."""

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import CurrentAdmin, SessionDep
from api.review import service
from api.review.schemas import UnansweredCreate, UnansweredRead

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
