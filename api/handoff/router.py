"""LiveChat endpoints: availability for the widget; the queue, chat and socket for advisors."""

from fastapi import APIRouter, WebSocket
from fastapi.exceptions import RequestValidationError

from api.auth.deps import CurrentAdvisor
from api.conversations.schemas import MessageRead
from api.core.deps import ClockDep, IdPath, NotifierDep, RasaDep, SessionDep, SettingsDep
from api.core.text import text_length_errors
from api.handoff import flows, service, socket
from api.handoff.deps import HoursDep
from api.handoff.models import HandoffOutcome
from api.handoff.schemas import (
    OUTCOME_LABELS,
    AgentMessageCreate,
    AvailabilityRead,
    CannedResponse,
    CloseRequest,
    HandoffDetail,
    OutcomeRead,
    QueueEntryRead,
)

router = APIRouter(tags=["livechat"])
console_router = APIRouter(prefix="/console", tags=["advisor console"])

STAFF_ERRORS: dict[int | str, dict[str, str]] = {
    401: {"description": "Missing, wrong or expired token."},
    403: {"description": "Not an advisor, or the conversation is another advisor's."},
    404: {"description": "No such handoff."},
}


@router.get("/handoff/availability", response_model=AvailabilityRead)
async def availability(hours: HoursDep, clock: ClockDep) -> AvailabilityRead:
    """Whether LiveChat advisors answer now, their schedule, and when they are back."""
    return service.availability(hours=hours, now=clock())


@console_router.websocket("/ws")
async def console_socket(websocket: WebSocket) -> None:
    """The console's live channel: send {"type": "auth", "token"} first, then watch/message."""
    state = websocket.app.state
    await socket.console_socket(
        websocket=websocket,
        sessions=state.session_factory,
        settings=state.settings,
        notifier=state.notifier,
        clock=state.clock,
    )


@console_router.get("/queue", response_model=list[QueueEntryRead], responses=STAFF_ERRORS)
async def get_queue(
    advisor: CurrentAdvisor, db_session: SessionDep, clock: ClockDep
) -> list[QueueEntryRead]:
    """The conversations waiting for an advisor or with one, oldest first."""
    return await service.queue(db_session=db_session, now=clock())


@console_router.get("/handoffs/{handoff_id}", response_model=HandoffDetail, responses=STAFF_ERRORS)
async def get_handoff(
    handoff_id: IdPath, advisor: CurrentAdvisor, db_session: SessionDep, clock: ClockDep
) -> HandoffDetail:
    """A handoff with its context (domain, entries tried, error, feedback) and transcript."""
    handoff = await service.get_or_raise(db_session=db_session, handoff_id=handoff_id)
    return await service.detail(db_session=db_session, handoff=handoff, now=clock())


@console_router.post(
    "/handoffs/{handoff_id}/claim",
    response_model=HandoffDetail,
    responses={
        **STAFF_ERRORS,
        409: {"description": "Another advisor claimed it first, or it is closed."},
    },
)
async def claim_handoff(
    handoff_id: IdPath,
    advisor: CurrentAdvisor,
    db_session: SessionDep,
    notifier: NotifierDep,
    clock: ClockDep,
) -> HandoffDetail:
    """Take a waiting conversation (of two advisors claiming at once, exactly one wins)."""
    return await flows.claim(
        db_session=db_session,
        notifier=notifier,
        now=clock(),
        handoff_id=handoff_id,
        advisor=advisor,
    )


@console_router.post(
    "/handoffs/{handoff_id}/messages",
    response_model=MessageRead,
    status_code=201,
    responses={**STAFF_ERRORS, 409: {"description": "The chat is not active."}},
)
async def post_advisor_message(
    handoff_id: IdPath,
    body: AgentMessageCreate,
    advisor: CurrentAdvisor,
    db_session: SessionDep,
    notifier: NotifierDep,
    settings: SettingsDep,
) -> MessageRead:
    """Write to the user (stored, then delivered to their widget)."""
    if errors := text_length_errors(body.text, settings.max_text_length):
        raise RequestValidationError(errors)
    message = await flows.send_as_advisor(
        db_session=db_session,
        notifier=notifier,
        handoff_id=handoff_id,
        advisor=advisor,
        text=body.text,
    )
    return MessageRead.model_validate(message)


@console_router.post(
    "/handoffs/{handoff_id}/close",
    response_model=HandoffDetail,
    responses={**STAFF_ERRORS, 409: {"description": "The chat is not active."}},
)
async def close_handoff(
    handoff_id: IdPath,
    body: CloseRequest,
    advisor: CurrentAdvisor,
    db_session: SessionDep,
    rasa: RasaDep,
    notifier: NotifierDep,
    clock: ClockDep,
) -> HandoffDetail:
    """End the chat with an outcome: the bot takes the conversation back and asks for stars."""
    return await flows.close(
        db_session=db_session,
        rasa=rasa,
        notifier=notifier,
        now=clock(),
        handoff_id=handoff_id,
        advisor=advisor,
        outcome=HandoffOutcome(body.outcome),
        note=body.note,
    )


@console_router.get(
    "/canned-responses", response_model=list[CannedResponse], responses=STAFF_ERRORS
)
async def canned_responses(advisor: CurrentAdvisor, settings: SettingsDep) -> list[CannedResponse]:
    """The ready-made answers advisors insert into the chat."""
    return service.canned_responses(path=settings.canned_responses_file)


@console_router.get("/outcomes", response_model=list[OutcomeRead], responses=STAFF_ERRORS)
async def outcomes(advisor: CurrentAdvisor) -> list[OutcomeRead]:
    """The ways an advisor can close a chat."""
    return [
        OutcomeRead(id=outcome, label=label)
        for outcome, label in OUTCOME_LABELS.items()
        if outcome is not HandoffOutcome.CANCELLED
    ]
