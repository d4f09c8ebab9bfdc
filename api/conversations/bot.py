"""Talking to Rasa on behalf of a conversation: send a message, store the bot's answer."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from api.conversations import service
from api.conversations.models import Conversation, Message
from api.conversations.service import BotUtterance
from api.core.rasa import RasaClient, RasaUtterance


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


@dataclass
class BotReply:
    """The bot's stored messages, and the custom data of its reply (requests to api/)."""

    messages: list[Message]
    custom: list[dict[str, Any]]


async def ask_bot(
    *, db_session: AsyncSession, rasa: RasaClient, conversation: Conversation, sent: str
) -> BotReply:
    """Send a message to Rasa and store its answer (flushed, not committed).

    Raises UpstreamUnavailableError when Rasa does not answer.
    """
    utterances = await rasa.send(
        sender=conversation.id, message=sent, metadata=service.bot_profile(conversation)
    )
    stored = await service.add_bot_messages(
        db_session=db_session, conversation=conversation, utterances=bot_utterances(utterances)
    )
    return BotReply(messages=stored, custom=[u.custom for u in utterances if u.custom])
