"""Talking to Rasa on behalf of a conversation, and reading its answer."""

from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from api.conversations import service
from api.conversations.models import Conversation, Message
from api.conversations.service import BotUtterance
from api.core.rasa import RasaClient, RasaUtterance
from api.fsd.schemas import BotFsdRequest
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


@dataclass
class BotRequests:
    """What the bot asks api/ to do, in its custom data: hand off, open an FSD, tell a status."""

    handoff: HandoffRequest | None = None
    fsd: BotFsdRequest | None = None
    fsd_status: int | None = None


def bot_requests(utterances: Sequence[RasaUtterance]) -> BotRequests:
    """The requests in the bot's custom data (malformed ones are ignored)."""
    found = BotRequests()
    for item in utterances:
        custom = item.custom or {}
        try:
            if isinstance(custom.get("handoff"), dict):
                found.handoff = HandoffRequest.model_validate(custom["handoff"])
            if isinstance(custom.get("fsd"), dict):
                found.fsd = BotFsdRequest.model_validate(custom["fsd"])
        except ValidationError:
            continue
        number = custom.get("fsd_status")
        if isinstance(number, int) and not isinstance(number, bool) and number > 0:
            found.fsd_status = number
    return found


async def ask_bot(
    *, db_session: AsyncSession, rasa: RasaClient, conversation: Conversation, sent: str
) -> tuple[list[Message], BotRequests]:
    """Send a message to Rasa, store its answer, return it and what it asks api/ to do.

    Raises UpstreamUnavailableError when Rasa does not answer.
    """
    utterances = await rasa.send(
        sender=conversation.id, message=sent, metadata=conversation.profile or None
    )
    stored = await service.add_bot_messages(
        db_session=db_session, conversation=conversation, utterances=bot_utterances(utterances)
    )
    return stored, bot_requests(utterances)
