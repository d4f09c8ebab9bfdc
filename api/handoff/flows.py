"""LiveChat use cases that cross the queue, the conversation, Rasa and the live connections.

Each flow commits before it tells Rasa or the connections, so nothing is announced that is not
stored.
"""

import logging
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from api.auth.models import User
from api.conversations import service as conversations
from api.conversations.bot import ask_bot
from api.conversations.models import Conversation, ConversationStatus, Message, Sender
from api.core.errors import UpstreamUnavailableError
from api.core.rasa import RasaClient
from api.core.realtime import QUEUE_TOPIC, Notifier, conversation_topic
from api.handoff import service, wording
from api.handoff.hours import OpeningHours
from api.handoff.models import Handoff, HandoffOutcome, HandoffStatus
from api.handoff.schemas import HandoffDetail, HandoffRequest
from knowledge_base.vocabulary import INTENT_HANDOFF_CLOSED, payload

logger = logging.getLogger("api.handoff")


async def _tell_rasa(rasa: RasaClient, conversation: Conversation, event: str) -> bool:
    """Pause or resume the conversation's tracker in Rasa; return whether Rasa recorded it."""
    try:
        await rasa.append_events(sender=conversation.id, events=[{"event": event}])
    except UpstreamUnavailableError as exc:
        logger.warning("could not %s conversation %s in Rasa: %s", event, conversation.id, exc)
        return False
    return True


async def request_handoff(
    *,
    db_session: AsyncSession,
    rasa: RasaClient,
    notifier: Notifier,
    hours: OpeningHours,
    now: datetime,
    conversation: Conversation,
    request: HandoffRequest,
) -> list[Message]:
    """Queue the conversation for an advisor, or say when advisors are back; commit."""
    availability = service.availability(hours=hours, now=now)
    if not availability.open and not request.leave_message:
        notice = wording.away(
            category=request.category,
            schedule=availability.schedule,
            back=availability.next_opening_text,
        )
        messages = await conversations.add_bot_messages(
            db_session=db_session, conversation=conversation, utterances=[notice]
        )
        await db_session.commit()
        return messages
    handoff = await service.create(
        db_session=db_session,
        conversation=conversation,
        category=request.category,
        context=request.context,
        offline=not availability.open,
    )
    place = await service.position(db_session=db_session, handoff=handoff) or 1
    notice = (
        wording.queued(category=handoff.category, position=place)
        if availability.open
        else wording.message_left(category=handoff.category, back=availability.next_opening_text)
    )
    messages = await conversations.add_bot_messages(
        db_session=db_session, conversation=conversation, utterances=[notice]
    )
    await db_session.commit()
    await _tell_rasa(rasa, conversation, "pause")
    notifier.publish(QUEUE_TOPIC, conversation_topic(conversation.id))
    return messages


async def resume_bot(
    *, db_session: AsyncSession, rasa: RasaClient, conversation: Conversation, sent: str | None
) -> list[Message] | None:
    """Give the conversation back to Rasa (and send it `sent`); None if Rasa did not answer."""
    if not await _tell_rasa(rasa, conversation, "resume"):
        return None
    conversation.bot_paused = False
    if sent is None:
        return []
    try:
        reply = await ask_bot(
            db_session=db_session, rasa=rasa, conversation=conversation, sent=sent
        )
    except UpstreamUnavailableError as exc:
        logger.warning("Rasa did not answer %s for %s: %s", sent, conversation.id, exc)
        return None
    return reply.messages


async def leave_queue(
    *,
    db_session: AsyncSession,
    rasa: RasaClient,
    notifier: Notifier,
    now: datetime,
    conversation: Conversation,
    handoff: Handoff,
) -> list[Message]:
    """The user leaves the queue or the chat: the bot takes the conversation back; commit."""
    with_advisor = handoff.status is HandoffStatus.ACTIVE
    await service.end(
        db_session=db_session, handoff=handoff, outcome=HandoffOutcome.CANCELLED, note=None, now=now
    )
    messages = await conversations.add_bot_messages(
        db_session=db_session,
        conversation=conversation,
        utterances=[wording.left_queue(with_advisor=with_advisor)],
    )
    await resume_bot(db_session=db_session, rasa=rasa, conversation=conversation, sent=None)
    await db_session.commit()
    notifier.publish(QUEUE_TOPIC, conversation_topic(conversation.id))
    return messages


