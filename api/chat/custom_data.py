"""What the bot asks api/ to do, in the custom data of its reply: hand off, open an FSD, tell an
FSD's status, put a message in the review queue. The action server never writes to api/ itself."""

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from api.chat.schemas import ReviewRequest
from api.fsd.schemas import BotFsdRequest
from api.handoff.schemas import HandoffRequest

logger = logging.getLogger("api.chat")
Request = TypeVar("Request", bound=BaseModel)


@dataclass
class BotRequests:
    """The requests found in one reply of the bot."""

    handoff: HandoffRequest | None = None
    fsd: BotFsdRequest | None = None
    fsd_status: int | None = None
    reviews: list[ReviewRequest] = field(default_factory=list)


def _parsed(model: type[Request], data: Any, key: str) -> Request | None:
    """The request under `key`, or None (a malformed one is logged, never silently dropped)."""
    if not isinstance(data, dict):
        return None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        logger.error("malformed %r request in the bot's custom data: %s", key, exc)
        return None


def bot_requests(custom: Sequence[dict[str, Any]]) -> BotRequests:
    """The requests in the bot's custom data."""
    found = BotRequests()
    for item in custom:
        found.handoff = _parsed(HandoffRequest, item.get("handoff"), "handoff") or found.handoff
        found.fsd = _parsed(BotFsdRequest, item.get("fsd"), "fsd") or found.fsd
        if review := _parsed(ReviewRequest, item.get("review"), "review"):
            found.reviews.append(review)
        number = item.get("fsd_status")
        if isinstance(number, int) and not isinstance(number, bool) and 0 < number < 2**31:
            found.fsd_status = number
    return found
