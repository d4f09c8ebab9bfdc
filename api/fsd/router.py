"""FSD endpoints: the desk for CCA, SN1 and SN2, and the conversation's FSD form."""

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response
from sqlalchemy import select

from api.conversations import service as conversations
from api.core.errors import NotFoundError
from api.deps import ConversationIdPath, CurrentUser, IdPath, SessionDep, SettingsDep
from api.fsd import rules, service
from api.fsd.models import AttachmentKind, FsdAttachment
from api.fsd.schemas import (
    AttachmentRead,
    ConversationFsdCreate,
    FsdCreate,
    FsdRead,
    FsdStatusRead,
    StatusChange,
)

router = APIRouter(prefix="/api/v1/fsd", tags=["fsd"])
conversation_router = APIRouter(tags=["fsd"])

ERRORS: dict[int | str, dict[str, str]] = {
    401: {"description": "Missing, wrong or expired token."},
    403: {"description": "Only a CCA opens an FSD."},
    404: {"description": "No such FSD (or not one of the CCA's)."},
}


def _wake_outbox(request: Request) -> None:
    request.app.state.outbox.wake()


@router.post("", response_model=FsdRead, status_code=201, responses=ERRORS)
async def create_fsd(
    body: FsdCreate, user: CurrentUser, db_session: SessionDep, request: Request
) -> FsdRead:
    """Open an FSD (CCA only): status nouveau, the initiator is told by email."""
    service.ensure_cca(user.role.value)
    fsd = await service.create(
        db_session=db_session,
        fields=body,
        initiator=user.username,
        initiator_email=body.initiator_email,
        ministry_code=body.ministry_code,
    )
    await db_session.commit()
    _wake_outbox(request)
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
    number: IdPath, body: StatusChange, user: CurrentUser, db_session: SessionDep, request: Request
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
    _wake_outbox(request)
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
    request: Request,
) -> FsdRead:
    """Open an FSD from a conversation (the bot's form); the profile's role must be CCA."""
    conversation = await conversations.get_or_raise(
        db_session=db_session, conversation_id=conversation_id
    )
    service.ensure_cca((conversation.profile or {}).get("role"))
    fsd = await service.create(
        db_session=db_session,
        fields=body,
        initiator=body.initiator,
        initiator_email=body.initiator_email,
        ministry_code=body.ministry_code or (conversation.profile or {}).get("ministry_code"),
        conversation=conversation,
    )
    await db_session.commit()
    _wake_outbox(request)
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
