"""The FSD system's API: a handoff's context for the ticket it opens, and ticket status changes."""

from typing import Annotated

from fastapi import APIRouter, Path

from api.core.deps import ClockDep, IdPath, NotifierDep, SessionDep, WakeOutboxDep
from api.core.realtime import conversation_topic
from api.fsd import rules
from api.fsd.schemas import TicketStatusChange, TicketStatusRead
from api.handoff import service as handoff_service
from api.handoff.schemas import HandoffDetail
from api.integration import flows
from api.integration.deps import FsdSystem

router = APIRouter(prefix="/integration", tags=["fsd system"], dependencies=[FsdSystem])

ERRORS: dict[int | str, dict[str, str]] = {
    401: {"description": "Missing or wrong `X-API-Key` (or no key configured)."},
    404: {"description": "Unknown handoff or ticket."},
}


@router.get("/handoffs/{handoff_id}", response_model=HandoffDetail, responses=ERRORS)
async def handoff_for_fsd_system(
    handoff_id: IdPath, db_session: SessionDep, clock: ClockDep
) -> HandoffDetail:
    """A handoff's context (trigger, domain, pasted error, entries tried, feedback, profile)
    and the conversation's whole transcript, for the ticket the FSD system opens."""
    handoff = await handoff_service.get_or_raise(db_session=db_session, handoff_id=handoff_id)
    return await handoff_service.detail(db_session=db_session, handoff=handoff, now=clock())


@router.post("/tickets/{ticket_ref}/status", response_model=TicketStatusRead, responses=ERRORS)
async def ticket_status_changed(
    ticket_ref: Annotated[
        str, Path(pattern=r"^[A-Za-z0-9_.-]{1,100}$", examples=["SD-2026-00042", "12"])
    ],
    body: TicketStatusChange,
    db_session: SessionDep,
    notifier: NotifierDep,
    wake_outbox: WakeOutboxDep,
) -> TicketStatusRead:
    """The FSD system reports a ticket's new status: it reaches the user in the conversation
    (widget, in real time) and by email. The ticket is one of our FSDs (its external reference,
    or its number with the embedded desk), or one opened from a handoff (`handoff_id`)."""
    update = await flows.ticket_status_changed(
        db_session=db_session,
        ticket_ref=ticket_ref,
        status=body.status,
        comment=body.comment,
        handoff_id=body.handoff_id,
    )
    await db_session.commit()
    wake_outbox()
    if update.conversation_id is not None:
        notifier.publish(conversation_topic(update.conversation_id))
    return TicketStatusRead(
        ticket=ticket_ref,
        status=body.status,
        status_label=rules.STATUS_LABELS[body.status],
        fsd_number=update.fsd_number,
        conversation_id=update.conversation_id,
    )
