"""FSD endpoints: the desk (CCA, SN1, SN2), the conversation's FSD, the FSD system's API."""

import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Path, UploadFile
from fastapi.responses import Response
from fastapi.security import APIKeyHeader
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.auth.service import AuthenticationError
from api.conversations import service as conversations
from api.conversations.service import BotUtterance
from api.core.errors import NotFoundError
from api.core.realtime import conversation_topic
from api.deps import (
    ConversationIdPath,
    CurrentUser,
    IdPath,
    LiveChatDep,
    SessionDep,
    SettingsDep,
)
from api.fsd import rules, service
from api.fsd.models import AttachmentKind, FsdAttachment
from api.fsd.schemas import EMAIL_PATTERN as EMAIL
from api.fsd.schemas import (
    AttachmentRead,
    ConversationFsdCreate,
    FsdCreate,
    FsdRead,
    FsdStatusRead,
    StatusChange,
    TicketStatusChange,
    TicketStatusRead,
)
from api.handoff import service as handoff_service
from api.handoff.schemas import HandoffDetail
from api.notifications import service as outbox

router = APIRouter(prefix="/api/v1/fsd", tags=["fsd"])
integration_router = APIRouter(prefix="/api/v1/integration", tags=["fsd system"])
_api_key = APIKeyHeader(
    name="X-API-Key", auto_error=False, description="The FSD system's key (FSD_SYSTEM_API_KEY)"
)


def _fsd_system(key: Annotated[str | None, Depends(_api_key)], settings: SettingsDep) -> None:
    """Let in the FSD system: its API key, compared in constant time."""
    expected = settings.fsd_system_api_key
    if (
        expected is None
        or not key
        or not secrets.compare_digest(key.encode(), expected.get_secret_value().encode())
    ):
        raise AuthenticationError("missing or wrong X-API-Key", "Clé d'API absente ou invalide.")


FsdSystem = Depends(_fsd_system)
AUTOMATIC = "Ce message est envoyé automatiquement par l'assistant Chorus."
SYSTEM_ERRORS: dict[int | str, dict[str, str]] = {
    401: {"description": "Missing or wrong `X-API-Key` (or no key configured)."},
    404: {"description": "Unknown handoff or ticket."},
}
conversation_router = APIRouter(tags=["fsd"])

ERRORS: dict[int | str, dict[str, str]] = {
    401: {"description": "Missing, wrong or expired token."},
    403: {"description": "Only a CCA opens an FSD."},
    404: {"description": "No such FSD (or not one of the CCA's)."},
}


@router.post("", response_model=FsdRead, status_code=201, responses=ERRORS)
async def create_fsd(
    body: FsdCreate, user: CurrentUser, db_session: SessionDep, live: LiveChatDep
) -> FsdRead:
    """Open an FSD (CCA only): status nouveau, the initiator is told by email."""
    service.ensure_cca(user.role.value)
    new = service.NewFsd(
        fields=body,
        initiator=user.username,
        initiator_email=body.initiator_email,
        ministry_code=body.ministry_code,
    )
    fsd = await live.desk.open(db_session=db_session, new=new)
    await db_session.commit()
    live.wake_outbox()
    return service.read(fsd)


@router.get("", response_model=list[FsdRead], responses=ERRORS)
async def list_fsd(user: CurrentUser, db_session: SessionDep) -> list[FsdRead]:
    """The FSDs the user sees (a CCA: their own; SN1 and SN2: all), newest first."""
    found = await service.list_for(db_session=db_session, username=user.username, role=user.role)
    return [service.read(fsd) for fsd in found]


@router.get("/{number}", response_model=FsdRead, responses=ERRORS)
async def get_fsd(number: IdPath, user: CurrentUser, db_session: SessionDep) -> FsdRead:
    """One FSD with its attachments, history and transcript."""
    fsd = await service.get_or_raise(db_session=db_session, number=number)
    service.ensure_visible(fsd=fsd, username=user.username, role=user.role)
    return service.read(fsd)


