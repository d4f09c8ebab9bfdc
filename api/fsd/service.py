"""FSDs: creation, status changes, attachments, history and notifications."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import undefer

from api.auth.models import Role
from api.auth.service import PermissionDeniedError
from api.conversations import service as conversations
from api.conversations.models import Conversation, Message
from api.core.errors import AppError, ConflictError, NotFoundError
from api.fsd import rules
from api.fsd.models import AttachmentKind, Fsd, FsdAttachment, FsdEvent, FsdStatus
from api.fsd.schemas import FsdFields, FsdRead
from api.notifications import service as outbox

ONLY_CCA = (
    "Seul un correspondant Chorus applicatif (CCA) peut ouvrir une fiche service desk : "
    "adressez-vous à votre CCA."
)

# Files accepted, recognised by their first bytes (the declared type is not trusted).
IMAGE_SIGNATURES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}
PDF_SIGNATURE = b"%PDF-"
ZIP_SIGNATURE = b"PK\x03\x04"  # xlsx, ods
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0"  # xls


class AttachmentRefusedError(AppError):
    """The file is not accepted (type, size, number)."""

    status_code = 422


class AttachmentTooLargeError(AppError):
    """The file is larger than the limit."""

    status_code = 413


def ensure_cca(role: str | None) -> None:
    """Raise PermissionDeniedError unless the role is CCA."""
    if (role or "").strip().lower() != Role.CCA.value:
        raise PermissionDeniedError("only a CCA may open an FSD", ONLY_CCA)


def _transcript(messages: Sequence[Message]) -> list[dict[str, Any]]:
    return [
        {"sender": m.sender.value, "text": m.text, "at": m.created_at.isoformat()}
        for m in messages
        if m.text
    ]


@dataclass(frozen=True)
class NewFsd:
    """An FSD to open: what describes it, who opens it, and the conversation it comes from."""

    fields: FsdFields
    initiator: str
    initiator_email: str
    ministry_code: str | None
    conversation: Conversation | None = None
    context: dict[str, Any] = field(default_factory=dict)


async def create(*, db_session: AsyncSession, new: NewFsd) -> Fsd:
    """Open an FSD (status nouveau), record it in the history and notify the initiator."""
    transcript: list[dict[str, Any]] = []
    if new.conversation is not None:
        messages = await conversations.transcript(
            db_session=db_session, conversation_id=new.conversation.id
        )
        transcript = _transcript(messages)
    fields = new.fields
    fsd = Fsd(
        **fields.model_dump(include=set(FsdFields.model_fields)),
        category=rules.routed_to(fields.subcategory),
        priority=rules.priority(
            severity=fields.severity, impact=fields.impact, users_blocked=fields.users_blocked
        ),
        status=FsdStatus.NOUVEAU,
        initiator=new.initiator,
        initiator_email=new.initiator_email,
        ministry_code=new.ministry_code,
        conversation_id=new.conversation.id if new.conversation else None,
        transcript=transcript,
        context=new.context,
        attachments=[],
        history=[],
    )
    db_session.add(fsd)
    await db_session.flush()
    fsd.history.append(
        FsdEvent(actor=new.initiator, actor_role=Role.CCA.value, to_status=FsdStatus.NOUVEAU.value)
    )
    await _notify(db_session=db_session, fsd=fsd, comment=None)
    return fsd


async def get_or_raise(*, db_session: AsyncSession, number: int) -> Fsd:
    """Return the FSD, or raise NotFoundError."""
    fsd = await db_session.get(Fsd, number)
    if fsd is None:
        raise NotFoundError(f"FSD {number} does not exist", f"La fiche n° {number} n'existe pas.")
    return fsd


def missing(fsd: Fsd) -> list[str]:
    """What the seeds' rules still require of the FSD (in French)."""
    kinds = {a.kind for a in fsd.attachments}
    return rules.piece_errors(
        intervention=fsd.intervention,
        pieces_count=fsd.pieces_count,
        has_list=AttachmentKind.PIECES_LIST in kinds,
        has_certificate=AttachmentKind.CERTIFICATE in kinds,
    )


def read(fsd: Fsd) -> FsdRead:
    """The FSD as the API shows it."""
    result = FsdRead.model_validate(fsd)
    result.status_label = rules.STATUS_LABELS[fsd.status]
    result.missing = missing(fsd)
    return result


def ensure_visible(*, fsd: Fsd, username: str, role: Role) -> None:
    """A CCA sees the FSDs they opened; SN1 and SN2 see them all."""
    if role in (Role.SN1, Role.SN2) or (role is Role.CCA and fsd.initiator == username):
        return
    raise NotFoundError(
        f"FSD {fsd.id} is not visible to {username}", f"La fiche n° {fsd.id} n'existe pas."
    )


