"""The LiveChat queue: plain functions over an async session."""

from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from api.auth.models import User
from api.auth.service import PermissionDeniedError
from api.conversations import service as conversations
from api.conversations.models import (
    Conversation,
    ConversationStatus,
    Feedback,
    Message,
    Sender,
)
from api.conversations.schemas import MessageRead
from api.core.db import as_utc
from api.core.errors import ConflictError, NotFoundError
from api.handoff.hours import OpeningHours, describe_instant
from api.handoff.models import Handoff, HandoffOutcome, HandoffStatus
from api.handoff.schemas import (
    CATEGORIES,
    AvailabilityRead,
    CannedResponse,
    HandoffDetail,
    HandoffState,
    QueueEntryRead,
)

OPEN_STATUSES = (HandoffStatus.WAITING, HandoffStatus.ACTIVE)


async def open_for(*, db_session: AsyncSession, conversation_id: str) -> Handoff | None:
    """Return the conversation's handoff still waiting or active, if any."""
    query = select(Handoff).where(
        Handoff.conversation_id == conversation_id, Handoff.status.in_(OPEN_STATUSES)
    )
    return (await db_session.scalars(query)).one_or_none()


async def get_or_raise(*, db_session: AsyncSession, handoff_id: int) -> Handoff:
    """Return the handoff, or raise NotFoundError."""
    handoff = await db_session.get(Handoff, handoff_id)
    if handoff is None:
        raise NotFoundError(
            f"handoff {handoff_id} does not exist", "Cette demande de conseiller n'existe pas."
        )
    return handoff


async def create(
    *,
    db_session: AsyncSession,
    conversation: Conversation,
    category: str,
    context: dict[str, Any],
    offline: bool,
) -> Handoff:
    """Queue the conversation for an advisor (its open handoff if it already has one)."""
    existing = await open_for(db_session=db_session, conversation_id=conversation.id)
    if existing is not None:
        return existing
    handoff = Handoff(
        conversation_id=conversation.id,
        category=category,
        context=context,
        offline=offline,
        status=HandoffStatus.WAITING,
    )
    db_session.add(handoff)
    conversation.status = ConversationStatus.WAITING_AGENT
    conversation.bot_paused = True
    await db_session.flush()
    return handoff


async def position(*, db_session: AsyncSession, handoff: Handoff) -> int | None:
    """The handoff's place among the waiting ones of its category (1 is next), None once taken."""
    if handoff.status is not HandoffStatus.WAITING:
        return None
    ahead = await db_session.scalar(
        select(func.count())
        .select_from(Handoff)
        .where(
            Handoff.status == HandoffStatus.WAITING,
            Handoff.category == handoff.category,
            Handoff.id < handoff.id,
        )
    )
    return int(ahead or 0) + 1


