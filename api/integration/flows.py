"""What the FSD system's status changes do: reach the user in the conversation and by email."""

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from api.conversations import service as conversations
from api.conversations.service import BotUtterance
from api.core.errors import NotFoundError
from api.core.text import is_email
from api.fsd import rules
from api.fsd import service as fsd_service
from api.fsd.models import FsdStatus
from api.handoff import service as handoff_service
from api.notifications import service as outbox

AUTOMATIC = "Ce message est envoyé automatiquement par l'assistant Chorus."


@dataclass(frozen=True)
class TicketUpdate:
    """Whom a ticket's status change reached."""

    fsd_number: int | None
    conversation_id: str | None


async def ticket_status_changed(
    *,
    db_session: AsyncSession,
    ticket_ref: str,
    status: FsdStatus,
    comment: str | None,
    handoff_id: int | None,
) -> TicketUpdate:
    """Record a ticket's new status and tell its user (not committed).

    The ticket is one of our FSDs (its external reference, or its number with the embedded desk)
    or one the FSD system opened from a handoff (`handoff_id`).
    """
    label = rules.STATUS_LABELS[status]
    try:
        fsd = await fsd_service.by_external_ref(db_session=db_session, ref=ticket_ref)
    except NotFoundError:
        if handoff_id is None:
            raise
        fsd = None
    if fsd is not None:
        await fsd_service.record_external_status(
            db_session=db_session, fsd=fsd, status=status, comment=comment
        )
        conversation_id = fsd.conversation_id
        text = (
            f"Votre fiche service desk n° {fsd.id} « {fsd.title} » est passée au statut "
            f"« {label} »."
        )
    else:
        assert handoff_id is not None
        handoff = await handoff_service.get_or_raise(db_session=db_session, handoff_id=handoff_id)
        conversation_id = handoff.conversation_id
        text = f"Votre demande (ticket {ticket_ref}) est passée au statut « {label} »."
    if comment:
        text += f" Commentaire du support : {comment}"
    if conversation_id is not None:
        # The FSD's initiator already gets the desk's own mail; a handoff's user gets this one.
        await _tell_user(
            db_session=db_session, conversation_id=conversation_id, text=text, mail=fsd is None
        )
    return TicketUpdate(fsd_number=fsd.id if fsd else None, conversation_id=conversation_id)


async def _tell_user(
    *, db_session: AsyncSession, conversation_id: str, text: str, mail: bool
) -> None:
    """Say it in the conversation; also mail it, when asked, to the address the portal signed
    (never one the client merely declared)."""
    conversation = await conversations.get_or_raise(
        db_session=db_session, conversation_id=conversation_id
    )
    await conversations.add_bot_messages(
        db_session=db_session,
        conversation=conversation,
        utterances=[BotUtterance(text=text, buttons=[])],
    )
    email = str(conversations.verified(conversation).get("email") or "")
    if mail and is_email(email):
        await outbox.enqueue(
            db_session=db_session,
            recipient=email,
            subject="Suivi de votre demande au support",
            body=f"Bonjour,\n\n{text}\n\n{AUTOMATIC}",
        )