async def change_status(
    *,
    db_session: AsyncSession,
    fsd: Fsd,
    target: FsdStatus,
    actor: str,
    role: Role,
    comment: str | None,
) -> Fsd:
    """Move the FSD along its lifecycle, or raise ConflictError with the reason."""
    reason = rules.refusal(source=fsd.status, target=target, role=role)
    taking = fsd.status is FsdStatus.NOUVEAU and target is FsdStatus.EN_COURS
    if reason is None and taking and (gaps := missing(fsd)):
        reason = "La fiche n'est pas complète : " + " ".join(gaps)
    if reason is not None:
        raise ConflictError(
            f"{role.value} may not move FSD {fsd.id} from {fsd.status.value} to {target.value}",
            reason,
        )
    return await _move(
        db_session=db_session, fsd=fsd, target=target, actor=actor, role=role.value, comment=comment
    )


async def _move(
    *,
    db_session: AsyncSession,
    fsd: Fsd,
    target: FsdStatus,
    actor: str,
    role: str,
    comment: str | None,
) -> Fsd:
    """Change the status, keep it in the history, mail the initiator."""
    fsd.history.append(
        FsdEvent(
            actor=actor,
            actor_role=role,
            from_status=fsd.status.value,
            to_status=target.value,
            comment=comment or None,
        )
    )
    fsd.status = target
    await db_session.flush()
    await _notify(db_session=db_session, fsd=fsd, comment=comment)
    return fsd


async def _notify(*, db_session: AsyncSession, fsd: Fsd, comment: str | None) -> None:
    """Put the initiator's email about the FSD's current status in the outbox."""
    label = rules.STATUS_LABELS[fsd.status]
    lines = [
        "Bonjour,",
        "",
        f"La fiche service desk n° {fsd.id} « {fsd.title} » est au statut « {label} ».",
    ]
    if comment:
        lines += ["", f"Commentaire : {comment}"]
    lines += ["", "Ce message est envoyé automatiquement par l'assistant Chorus."]
    await outbox.enqueue(
        db_session=db_session,
        recipient=fsd.initiator_email,
        subject=f"Fiche service desk n° {fsd.id} : {label}",
        body="\n".join(lines),
    )


def file_type(*, filename: str, data: bytes) -> str:
    """The file's real type from its first bytes, or raise AttachmentRefusedError."""
    for signature, content_type in IMAGE_SIGNATURES.items():
        if data.startswith(signature):
            return content_type
    if data.startswith(PDF_SIGNATURE):
        return "application/pdf"
    lower = filename.lower()
    if data.startswith(ZIP_SIGNATURE) and lower.endswith((".xlsx", ".ods")):
        return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    if data.startswith(OLE_SIGNATURE) and lower.endswith(".xls"):
        return "application/vnd.ms-excel"
    if lower.endswith(".csv") and b"\x00" not in data:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            return "text/csv"
    raise AttachmentRefusedError(
        f"unsupported file type for {filename!r}",
        "Ce type de fichier n'est pas accepté : joignez une image (PNG, JPEG), un PDF ou un "
        "tableur (XLSX, XLS, ODS, CSV).",
    )


KIND_TYPES: dict[AttachmentKind, tuple[str, ...]] = {
    AttachmentKind.SCREENSHOT: ("image/",),
    AttachmentKind.PIECES_LIST: ("application/vnd", "text/csv"),
    AttachmentKind.CERTIFICATE: ("application/pdf", "image/"),
    AttachmentKind.FILE: ("image/", "application/", "text/csv"),
}
KIND_LABELS = {
    AttachmentKind.SCREENSHOT: "une capture d'écran doit être une image (PNG, JPEG)",
    AttachmentKind.PIECES_LIST: "la liste des pièces doit être un tableur (XLSX, XLS, ODS, CSV)",
    AttachmentKind.CERTIFICATE: "le certificat administratif doit être un PDF ou une image",
    AttachmentKind.FILE: "fichier refusé",
}


def _size_text(size: int) -> str:
    """A size as the French read it: "64 Ko", "5 Mo", "2,5 Mo"."""
    if size < 1024 * 1024:
        return f"{size // 1024} Ko"
    return f"{size / (1024 * 1024):.1f}".rstrip("0").rstrip(".").replace(".", ",") + " Mo"