@router.post(
    "/{number}/status",
    response_model=FsdRead,
    responses={**ERRORS, 409: {"description": "Transition not allowed: `message` says why."}},
)
async def change_status(
    number: IdPath, body: StatusChange, user: CurrentUser, db_session: SessionDep, live: LiveChatDep
) -> FsdRead:
    """Move the FSD along its lifecycle; the initiator is told by email."""
    fsd = await service.get_or_raise(db_session=db_session, number=number)
    service.ensure_visible(fsd=fsd, username=user.username, role=user.role)
    await service.change_status(
        db_session=db_session,
        fsd=fsd,
        target=body.status,
        actor=user.username,
        role=user.role,
        comment=body.comment,
    )
    await db_session.commit()
    live.wake_outbox()
    return service.read(fsd)


@router.post(
    "/{number}/attachments",
    response_model=AttachmentRead,
    status_code=201,
    responses={
        **ERRORS,
        409: {"description": "The FSD is closed."},
        413: {"description": "File too large."},
        422: {"description": "Type not accepted for this kind, or too many files."},
    },
)
async def add_attachment(
    number: IdPath,
    kind: Annotated[AttachmentKind, Form()],
    file: Annotated[UploadFile, File(description="PNG, JPEG, PDF, XLSX, XLS, ODS or CSV")],
    user: CurrentUser,
    db_session: SessionDep,
    settings: SettingsDep,
) -> AttachmentRead:
    """Join a screenshot, a file, the pieces list or the administrative certificate."""
    fsd = await service.get_or_raise(db_session=db_session, number=number)
    service.ensure_visible(fsd=fsd, username=user.username, role=user.role)
    data = await file.read(settings.fsd_max_attachment_bytes + 1)
    attachment = await service.add_attachment(
        db_session=db_session,
        fsd=fsd,
        kind=kind,
        filename=file.filename or "fichier",
        data=data,
        max_bytes=settings.fsd_max_attachment_bytes,
        max_count=settings.fsd_max_attachments,
        actor=user.username,
        role=user.role,
    )
    await db_session.commit()
    return AttachmentRead.model_validate(attachment)


@router.get("/{number}/attachments/{attachment_id}", responses=ERRORS)
async def download_attachment(
    number: IdPath, attachment_id: IdPath, user: CurrentUser, db_session: SessionDep
) -> Response:
    """Download an attachment."""
    fsd = await service.get_or_raise(db_session=db_session, number=number)
    service.ensure_visible(fsd=fsd, username=user.username, role=user.role)
    row = (
        await db_session.execute(
            select(FsdAttachment.data, FsdAttachment.content_type).where(
                FsdAttachment.id == attachment_id, FsdAttachment.fsd_id == fsd.id
            )
        )
    ).one_or_none()
    if row is None:
        raise NotFoundError(
            f"attachment {attachment_id} of FSD {number} does not exist",
            "Cette pièce jointe n'existe pas.",
        )
    data, content_type = row
    return Response(
        content=data,
        media_type=content_type,
        headers={"Content-Disposition": f'attachment; filename="piece-{attachment_id}"'},
    )


@conversation_router.post(
    "/api/v1/conversations/{conversation_id}/fsd",
    response_model=FsdRead,
    status_code=201,
    responses={
        403: {"description": "The conversation's profile is not a CCA's."},
        404: {"description": "No such conversation."},
    },
)
async def create_from_conversation(
    conversation_id: ConversationIdPath,
    body: ConversationFsdCreate,
    db_session: SessionDep,
    live: LiveChatDep,
) -> FsdRead:
    """Open an FSD from a conversation (the bot's form); the profile's role must be CCA."""
    conversation = await conversations.get_or_raise(
        db_session=db_session, conversation_id=conversation_id
    )
    service.ensure_cca((conversation.profile or {}).get("role"))
    new = service.NewFsd(
        fields=body,
        initiator=body.initiator,
        initiator_email=body.initiator_email,
        ministry_code=body.ministry_code or (conversation.profile or {}).get("ministry_code"),
        conversation=conversation,
    )
    fsd = await live.desk.open(db_session=db_session, new=new)
    await db_session.commit()
    live.wake_outbox()
    return service.read(fsd)