async def claim(
    *, db_session: AsyncSession, handoff_id: int, advisor: User, now: datetime
) -> Handoff:
    """Give a waiting handoff to the advisor; of two advisors claiming at once, one wins."""
    result = await db_session.execute(
        update(Handoff)
        .where(Handoff.id == handoff_id, Handoff.status == HandoffStatus.WAITING)
        .values(status=HandoffStatus.ACTIVE, advisor_id=advisor.id, claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    handoff = await get_or_raise(db_session=db_session, handoff_id=handoff_id)
    await db_session.refresh(handoff)
    if getattr(result, "rowcount", 0) != 1:
        raise ConflictError(
            f"handoff {handoff_id} is {handoff.status.value}, not waiting",
            "Cette conversation a déjà été prise en charge par un autre conseiller."
            if handoff.status is HandoffStatus.ACTIVE
            else "Cette conversation n'est plus en attente.",
        )
    conversation = await db_session.get(Conversation, handoff.conversation_id)
    assert conversation is not None
    conversation.status = ConversationStatus.AGENT
    await db_session.flush()
    return handoff


def ensure_owner(*, handoff: Handoff, advisor: User) -> None:
    """Raise unless the handoff is active and the advisor is the one who claimed it."""
    if handoff.status is not HandoffStatus.ACTIVE:
        raise ConflictError(
            f"handoff {handoff.id} is {handoff.status.value}, not active",
            "Cette conversation n'est pas en cours avec un conseiller.",
        )
    if handoff.advisor_id != advisor.id:
        raise PermissionDeniedError(
            f"handoff {handoff.id} was claimed by another advisor",
            "Cette conversation est prise en charge par un autre conseiller.",
        )


async def end(
    *,
    db_session: AsyncSession,
    handoff: Handoff,
    outcome: HandoffOutcome,
    note: str | None,
    now: datetime,
) -> Conversation:
    """Close the handoff and give the conversation back to the bot."""
    handoff.status = HandoffStatus.CLOSED
    handoff.outcome = outcome
    handoff.outcome_note = note or None
    handoff.closed_at = now
    conversation = await db_session.get(Conversation, handoff.conversation_id)
    assert conversation is not None
    conversation.status = ConversationStatus.BOT
    await db_session.flush()
    return conversation


async def record_stars(*, db_session: AsyncSession, conversation_id: str, stars: int) -> None:
    """Attach the user's star rating to their latest closed chat with an advisor, if unrated."""
    handoff = await db_session.scalar(
        select(Handoff)
        .where(
            Handoff.conversation_id == conversation_id,
            Handoff.status == HandoffStatus.CLOSED,
            Handoff.outcome != HandoffOutcome.CANCELLED,
            Handoff.stars.is_(None),
        )
        .order_by(Handoff.id.desc())
        .limit(1)
    )
    if handoff is not None:
        handoff.stars = stars


def _waiting_seconds(handoff: Handoff, now: datetime) -> int:
    until = as_utc(handoff.claimed_at) if handoff.claimed_at else as_utc(now)
    return max(0, int((until - as_utc(handoff.requested_at)).total_seconds()))


async def _last_user_texts(
    *, db_session: AsyncSession, conversation_ids: Sequence[str]
) -> dict[str, str | None]:
    """The last text each user typed; a button click (a message with a payload) is no text."""
    latest = (
        select(Message.conversation_id, func.max(Message.id).label("id"))
        .where(
            Message.conversation_id.in_(conversation_ids),
            Message.sender == Sender.USER,
            Message.payload.is_(None),
        )
        .group_by(Message.conversation_id)
        .subquery()
    )
    rows = await db_session.execute(
        select(Message.conversation_id, Message.text).join(latest, Message.id == latest.c.id)
    )
    return {conversation_id: text for conversation_id, text in rows.tuples()}


async def queue(*, db_session: AsyncSession, now: datetime) -> list[QueueEntryRead]:
    """The waiting and active handoffs, oldest first, as the advisors' queue shows them."""
    result = (
        await db_session.execute(
            select(Handoff, Conversation.profile, Conversation.identity, User.username)
            .join(Conversation, Conversation.id == Handoff.conversation_id)
            .outerjoin(User, User.id == Handoff.advisor_id)
            .where(Handoff.status.in_(OPEN_STATUSES))
            .order_by(Handoff.id)
        )
    ).tuples()
    rows = list(result)
    texts = await _last_user_texts(
        db_session=db_session, conversation_ids=[h.conversation_id for h, _, _, _ in rows]
    )
    places: dict[str, int] = {}
    entries = []
    for handoff, declared, signed, advisor in rows:
        profile = conversations.combined_profile(declared, signed)
        place = None
        if handoff.status is HandoffStatus.WAITING:
            place = places[handoff.category] = places.get(handoff.category, 0) + 1
        entries.append(
            _entry(handoff, profile, advisor, texts.get(handoff.conversation_id), place, now)
        )
    return entries


def _entry(
    handoff: Handoff,
    profile: dict[str, Any] | None,
    advisor: str | None,
    last_text: str | None,
    place: int | None,
    now: datetime,
) -> QueueEntryRead:
    return QueueEntryRead(
        id=handoff.id,
        conversation_id=handoff.conversation_id,
        category=handoff.category,
        category_label=CATEGORIES.get(handoff.category, handoff.category),
        status=handoff.status,
        offline=handoff.offline,
        requested_at=as_utc(handoff.requested_at),
        waiting_seconds=_waiting_seconds(handoff, now),
        position=place,
        advisor=advisor,
        claimed_at=as_utc(handoff.claimed_at) if handoff.claimed_at else None,
        profile=profile or {},
        last_user_text=last_text,
    )


async def context_of(*, db_session: AsyncSession, handoff: Handoff) -> dict[str, Any]:
    """What the advisor needs: the bot's context plus entries tried, feedback, misunderstood."""
    conversation_id = handoff.conversation_id
    entries = await conversations.entries_shown(
        db_session=db_session, conversation_id=conversation_id
    )
    feedback = await db_session.scalars(
        select(Feedback).where(Feedback.conversation_id == conversation_id).order_by(Feedback.id)
    )
    unanswered = await conversations.unanswered_in(
        db_session=db_session, conversation_id=conversation_id
    )
    return {
        **handoff.context,
        "entries_tried": entries,
        "feedback": [
            {
                "entry_id": f.entry_id,
                "rating": f.rating.value,
                "comment": f.comment,
                "ministry_code": f.ministry_code,
            }
            for f in feedback
        ],
        "not_understood": [{"text": u.text, "reason": u.reason} for u in unanswered],
    }


async def detail(*, db_session: AsyncSession, handoff: Handoff, now: datetime) -> HandoffDetail:
    """The handoff with its context and transcript."""
    conversation = await db_session.get(Conversation, handoff.conversation_id)
    assert conversation is not None
    advisor = await db_session.get(User, handoff.advisor_id) if handoff.advisor_id else None
    transcript = await conversations.transcript(
        db_session=db_session, conversation_id=handoff.conversation_id
    )
    last_text = next(
        (m.text for m in reversed(transcript) if m.sender is Sender.USER and m.payload is None),
        None,
    )
    entry = _entry(
        handoff,
        conversations.bot_profile(conversation),
        advisor.username if advisor else None,
        last_text,
        await position(db_session=db_session, handoff=handoff),
        now,
    )
    return HandoffDetail(
        **entry.model_dump(),
        context=await context_of(db_session=db_session, handoff=handoff),
        closed_at=as_utc(handoff.closed_at) if handoff.closed_at else None,
        outcome=handoff.outcome,
        outcome_note=handoff.outcome_note,
        messages=[MessageRead.model_validate(m) for m in transcript],
    )


@lru_cache(maxsize=4)
def _read_canned(path: Path, _mtime: float) -> tuple[CannedResponse, ...]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return tuple(CannedResponse.model_validate(item) for item in data.get("responses", []))


def canned_responses(*, path: Path) -> list[CannedResponse]:
    """The advisors' ready-made answers (a YAML file, re-read when it changes)."""
    if not path.is_file():
        return []
    return list(_read_canned(path, path.stat().st_mtime))


async def state(*, db_session: AsyncSession, conversation_id: str) -> HandoffState | None:
    """The user's view of their open handoff (status, place in the queue), if any."""
    handoff = await open_for(db_session=db_session, conversation_id=conversation_id)
    if handoff is None:
        return None
    read = HandoffState.model_validate(handoff)
    read.position = await position(db_session=db_session, handoff=handoff)
    return read


def availability(*, hours: OpeningHours, now: datetime) -> AvailabilityRead:
    """Whether advisors answer now, and when they are back."""
    is_open = hours.is_open(now)
    back = None if is_open else hours.next_opening(now)
    return AvailabilityRead(
        open=is_open,
        schedule=hours.describe(),
        next_opening=back,
        next_opening_text=describe_instant(back, now=now, zone=hours.zone) if back else None,
    )
