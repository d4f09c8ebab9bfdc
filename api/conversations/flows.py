"""Conversation use cases that cross the database, Rasa and the LiveChat: chat, feedback."""

from sqlalchemy.ext.asyncio import AsyncSession

from api.conversations import service
from api.conversations.bot import ask_bot
from api.conversations.models import (
    Conversation,
    ConversationStatus,
    DeliveryStatus,
    FeedbackRating,
    Message,
)
from api.conversations.schemas import (
    BotMessageRead,
    ConversationReply,
    FeedbackCreate,
    FeedbackRead,
    MessageCreate,
)
from api.core.errors import UpstreamUnavailableError
from api.core.rasa import UNAVAILABLE_MESSAGE as UNAVAILABLE
from api.fsd import flows as fsd_flows
from api.handoff import flows as handoff_flows
from api.handoff import service as handoff_service
from api.handoff.flows import LiveChat

# Sent to Rasa after a thumbs down: the bot apologises and offers a human advisor.
NEGATIVE_FEEDBACK_PAYLOAD = "/negative_feedback"


async def _reply(
    *, db_session: AsyncSession, conversation: Conversation, messages: list[Message]
) -> ConversationReply:
    # Only a conversation waiting for or with an advisor has an open handoff: no query otherwise.
    handed_off = conversation.status in (ConversationStatus.WAITING_AGENT, ConversationStatus.AGENT)
    return ConversationReply(
        conversation_id=conversation.id,
        status=conversation.status,
        messages=[BotMessageRead.model_validate(m) for m in messages],
        handoff=await handoff_service.state(db_session=db_session, conversation_id=conversation.id)
        if handed_off
        else None,
    )


async def _to_bot(
    *, db_session: AsyncSession, live: LiveChat, conversation: Conversation, stored: Message
) -> list[Message]:
    """Forward a stored user message to Rasa, store its answer; a handoff it asks for starts."""
    # An advisor's chat ended while Rasa was unreachable: resume its tracker first.
    resumed = not conversation.bot_paused or (
        await handoff_flows.resume_bot(
            db_session=db_session, live=live, conversation=conversation, sent=None
        )
        is not None
    )
    if not resumed:
        raise UpstreamUnavailableError("Rasa did not resume the conversation", UNAVAILABLE)
    sent = stored.payload if stored.payload is not None else stored.text
    assert sent is not None
    messages, requests = await ask_bot(
        db_session=db_session, rasa=live.rasa, conversation=conversation, sent=sent
    )
    stored.delivery = DeliveryStatus.DELIVERED
    if requests.fsd is not None:
        messages += await fsd_flows.open_from_bot(
            db_session=db_session, desk=live.desk, conversation=conversation, request=requests.fsd
        )
        await db_session.commit()
        live.wake_outbox()
    if requests.fsd_status is not None:
        messages += await fsd_flows.status_for_bot(
            db_session=db_session, conversation=conversation, number=requests.fsd_status
        )
    if requests.handoff is not None:
        messages += await handoff_flows.request_handoff(
            db_session=db_session, live=live, conversation=conversation, request=requests.handoff
        )
    return messages


async def handle_user_message(
    *, db_session: AsyncSession, live: LiveChat, conversation_id: str, message: MessageCreate
) -> ConversationReply:
    """Store the user's message, then route it: to Rasa, or to the advisor who has it."""
    conversation = await service.get_or_create(
        db_session=db_session, conversation_id=conversation_id, profile=message.metadata
    )
    stored = await service.add_user_message(
        db_session=db_session, conversation=conversation, text=message.text, payload=message.payload
    )
    if conversation.status is ConversationStatus.CLOSED:
        conversation.status = ConversationStatus.BOT  # a new message reopens it
    await db_session.commit()  # the message is safe before anything can fail downstream

    if conversation.status in (ConversationStatus.WAITING_AGENT, ConversationStatus.AGENT):
        routed = await handoff_flows.forward_to_advisor(
            db_session=db_session, live=live, conversation=conversation, message=stored
        )
        if routed is not None:
            return await _reply(db_session=db_session, conversation=conversation, messages=routed)
    try:
        messages = await _to_bot(
            db_session=db_session, live=live, conversation=conversation, stored=stored
        )
    except UpstreamUnavailableError as exc:
        stored.delivery = DeliveryStatus.FAILED
        await db_session.commit()
        exc.extra.update(conversation_id=conversation_id, message_id=stored.id)
        raise
    await db_session.commit()
    return await _reply(db_session=db_session, conversation=conversation, messages=messages)


async def give_feedback(
    *, db_session: AsyncSession, live: LiveChat, conversation_id: str, body: FeedbackCreate
) -> FeedbackRead:
    """Store a thumbs up / down; after a thumbs down, the bot offers a human advisor."""
    conversation = await service.get_or_raise(
        db_session=db_session, conversation_id=conversation_id
    )
    message = await service.rateable_message(
        db_session=db_session, conversation_id=conversation_id, message_id=body.message_id
    )
    feedback = await service.record_feedback(
        db_session=db_session,
        message=message,
        rating=FeedbackRating(body.rating),
        comment=body.comment,
        ministry_code=body.ministry_code,
    )
    await db_session.commit()  # the feedback is kept even if Rasa does not answer

    answer: list[Message] = []
    if feedback.rating == FeedbackRating.DOWN and conversation.status is ConversationStatus.BOT:
        try:
            answer, _ = await ask_bot(
                db_session=db_session,
                rasa=live.rasa,
                conversation=conversation,
                sent=NEGATIVE_FEEDBACK_PAYLOAD,
            )
            await db_session.commit()
        except UpstreamUnavailableError:
            answer = []
    read = FeedbackRead.model_validate(feedback)
    read.messages = [BotMessageRead.model_validate(m) for m in answer]
    return read
