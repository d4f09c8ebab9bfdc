"""Talking to Rasa on behalf of a conversation, and reading its answer."""

from collections.abc import Sequence

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from api.conversations import service
from api.conversations.models import Conversation, Message
from api.conversations.service import BotUtterance
from api.core.rasa import RasaClient, RasaUtterance
from api.handoff.schemas import HandoffRequest


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


def handoff_request(utterances: Sequence[RasaUtterance]) -> HandoffRequest | None:
    """The handoff the bot asked for in its custom data, if any (the last valid one)."""
    found = None
    for item in utterances:
        data = (item.custom or {}).get("handoff")
        if isinstance(data, dict):
            try:
                found = HandoffRequest.model_validate(data)
            except ValidationError:
                continue
    return found


async def ask_bot(
    *, db_session: AsyncSession, rasa: RasaClient, conversation: Conversation, sent: str
) -> tuple[list[Message], HandoffRequest | None]:
    """Send a message to Rasa, store its answer, return it and any handoff it asks for.

    Raises UpstreamUnavailableError when Rasa does not answer.
    """
    utterances = await rasa.send(
        sender=conversation.id, message=sent, metadata=conversation.profile or None
    )
    stored = await service.add_bot_messages(
        db_session=db_session, conversation=conversation, utterances=bot_utterances(utterances)
    )
    return stored, handoff_request(utterances)
