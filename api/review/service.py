"""What the support staff review: the inbox of what the assistant missed, decisions and marks."""

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz, process
from sqlalchemy import ColumnElement, ScalarSelect, and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from api.conversations.models import (
    ConversationRating,
    Feedback,
    FeedbackRating,
    Message,
    Sender,
    UnansweredMessage,
)
from api.core.db import utcnow
from api.core.errors import ConflictError, NotFoundError
from api.handoff.models import Handoff, HandoffOutcome
from api.review.models import DecisionKind, ItemKind, ReviewDecision, ReviewMark
from api.review.schemas import EntryRef, InboxItem, InboxRead, TranscriptLine, TranscriptRead
from knowledge_base.french import fold, terms
from knowledge_base.vocabulary import REVIEW_CANDIDATE_REJECTED, REVIEW_UNKNOWN_ERROR

# How many of the newest unreviewed unanswered messages the inbox groups.
UNANSWERED_SCAN = 5000
# Two wordings whose sorted terms are this similar (rapidfuzz ratio, 0-100) are one group.
SIMILAR_WORDINGS = 88
PASTE_REASONS = (REVIEW_UNKNOWN_ERROR, REVIEW_CANDIDATE_REJECTED)
HANDOFF_OUTCOMES_TO_REVIEW = (HandoffOutcome.FSD_NEEDED, HandoffOutcome.REDIRECTED)
MAX_BAD_STARS = 2
TRANSCRIPT_CONTEXT = 12  # messages shown before and after the reviewed one

ITEM_TABLES: dict[ItemKind, Any] = {
    ItemKind.UNANSWERED: UnansweredMessage,
    ItemKind.FEEDBACK: Feedback,
    ItemKind.RATING: ConversationRating,
    ItemKind.HANDOFF: Handoff,
}

EntryTitles = Mapping[str, tuple[str, str]]  # entry id -> (title, domain)


def wordings(items: Sequence[UnansweredMessage], limit: int = 5) -> list[str]:
    """A group's distinct wordings, the most frequent first (the newest among equals)."""
    return [w for w, _ in Counter(i.text.strip() for i in reversed(items)).most_common(limit)]


def is_paste(items: Sequence[UnansweredMessage]) -> bool:
    """Whether a group holds a pasted error message (taught as an error message)."""
    return any(i.reason in PASTE_REASONS for i in items)


def group_key(text: str) -> str:
    """What two wordings share when they are the same question: their sorted French terms."""
    return " ".join(sorted(set(terms(text)))) or fold(text).strip()


def _unmarked(kind: ItemKind, item_id: InstrumentedAttribute[int]) -> ColumnElement[bool]:
    """Items of this kind that no decision marks."""
    marked = select(ReviewMark.item_id).where(ReviewMark.item_kind == kind.value)
    return item_id.not_in(marked)


def _ref(entry_id: str, titles: EntryTitles) -> EntryRef | None:
    if entry_id not in titles:
        return None
    title, domain = titles[entry_id]
    return EntryRef(entry_id=entry_id, title=title, domain=domain)


@dataclass
class _Group:
    items: list[UnansweredMessage] = field(default_factory=list)
    keys: set[str] = field(default_factory=set)


