"""The FSD desk's endpoints (CCA, SN1, SN2)."""

from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import Response

from api.auth.deps import CurrentUser
from api.core.deps import IdPath, SessionDep, SettingsDep, WakeOutboxDep
from api.fsd import service
from api.fsd.deps import DeskDep, VisibleFsd
from api.fsd.models import AttachmentKind
from api.fsd.schemas import AttachmentRead, FsdCreate, FsdRead, StatusChange

router = APIRouter(prefix="/fsd", tags=["fsd"])

ERRORS: dict[int | str, dict[str, str]] = {
    401: {"description": "Missing, wrong or expired token."},
    403: {"description": "Only a CCA opens an FSD."},
    404: {"description": "No such FSD (or not one of the CCA's)."},
}


@router.post("", response_model=FsdRead, status_code=201, responses=ERRORS)
async def create_fsd(
    body: FsdCreate,
    user: CurrentUser,
    db_session: SessionDep,
    desk: DeskDep,
    wake_outbox: WakeOutboxDep,
) -> FsdRead:
    """Open an FSD (CCA only): status nouveau, the initiator is told by email."""
    service.ensure_cca(user.role.value)
    new = service.NewFsd(
        fields=body,
        initiator=user.username,
        initiator_email=body.initiator_email,
        ministry_code=body.ministry_code,
    )
    fsd = await desk.open(db_session=db_session, new=new)
    await db_session.commit()
    wake_outbox()
    return service.read(fsd)


@router.get("", response_model=list[FsdRead], responses=ERRORS)
async def list_fsd(user: CurrentUser, db_session: SessionDep) -> list[FsdRead]:
    """The FSDs the user sees (a CCA: their own; SN1 and SN2: all), newest first."""
    found = await service.list_for(db_session=db_session, username=user.username, role=user.role)
    return [service.read(fsd) for fsd in found]


@router.get("/{number}", response_model=FsdRead, responses=ERRORS)
async def get_fsd(fsd: VisibleFsd) -> FsdRead:
    """One FSD with its attachments, history and transcript."""
    return service.read(fsd)


@router.post(
    "/{number}/status",
    response_model=FsdRead,
    responses={**ERRORS, 409: {"description": "Transition not allowed: `message` says why."}},
)
async def change_status(
    fsd: VisibleFsd,
    body: StatusChange,
    user: CurrentUser,
    db_session: SessionDep,
    wake_outbox: WakeOutboxDep,
) -> FsdRead:
    """Move the FSD along its lifecycle; the initiator is told by email."""
    await service.change_status(
        db_session=db_session,
        fsd=fsd,
        target=body.status,
        actor=user.username,
        role=user.role,
        comment=body.comment,
    )
    await db_session.commit()
    wake_outbox()
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
    fsd: VisibleFsd,
    kind: Annotated[AttachmentKind, Form()],
    file: Annotated[UploadFile, File(description="PNG, JPEG, PDF, XLSX, XLS, ODS or CSV")],
    user: CurrentUser,
    db_session: SessionDep,
    settings: SettingsDep,
) -> AttachmentRead:
    """Join a screenshot, a file, the pieces list or the administrative certificate."""
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
    fsd: VisibleFsd, attachment_id: IdPath, db_session: SessionDep
) -> Response:
    """Download an attachment."""
    attachment = await service.attachment_or_raise(
        db_session=db_session, fsd=fsd, attachment_id=attachment_id
    )
    return Response(
        content=attachment.data,
        media_type=attachment.content_type,
        headers={"Content-Disposition": f'attachment; filename="piece-{attachment_id}"'},
    )