async def add_attachment(
    *,
    db_session: AsyncSession,
    fsd: Fsd,
    kind: AttachmentKind | None,
    filename: str,
    data: bytes,
    max_bytes: int,
    max_count: int,
    actor: str,
    role: Role,
) -> FsdAttachment:
    """Join a file to an open FSD after checking its size, real type and kind (None: a
    screenshot when it is an image, else a file); the same file sent again is joined once."""
    if fsd.status is FsdStatus.CLOS:
        raise ConflictError(f"FSD {fsd.id} is closed", "Cette fiche est close.")
    if joined := await _same_file(db_session=db_session, fsd=fsd, data=data):
        return joined
    if len(data) > max_bytes:
        raise AttachmentTooLargeError(
            f"file is {len(data)} bytes; the limit is {max_bytes}",
            f"Le fichier dépasse la taille maximale ({_size_text(max_bytes)}).",
        )
    if not data:
        raise AttachmentRefusedError("empty file", "Le fichier est vide.")
    if len(fsd.attachments) >= max_count:
        raise AttachmentRefusedError(
            f"FSD {fsd.id} already has {max_count} attachments",
            f"Une fiche ne peut pas avoir plus de {max_count} pièces jointes.",
        )
    content_type = file_type(filename=filename, data=data)
    if kind is None:
        image = content_type.startswith("image/")
        kind = AttachmentKind.SCREENSHOT if image else AttachmentKind.FILE
    if not content_type.startswith(KIND_TYPES[kind]):
        raise AttachmentRefusedError(
            f"{content_type} is not accepted as {kind.value}", KIND_LABELS[kind].capitalize() + "."
        )
    attachment = FsdAttachment(
        kind=kind, filename=filename[-255:], content_type=content_type, size=len(data), data=data
    )
    fsd.attachments.append(attachment)
    fsd.history.append(
        FsdEvent(actor=actor, actor_role=role.value, comment=f"Pièce jointe : {filename[-255:]}")
    )
    await db_session.flush()
    return attachment


async def _same_file(*, db_session: AsyncSession, fsd: Fsd, data: bytes) -> FsdAttachment | None:
    """The attachment of the FSD with exactly these bytes, if any (a retried upload)."""
    if not data or fsd.id is None:
        return None
    found = await db_session.scalars(
        select(FsdAttachment)
        .where(FsdAttachment.fsd_id == fsd.id, FsdAttachment.size == len(data))
        .options(undefer(FsdAttachment.data))
    )
    return next((attachment for attachment in found if attachment.data == data), None)


async def opened_in_conversation(
    *, db_session: AsyncSession, conversation_id: str, number: int
) -> Fsd:
    """The FSD opened in this conversation, else NotFoundError."""
    fsd = await db_session.get(Fsd, number)
    if fsd is None or fsd.conversation_id != conversation_id:
        raise NotFoundError(
            f"FSD {number} was not opened in conversation {conversation_id!r}",
            f"La fiche n° {number} n'a pas été ouverte dans cette conversation.",
        )
    return fsd


async def attachment_or_raise(
    *, db_session: AsyncSession, fsd: Fsd, attachment_id: int
) -> FsdAttachment:
    """Return an attachment of the FSD, or raise NotFoundError."""
    attachment = await db_session.scalar(
        select(FsdAttachment)
        .where(FsdAttachment.id == attachment_id, FsdAttachment.fsd_id == fsd.id)
        .options(undefer(FsdAttachment.data))
    )
    if attachment is None:
        raise NotFoundError(
            f"attachment {attachment_id} of FSD {fsd.id} does not exist",
            "Cette pièce jointe n'existe pas.",
        )
    return attachment


async def list_for(*, db_session: AsyncSession, username: str, role: Role) -> list[Fsd]:
    """The FSDs a staff member sees, newest first: those `ensure_visible` lets them read."""
    query = select(Fsd).order_by(Fsd.id.desc()).limit(200)
    if role is Role.CCA:
        query = query.where(Fsd.initiator == username)
    elif role not in (Role.SN1, Role.SN2):  # advisors and admins have no view of the desk
        return []
    return list(await db_session.scalars(query))


async def visible_from_conversation(
    *, db_session: AsyncSession, conversation: Conversation, number: int
) -> Fsd:
    """An FSD opened in this conversation or by the user's signed ministry, else NotFoundError."""
    fsd = await db_session.get(Fsd, number)
    ministry = (conversation.identity or {}).get("ministry_code")
    if fsd is None or (
        fsd.conversation_id != conversation.id and (not ministry or fsd.ministry_code != ministry)
    ):
        raise NotFoundError(
            f"FSD {number} is not visible from conversation {conversation.id!r}",
            f"La fiche n° {number} n'existe pas.",
        )
    return fsd


async def by_external_ref(*, db_session: AsyncSession, ref: str) -> Fsd:
    """The FSD the external desk knows by this reference (or, embedded, its number)."""
    fsd = await db_session.scalar(select(Fsd).where(Fsd.external_ref == ref))
    if fsd is None and ref.isdigit() and len(ref) < 10:
        fsd = await db_session.get(Fsd, int(ref))
    if fsd is None:
        raise NotFoundError(f"no FSD for ticket {ref!r}", "Ce ticket est inconnu.")
    return fsd


async def record_external_status(
    *, db_session: AsyncSession, fsd: Fsd, status: FsdStatus, comment: str | None
) -> Fsd:
    """Mirror a status the external desk decided (it owns the lifecycle); notify the initiator."""
    return await _move(
        db_session=db_session,
        fsd=fsd,
        target=status,
        actor="service desk",
        role="fsd_system",
        comment=comment,
    )