async def forward_to_advisor(
    *,
    db_session: AsyncSession,
    rasa: RasaClient,
    notifier: Notifier,
    now: datetime,
    conversation: Conversation,
    message: Message,
) -> list[Message] | None:
    """Route a stored user message to the advisor's queue; None if no handoff is open any more.

    The "leave the queue" button ends the handoff instead (waiting, or with an advisor).
    """
    handoff = await service.open_for(db_session=db_session, conversation_id=conversation.id)
    if handoff is None:
        conversation.status = ConversationStatus.BOT
        return None
    if message.payload == wording.CANCEL_PAYLOAD:
        return await leave_queue(
            db_session=db_session,
            rasa=rasa,
            notifier=notifier,
            now=now,
            conversation=conversation,
            handoff=handoff,
        )
    await db_session.commit()
    notifier.publish(conversation_topic(conversation.id), QUEUE_TOPIC)
    return []


async def claim(
    *,
    db_session: AsyncSession,
    notifier: Notifier,
    now: datetime,
    handoff_id: int,
    advisor: User,
) -> HandoffDetail:
    """The advisor takes a waiting conversation; the user is told; commit."""
    handoff = await service.claim(
        db_session=db_session, handoff_id=handoff_id, advisor=advisor, now=now
    )
    conversation = await conversations.get_or_raise(
        db_session=db_session, conversation_id=handoff.conversation_id
    )
    await conversations.add_bot_messages(
        db_session=db_session, conversation=conversation, utterances=[wording.advisor_joined()]
    )
    await db_session.commit()
    notifier.publish(QUEUE_TOPIC, conversation_topic(conversation.id))
    return await service.detail(db_session=db_session, handoff=handoff, now=now)


async def send_as_advisor(
    *,
    db_session: AsyncSession,
    notifier: Notifier,
    handoff_id: int,
    advisor: User,
    text: str,
) -> Message:
    """Store the advisor's message, then deliver it to the user; commit."""
    handoff = await service.get_or_raise(db_session=db_session, handoff_id=handoff_id)
    service.ensure_owner(handoff=handoff, advisor=advisor)
    message = Message(
        conversation_id=handoff.conversation_id, sender=Sender.AGENT, text=text, buttons=[]
    )
    db_session.add(message)
    await db_session.commit()
    notifier.publish(conversation_topic(handoff.conversation_id))
    return message


async def close(
    *,
    db_session: AsyncSession,
    rasa: RasaClient,
    notifier: Notifier,
    now: datetime,
    handoff_id: int,
    advisor: User,
    outcome: HandoffOutcome,
    note: str,
) -> HandoffDetail:
    """The advisor ends the chat: the bot takes the conversation back and asks for a rating."""
    handoff = await service.get_or_raise(db_session=db_session, handoff_id=handoff_id)
    service.ensure_owner(handoff=handoff, advisor=advisor)
    conversation = await service.end(
        db_session=db_session, handoff=handoff, outcome=outcome, note=note, now=now
    )
    await db_session.commit()
    notifier.publish(QUEUE_TOPIC, conversation_topic(conversation.id))
    answer = await resume_bot(
        db_session=db_session,
        rasa=rasa,
        conversation=conversation,
        sent=payload(INTENT_HANDOFF_CLOSED),
    )
    if not answer:
        await conversations.add_bot_messages(
            db_session=db_session,
            conversation=conversation,
            utterances=[wording.chat_closed_fallback()],
        )
    await db_session.commit()
    notifier.publish(conversation_topic(conversation.id))
    return await service.detail(db_session=db_session, handoff=handoff, now=now)


async def end_conversation(
    *,
    db_session: AsyncSession,
    rasa: RasaClient,
    notifier: Notifier,
    now: datetime,
    conversation: Conversation,
) -> None:
    """The user ends the conversation: an open handoff is cancelled; commit."""
    handoff = await service.open_for(db_session=db_session, conversation_id=conversation.id)
    if handoff is not None:
        await service.end(
            db_session=db_session,
            handoff=handoff,
            outcome=HandoffOutcome.CANCELLED,
            note="Conversation terminée par l'usager.",
            now=now,
        )
        await resume_bot(db_session=db_session, rasa=rasa, conversation=conversation, sent=None)
    conversation.status = ConversationStatus.CLOSED
    await db_session.commit()
    notifier.publish(QUEUE_TOPIC, conversation_topic(conversation.id))
