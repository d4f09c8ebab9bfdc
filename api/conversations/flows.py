"""The chat use case: store the user's message, forward it to Rasa, store and return the reply."""

from sqlalchemy.ext.asyncio import AsyncSession

from api.conversations import service
from api.conversations.models import DeliveryStatus
from api.conversations.schemas import BotMessageRead, ConversationReply, MessageCreate
from api.core.errors import UpstreamUnavailableError
from api.core.rasa import RasaClient


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
        utterances = await rasa.send(
            sender=conversation_id, message=sent, metadata=conversation.profile or None
        )
    except UpstreamUnavailableError as exc:
        stored.delivery = DeliveryStatus.FAILED
        await db_session.commit()
        exc.extra.update(conversation_id=conversation_id, message_id=stored.id)
        raise

    stored.delivery = DeliveryStatus.DELIVERED
    bot_messages = await service.add_bot_messages(
        db_session=db_session,
        conversation=conversation,
        utterances=[(u.text, [b.model_dump() for b in u.buttons]) for u in utterances],
    )
    await db_session.commit()
    return ConversationReply(
        conversation_id=conversation_id,
        status=conversation.status,
        messages=[BotMessageRead.model_validate(m) for m in bot_messages],
    )
