"""FSD use cases started by the bot in a conversation: open the form's FSD, tell a status."""

import re
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from api.auth.models import Role
from api.auth.service import PermissionDeniedError
from api.conversations import service as conversations
from api.conversations.models import Conversation, Message
from api.conversations.service import BotUtterance
from api.core.errors import NotFoundError, UpstreamUnavailableError, french_reason
from api.fsd import rules, service
from api.fsd.desk import FsdDesk
from api.fsd.models import FsdAttachment
from api.fsd.schemas import BotFsdRequest, ConversationFsdCreate
from knowledge_base.vocabulary import APPLICATIONS

DOMAIN = re.compile(r"^[a-z_]{2,50}$")
SUBCATEGORY_TOOL = "Support outil"
SUBCATEGORY_BUSINESS = "M - Question sur un dossier (facture, mémoire)"


def _say(text: str) -> BotUtterance:
    return BotUtterance(text=text, buttons=[])


def _fields(conversation: Conversation, request: BotFsdRequest) -> ConversationFsdCreate:
    """The FSD to open, from the form's answers, the conversation's declared application and
    its signed identity (name, email, ministry: never what the client merely declared)."""
    profile = conversation.profile or {}
    signed = conversations.verified(conversation)
    application = profile.get("application")
    email = signed.get("email") or request.email or ""
    return ConversationFsdCreate.model_validate(
        {
            "title": request.title,
            "description": request.description,
            "application": application if application in APPLICATIONS else "chorus",
            "domain": request.domain if request.domain and DOMAIN.match(request.domain) else None,
            "subcategory": SUBCATEGORY_BUSINESS if request.business else SUBCATEGORY_TOOL,
            "object_number": request.object_number,
            "severity": request.severity,
            "impact": request.impact,
            "users_blocked": request.users_blocked,
            "initiator": str(signed.get("name") or signed.get("sub") or email or "CCA"),
            "initiator_email": email,
            "ministry_code": signed.get("ministry_code"),
        }
    )


async def open_from_bot(
    *, db_session: AsyncSession, desk: FsdDesk, conversation: Conversation, request: BotFsdRequest
) -> list[Message]:
    """Open the FSD the user confirmed in the form and give its number back."""
    try:
        service.ensure_cca(conversations.verified(conversation).get("role"))
        fields = _fields(conversation, request)
    except PermissionDeniedError as exc:
        answer = _say(exc.message)
    except ValidationError as exc:
        errors: list[dict[str, Any]] = [dict(e) for e in exc.errors()]
        answer = _say(
            f"Je n'ai pas pu enregistrer la fiche : {french_reason(errors)} Vous pouvez "
            "recommencer en demandant « ouvrir une fiche »."
        )
    else:
        context = {
            "pasted_error": request.pasted_error,
            "entries_tried": await conversations.entries_shown(
                db_session=db_session, conversation_id=conversation.id
            ),
        }
        try:
            new = service.NewFsd(
                fields=fields,
                initiator=fields.initiator,
                initiator_email=fields.initiator_email,
                ministry_code=fields.ministry_code,
                conversation=conversation,
                context={k: v for k, v in context.items() if v},
            )
            fsd = await desk.open(db_session=db_session, new=new)
        except UpstreamUnavailableError as exc:
            return await conversations.add_bot_messages(
                db_session=db_session, conversation=conversation, utterances=[_say(exc.message)]
            )
        answer = BotUtterance(
            text=f"Votre fiche service desk n° {fsd.id} « {fsd.title} » est enregistrée au "
            f"statut « nouveau » (priorité {fsd.priority}). Joignez-y, si vous le pouvez, une "
            "capture d'écran du message d'erreur ou un fichier utile. Vous recevrez un courriel "
            "à chaque changement de statut ; vous pouvez aussi me demander « où en est ma "
            f"fiche {fsd.id} ? ».",
            buttons=[],
            fsd_number=fsd.id,
        )
    return await conversations.add_bot_messages(
        db_session=db_session, conversation=conversation, utterances=[answer]
    )


async def status_for_bot(
    *, db_session: AsyncSession, conversation: Conversation, number: int
) -> list[Message]:
    """Tell the status of an FSD of this conversation or of the user's ministry."""
    try:
        fsd = await service.visible_from_conversation(
            db_session=db_session, conversation=conversation, number=number
        )
    except NotFoundError as exc:
        answer = _say(
            f"{exc.message} Vérifiez le numéro ; seules les fiches de votre ministère sont "
            "consultables ici."
        )
    else:
        answer = _say(
            f"La fiche n° {fsd.id} « {fsd.title} » est au statut "
            f"« {rules.STATUS_LABELS[fsd.status]} »."
        )
    return await conversations.add_bot_messages(
        db_session=db_session, conversation=conversation, utterances=[answer]
    )


async def attach_from_conversation(
    *,
    db_session: AsyncSession,
    conversation_id: str,
    number: int,
    filename: str,
    data: bytes,
    max_bytes: int,
    max_count: int,
) -> FsdAttachment:
    """Join a screenshot or a file, sent from the widget, to the FSD the conversation opened."""
    fsd = await service.opened_in_conversation(
        db_session=db_session, conversation_id=conversation_id, number=number
    )
    return await service.add_attachment(
        db_session=db_session,
        fsd=fsd,
        kind=None,
        filename=filename,
        data=data,
        max_bytes=max_bytes,
        max_count=max_count,
        actor=fsd.initiator,
        role=Role.CCA,
    )


async def attachments_from_conversation(
    *, db_session: AsyncSession, conversation_id: str, number: int
) -> list[FsdAttachment]:
    """The files joined to the FSD the conversation opened (the widget shows them again)."""
    fsd = await service.opened_in_conversation(
        db_session=db_session, conversation_id=conversation_id, number=number
    )
    return list(fsd.attachments)