def _merge_similar(groups: dict[str, _Group]) -> list[_Group]:
    """Join groups whose keys are very similar (union-find over rapidfuzz's score matrix)."""
    keys = list(groups)
    parent = list(range(len(keys)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    if len(keys) > 1:
        matrix = process.cdist(keys, keys, scorer=fuzz.ratio, score_cutoff=SIMILAR_WORDINGS)
        for i, j in zip(*matrix.nonzero(), strict=True):
            if i < j:
                parent[root(int(j))] = root(int(i))
    merged: dict[int, _Group] = {}
    for index, key in enumerate(keys):
        target = merged.setdefault(root(index), _Group())
        target.items += groups[key].items
        target.keys.add(key)
    return list(merged.values())


def _unanswered_line(group: _Group, titles: EntryTitles) -> InboxItem:
    items = sorted(group.items, key=lambda i: i.id)
    newest = items[-1]
    distinct = wordings(items)
    candidates = Counter(c for i in items for c in i.candidates)
    domains = Counter(i.nlu_domain for i in items if i.nlu_domain)
    refs = [_ref(c, titles) for c, _ in candidates.most_common(5)]
    return InboxItem(
        key=f"{ItemKind.UNANSWERED}:{items[0].id}",
        kind=ItemKind.UNANSWERED,
        item_ids=[i.id for i in items],
        text=distinct[0],
        wordings=distinct,
        reasons=sorted({i.reason for i in items}),
        count=len(items),
        first_seen=items[0].created_at,
        last_seen=newest.created_at,
        nlu_domain=domains.most_common(1)[0][0] if domains else None,
        candidates=[r for r in refs if r is not None],
        conversation_id=newest.conversation_id,
        message_id=newest.message_id,
        paste=is_paste(items),
    )


async def _unanswered_lines(*, db_session: AsyncSession, titles: EntryTitles) -> list[InboxItem]:
    query = (
        select(UnansweredMessage)
        .where(_unmarked(ItemKind.UNANSWERED, UnansweredMessage.id))
        .order_by(UnansweredMessage.id.desc())
        .limit(UNANSWERED_SCAN)
    )
    groups: dict[str, _Group] = {}
    for item in await db_session.scalars(query):
        groups.setdefault(group_key(item.text), _Group()).items.append(item)
    return [_unanswered_line(g, titles) for g in _merge_similar(groups)]


def _previous_user_text(message_id: InstrumentedAttribute[int]) -> ScalarSelect[str | None]:
    """The user's last message before a bot message (the question a thumbs down answers)."""
    earlier = Message.__table__.alias("earlier")
    return (
        select(earlier.c.text)
        .where(
            earlier.c.conversation_id == Message.conversation_id,
            earlier.c.sender == Sender.USER.value,
            earlier.c.id < message_id,
        )
        .order_by(earlier.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )


async def _feedback_lines(*, db_session: AsyncSession, titles: EntryTitles) -> list[InboxItem]:
    query = (
        select(Feedback, Message.text, _previous_user_text(Message.id))
        .join(Message, Message.id == Feedback.message_id)
        .where(
            Feedback.rating == FeedbackRating.DOWN,
            _unmarked(ItemKind.FEEDBACK, Feedback.id),
        )
        .order_by(Feedback.id.desc())
        .limit(500)
    )
    lines = []
    for feedback, answer, question in (await db_session.execute(query)).all():
        lines.append(
            InboxItem(
                key=f"{ItemKind.FEEDBACK}:{feedback.id}",
                kind=ItemKind.FEEDBACK,
                item_ids=[feedback.id],
                text=question or "",
                wordings=[question] if question else [],
                reasons=["thumbs_down"],
                count=1,
                first_seen=feedback.created_at,
                last_seen=feedback.updated_at or feedback.created_at,
                conversation_id=feedback.conversation_id,
                message_id=feedback.message_id,
                entry=_ref(feedback.entry_id, titles) if feedback.entry_id else None,
                entry_version=feedback.entry_version,
                answer=answer,
                comment=feedback.comment,
                ministry_code=feedback.ministry_code,
            )
        )
    return lines


async def _rating_lines(*, db_session: AsyncSession) -> list[InboxItem]:
    query = (
        select(ConversationRating)
        .where(
            ConversationRating.stars <= MAX_BAD_STARS,
            _unmarked(ItemKind.RATING, ConversationRating.id),
        )
        .order_by(ConversationRating.id.desc())
        .limit(500)
    )
    return [
        InboxItem(
            key=f"{ItemKind.RATING}:{r.id}",
            kind=ItemKind.RATING,
            item_ids=[r.id],
            text=r.comment or "",
            wordings=[r.comment] if r.comment else [],
            reasons=["bad_rating"],
            count=1,
            first_seen=r.created_at,
            last_seen=r.updated_at or r.created_at,
            conversation_id=r.conversation_id,
            comment=r.comment,
            stars=r.stars,
        )
        for r in await db_session.scalars(query)
    ]


async def _handoff_lines(*, db_session: AsyncSession) -> list[InboxItem]:
    query = (
        select(Handoff)
        .where(
            or_(
                Handoff.outcome.in_(HANDOFF_OUTCOMES_TO_REVIEW),
                and_(Handoff.stars.is_not(None), Handoff.stars <= MAX_BAD_STARS),
            ),
            _unmarked(ItemKind.HANDOFF, Handoff.id),
        )
        .order_by(Handoff.id.desc())
        .limit(500)
    )
    return [
        InboxItem(
            key=f"{ItemKind.HANDOFF}:{h.id}",
            kind=ItemKind.HANDOFF,
            item_ids=[h.id],
            text=h.outcome_note or "",
            wordings=[h.outcome_note] if h.outcome_note else [],
            reasons=[f"handoff_{h.outcome.value}" if h.outcome else "handoff_bad_rating"],
            count=1,
            first_seen=h.requested_at,
            last_seen=h.closed_at or h.requested_at,
            conversation_id=h.conversation_id,
            comment=h.outcome_note,
            stars=h.stars,
            outcome=h.outcome.value if h.outcome else None,
            category=h.category,
        )
        for h in await db_session.scalars(query)
    ]


async def inbox(
    *, db_session: AsyncSession, titles: EntryTitles, kind: ItemKind | None = None
) -> InboxRead:
    """What waits for review: groups of unanswered wordings and the other items, the most
    frequent first, then the most recent."""
    lines: list[InboxItem] = []
    if kind in (None, ItemKind.UNANSWERED):
        lines += await _unanswered_lines(db_session=db_session, titles=titles)
    if kind in (None, ItemKind.FEEDBACK):
        lines += await _feedback_lines(db_session=db_session, titles=titles)
    if kind in (None, ItemKind.RATING):
        lines += await _rating_lines(db_session=db_session)
    if kind in (None, ItemKind.HANDOFF):
        lines += await _handoff_lines(db_session=db_session)
    lines.sort(key=lambda line: (line.count, line.last_seen), reverse=True)
    return InboxRead(items=lines, total_items=sum(line.count for line in lines))


async def items_to_decide(
    *, db_session: AsyncSession, kind: ItemKind, item_ids: Sequence[int]
) -> list[Any]:
    """The items a decision is about: NotFoundError if one does not exist, ConflictError if
    one was already reviewed."""
    table = ITEM_TABLES[kind]
    ids = sorted(set(item_ids))
    found = list(await db_session.scalars(select(table).where(table.id.in_(ids))))
    missing = set(ids) - {item.id for item in found}
    if missing:
        raise NotFoundError(
            f"no {kind.value} item {sorted(missing)}", "Cet élément n'existe pas ou plus."
        )
    marked = await db_session.scalars(
        select(ReviewMark.item_id).where(
            ReviewMark.item_kind == kind.value, ReviewMark.item_id.in_(ids)
        )
    )
    if list(marked):
        raise ConflictError(
            f"{kind.value} items already reviewed", "Cet élément a déjà été traité."
        )
    return found


async def record_decision(
    *,
    db_session: AsyncSession,
    kind: DecisionKind,
    item_kind: ItemKind,
    item_ids: Iterable[int],
    actor: str,
    entry_id: str | None = None,
    added: dict[str, str | bool] | None = None,
) -> ReviewDecision:
    """Store a decision and mark its items reviewed (ConflictError if another reviewer was
    faster)."""
    decision = ReviewDecision(
        kind=kind.value, entry_id=entry_id, added=added or {}, decided_by=actor
    )
    decision.marks = [ReviewMark(item_kind=item_kind.value, item_id=i) for i in set(item_ids)]
    db_session.add(decision)
    try:
        async with db_session.begin_nested():
            await db_session.flush()
    except IntegrityError as exc:
        raise ConflictError(
            "items already reviewed", "Cet élément vient d'être traité par quelqu'un d'autre."
        ) from exc
    return decision


async def get_decision_or_raise(*, db_session: AsyncSession, decision_id: int) -> ReviewDecision:
    """The decision with its marks, or NotFoundError."""
    decision = await db_session.get(ReviewDecision, decision_id)
    if decision is None:
        raise NotFoundError(
            f"review decision {decision_id} does not exist", "Cette décision n'existe pas."
        )
    await db_session.refresh(decision, ["marks"])
    return decision


def clear_marks(*, decision: ReviewDecision, actor: str) -> None:
    """Put the decision's items back in the inbox and note who undid it."""
    if decision.undone_at is not None:
        raise ConflictError(
            f"review decision {decision.id} was already undone", "Cette décision est déjà annulée."
        )
    decision.marks.clear()
    decision.undone_by = actor
    decision.undone_at = utcnow()


async def item_count(*, db_session: AsyncSession, decision_id: int) -> int:
    """How many items a decision marks."""
    count = await db_session.scalar(
        select(func.count()).select_from(ReviewMark).where(ReviewMark.decision_id == decision_id)
    )
    return int(count or 0)


async def transcript(
    *, db_session: AsyncSession, conversation_id: str, message_id: int | None
) -> TranscriptRead:
    """The conversation around a message (or its last messages), as the reviewer reads it."""
    base = select(Message).where(Message.conversation_id == conversation_id)
    if message_id is None:
        rows = list(await db_session.scalars(base.order_by(Message.id.desc()).limit(50)))
    else:
        before = await db_session.scalars(
            base.where(Message.id <= message_id)
            .order_by(Message.id.desc())
            .limit(TRANSCRIPT_CONTEXT + 1)
        )
        after = await db_session.scalars(
            base.where(Message.id > message_id).order_by(Message.id).limit(TRANSCRIPT_CONTEXT)
        )
        rows = [*before, *after]
    if not rows:
        raise NotFoundError(
            f"conversation {conversation_id} has no message", "Cette conversation n'existe pas."
        )
    rows.sort(key=lambda m: m.id)
    return TranscriptRead(
        conversation_id=conversation_id,
        focus_message_id=message_id,
        messages=[TranscriptLine.model_validate(m) for m in rows],
    )


async def list_unanswered(
    *, db_session: AsyncSession, include_reviewed: bool = False, limit: int = 200
) -> list[tuple[UnansweredMessage, bool]]:
    """The newest unanswered messages first, each with whether it was reviewed."""
    marked = select(ReviewMark.item_id).where(ReviewMark.item_kind == ItemKind.UNANSWERED.value)
    reviewed = UnansweredMessage.id.in_(marked)
    query = select(UnansweredMessage, reviewed).order_by(UnansweredMessage.id.desc()).limit(limit)
    if not include_reviewed:
        query = query.where(~reviewed)
    return [(item, bool(flag)) for item, flag in (await db_session.execute(query)).all()]


async def list_feedback(
    *, db_session: AsyncSession, rating: FeedbackRating | None = None, limit: int = 200
) -> list[Feedback]:
    """The newest thumbs up / down first, optionally of one rating."""
    query = select(Feedback).order_by(Feedback.id.desc()).limit(limit)
    if rating is not None:
        query = query.where(Feedback.rating == rating)
    return list(await db_session.scalars(query))


async def list_ratings(
    *, db_session: AsyncSession, max_stars: int = 5, limit: int = 200
) -> list[ConversationRating]:
    """The newest conversation ratings first, up to a number of stars."""
    query = (
        select(ConversationRating)
        .where(ConversationRating.stars <= max_stars)
        .order_by(ConversationRating.id.desc())
        .limit(limit)
    )
    return list(await db_session.scalars(query))
