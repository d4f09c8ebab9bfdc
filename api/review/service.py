"""The review queue of unanswered messages."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.conversations import service as conversations
from api.review.models import UnansweredMessage


async def log_unanswered(
    *, db_session: AsyncSession, conversation_id: str, text: str, reason: str
) -> UnansweredMessage:
    """Keep a message the bot could not answer."""
    await conversations.get_or_create(db_session=db_session, conversation_id=conversation_id)
    item = UnansweredMessage(conversation_id=conversation_id, text=text, reason=reason)
    db_session.add(item)
    await db_session.commit()
    return item


async def list_unanswered(
    *, db_session: AsyncSession, include_reviewed: bool = False, limit: int = 200
) -> list[UnansweredMessage]:
    """Return the newest unanswered messages first."""
    query = select(UnansweredMessage).order_by(UnansweredMessage.id.desc()).limit(limit)
    if not include_reviewed:
        query = query.where(UnansweredMessage.reviewed.is_(False))
    return list(await db_session.scalars(query))