@conversation_router.get(
    "/api/v1/conversations/{conversation_id}/fsd/{number}",
    response_model=FsdStatusRead,
    responses={404: {"description": "No such FSD for this conversation's ministry."}},
)
async def fsd_status_for_conversation(
    conversation_id: ConversationIdPath, number: IdPath, db_session: SessionDep
) -> FsdStatusRead:
    """ "Où en est ma fiche 123 ?": the status of an FSD of this conversation or ministry."""
    conversation = await conversations.get_or_raise(
        db_session=db_session, conversation_id=conversation_id
    )
    fsd = await service.visible_from_conversation(
        db_session=db_session, conversation=conversation, number=number
    )
    return FsdStatusRead(
        number=fsd.id,
        title=fsd.title,
        status=fsd.status,
        status_label=rules.STATUS_LABELS[fsd.status],
        updated_at=fsd.updated_at,
    )


@integration_router.get(
    "/handoffs/{handoff_id}",
    response_model=HandoffDetail,
    responses=SYSTEM_ERRORS,
    dependencies=[FsdSystem],
)
async def handoff_for_fsd_system(
    handoff_id: IdPath, db_session: SessionDep, live: LiveChatDep
) -> HandoffDetail:
    """A handoff's context (trigger, domain, pasted error, entries tried, feedback, profile)
    and the conversation's whole transcript, for the ticket the FSD system opens."""
    handoff = await handoff_service.get_or_raise(db_session=db_session, handoff_id=handoff_id)
    return await handoff_service.detail(db_session=db_session, handoff=handoff, now=live.clock())


@integration_router.post(
    "/tickets/{ticket_ref}/status",
    response_model=TicketStatusRead,
    responses=SYSTEM_ERRORS,
    dependencies=[FsdSystem],
)
async def ticket_status_changed(
    ticket_ref: Annotated[
        str, Path(pattern=r"^[A-Za-z0-9_.-]{1,100}$", examples=["SD-2026-00042", "12"])
    ],
    body: TicketStatusChange,
    db_session: SessionDep,
    live: LiveChatDep,
) -> TicketStatusRead:
    """The FSD system reports a ticket's new status: it reaches the user in the conversation
    (widget, in real time) and by email. The ticket is one of our FSDs (its external reference,
    or its number with the embedded desk), or one opened from a handoff (`handoff_id`)."""
    label = rules.STATUS_LABELS[body.status]
    try:
        fsd = await service.by_external_ref(db_session=db_session, ref=ticket_ref)
    except NotFoundError:
        if body.handoff_id is None:
            raise
        fsd = None
    if fsd is not None:
        await service.record_external_status(
            db_session=db_session, fsd=fsd, status=body.status, comment=body.comment
        )
        conversation_id = fsd.conversation_id
        text = (
            f"Votre fiche service desk n° {fsd.id} « {fsd.title} » est passée au statut "
            f"« {label} »."
        )
    else:
        assert body.handoff_id is not None
        handoff = await handoff_service.get_or_raise(
            db_session=db_session, handoff_id=body.handoff_id
        )
        conversation_id = handoff.conversation_id
        text = f"Votre demande (ticket {ticket_ref}) est passée au statut « {label} »."
    if body.comment:
        text += f" Commentaire du support : {body.comment}"
    if conversation_id is not None:
        await _tell_user(
            db_session=db_session, conversation_id=conversation_id, text=text, mail=fsd is None
        )
    await db_session.commit()
    live.wake_outbox()
    if conversation_id is not None:
        live.notifier.publish(conversation_topic(conversation_id))
    return TicketStatusRead(
        ticket=ticket_ref,
        status=body.status,
        status_label=label,
        fsd_number=fsd.id if fsd else None,
        conversation_id=conversation_id,
    )


async def _tell_user(
    *, db_session: AsyncSession, conversation_id: str, text: str, mail: bool
) -> None:
    """Say it in the conversation; also mail it to the profile's address when asked."""
    conversation = await conversations.get_or_raise(
        db_session=db_session, conversation_id=conversation_id
    )
    await conversations.add_bot_messages(
        db_session=db_session,
        conversation=conversation,
        utterances=[BotUtterance(text=text, buttons=[])],
    )
    email = str((conversation.profile or {}).get("email") or "")
    if mail and EMAIL.match(email):
        await outbox.enqueue(
            db_session=db_session,
            recipient=email,
            subject="Suivi de votre demande au support",
            body=f"Bonjour,\n\n{text}\n\n{AUTOMATIC}",
        )
