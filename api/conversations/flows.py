"""Conversation use cases that cross the database and Rasa: chat, feedback, ratings."""

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from api.conversations import service
from api.conversations.models import Conversation, DeliveryStatus, FeedbackRating, Message
from api.conversations.schemas import (
    BotMessageRead,
    ConversationReply,
    FeedbackCreate,
    FeedbackRead,
    MessageCreate,
)
from api.conversations.service import BotUtterance
from api.core.errors import UpstreamUnavailableError
from api.core.rasa import RasaClient, RasaUtterance

# Sent to Rasa after a thumbs down: the bot apologises and offers a human advisor.
NEGATIVE_FEEDBACK_PAYLOAD = "/negative_feedback"


def bot_utterances(utterances: Sequence[RasaUtterance]) -> list[BotUtterance]:
    """Turn Rasa's REST output into messages to store.

    Rasa sends an utterance's `custom` data (knowledge entry, rating request) as a separate item
    after its text: it is attached to the message it follows.
    """
    messages: list[BotUtterance] = []
    for item in utterances:
        custom = item.custom or {}
        if item.text is None and not item.buttons and messages:
            target = messages[-1]
        elif item.text is None and not item.buttons:
            continue
        else:
            target = BotUtterance(text=item.text, buttons=[b.model_dump() for b in item.buttons])
            messages.append(target)
        if isinstance(custom.get("entry_id"), str):
            target.entry_id = custom["entry_id"]
            version = custom.get("entry_version")
            target.entry_version = version if isinstance(version, int) else None
        if custom.get("ask_rating") is True:
            target.ask_rating = True
    return messages


async def _ask_bot(
    *, db_session: AsyncSession, rasa: RasaClient, conversation: Conversation, sent: str
) -> list[Message]:
    """Send a message to Rasa and store its answer (raises UpstreamUnavailableError)."""
    utterances = await rasa.send(
        sender=conversation.id, message=sent, metadata=conversation.profile or None
    )
    return await service.add_bot_messages(
        db_session=db_session, conversation=conversation, utterances=bot_utterances(utterances)
    )


async def handle_user_message(
    *, db_session: AsyncSession, rasa: RasaClient, conversation_id: str, message: MessageCreate
) -> ConversationReply:
    """Store the user's message, get the bot's answer, store it and return it."""
    conversation = await service.get_or_create(
        db_session=db_session, conversation_id=conversation_id, profile=message.metadata
    )
    stored = await service.add_user_message(
        db_session=db_session, conversation=conversation, text=message.text, payload=message.payload
    )
    await db_session.commit()  # the message is safe before anything can fail downstream

    sent = message.payload if message.payload is not None else message.text
    assert sent is not None
    try:
        bot_messages = await _ask_bot(
            db_session=db_session, rasa=rasa, conversation=conversation, sent=sent
        )
    except UpstreamUnavailableError as exc:
        stored.delivery = DeliveryStatus.FAILED
        await db_session.commit()
        exc.extra.update(conversation_id=conversation_id, message_id=stored.id)
        raise

    stored.delivery = DeliveryStatus.DELIVERED
    await db_session.commit()
    return ConversationReply(
        conversation_id=conversation_id,
        status=conversation.status,
        messages=[BotMessageRead.model_validate(m) for m in bot_messages],
    )


async def give_feedback(
    *, db_session: AsyncSession, rasa: RasaClient, conversation_id: str, body: FeedbackCreate
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
    if feedback.rating == FeedbackRating.DOWN:
        try:
            answer = await _ask_bot(
                db_session=db_session,
                rasa=rasa,
                conversation=conversation,
                sent=NEGATIVE_FEEDBACK_PAYLOAD,
            )
            await db_session.commit()
        except UpstreamUnavailableError:
            answer = []
    read = FeedbackRead.model_validate(feedback)
    read.messages = [BotMessageRead.model_validate(m) for m in answer]
    return read
