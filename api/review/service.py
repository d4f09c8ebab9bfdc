"""The review queue of unanswered messages."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.conversations import service as conversations
from api.conversations.models import ConversationRating, Feedback, FeedbackRating
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


async def list_feedback(
    *, db_session: AsyncSession, rating: FeedbackRating | None = None, limit: int = 200
) -> list[Feedback]:
    """Return the newest thumbs up / down first, optionally of one rating."""
    query = select(Feedback).order_by(Feedback.id.desc()).limit(limit)
    if rating is not None:
        query = query.where(Feedback.rating == rating)
    return list(await db_session.scalars(query))


async def list_ratings(
    *, db_session: AsyncSession, max_stars: int = 5, limit: int = 200
) -> list[ConversationRating]:
    """Return the newest conversation ratings first, up to a number of stars."""
    query = (
        select(ConversationRating)
        .where(ConversationRating.stars <= max_stars)
        .order_by(ConversationRating.id.desc())
        .limit(limit)
    )
    return list(await db_session.scalars(query))
