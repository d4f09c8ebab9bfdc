"""The assistant's statistics, from SQL aggregates: each count is grouped by UTC hour in the
database (one scan, whatever the number of rows), then folded into Paris days, weeks and hours
of the week here (a year is 8,760 rows at most)."""

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, and_, case, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from api.conversations.models import (
    Conversation,
    ConversationRating,
    Feedback,
    FeedbackRating,
    Message,
    Sender,
    UnansweredMessage,
)
from api.core.db import as_utc
from api.core.errors import AppError
from api.fsd.models import Fsd
from api.handoff.models import Handoff
from api.stats.models import ActivityHour, ActivityRollup
from api.stats.schemas import Bucket, EntryFeedback, Granularity, StatsRead

ZONE = ZoneInfo("Europe/Paris")
MAX_DAYS = 731  # two years at most in one request


class InvalidPeriodError(AppError):
    """A period that ends before it starts, or is too long."""

    status_code = 422


def check_period(*, start: date, end: date) -> None:
    """Raise InvalidPeriodError unless start <= end and the period is at most MAX_DAYS long."""
    if end < start:
        raise InvalidPeriodError(
            f"end {end} is before start {start}", "La date de fin précède la date de début."
        )
    if (end - start).days + 1 > MAX_DAYS:
        raise InvalidPeriodError(
            f"the period is longer than {MAX_DAYS} days",
            f"La période ne peut dépasser {MAX_DAYS} jours.",
        )


METRICS = ("conversations", "messages", "answered", "misunderstood", "handoffs")
COUNTS = (*METRICS, "fsds")
# An hour is rolled up once it ended this long ago (a transaction still open at its end has
# committed by then).
ROLLUP_MARGIN = timedelta(minutes=5)


def period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """The UTC instants of the period's first day at midnight and the day after its last, Paris
    time."""
    first = datetime.combine(start, time(), ZONE).astimezone(UTC)
    after = datetime.combine(end + timedelta(days=1), time(), ZONE).astimezone(UTC)
    return first, after


def _hour(column: InstrumentedAttribute[datetime], dialect: str) -> ColumnElement[Any]:
    """The UTC hour a timestamp falls in, as the database writes it."""
    if dialect == "postgresql":  # hours since the epoch: arithmetic, no calendar per row
        return func.floor(func.extract("epoch", column) / 3600)
    return func.strftime("%Y-%m-%d %H", column)


def _as_utc_hour(value: Any) -> datetime:
    if isinstance(value, datetime):
        return as_utc(value)
    if isinstance(value, str):
        return datetime.strptime(value, "%Y-%m-%d %H").replace(tzinfo=UTC)
    return datetime.fromtimestamp(int(value) * 3600, tz=UTC)


def floor_hour(moment: datetime) -> datetime:
    """The start of the UTC hour of an instant."""
    return as_utc(moment).replace(minute=0, second=0, microsecond=0)


def _profile_value(key: str) -> ColumnElement[str]:
    return func.coalesce(Conversation.profile[key].as_string(), "")


Source = tuple[
    InstrumentedAttribute[datetime],
    InstrumentedAttribute[str],
    dict[str, ColumnElement[bool] | None],
]


def _sources() -> list[Source]:
    """Where each count comes from: the timestamp, the conversation, the conditions."""
    return [
        (Conversation.created_at, Conversation.id, {"conversations": None}),
        (
            Message.created_at,
            Message.conversation_id,
            {
                "messages": Message.sender == Sender.USER,
                "answered": and_(Message.sender == Sender.BOT, Message.entry_id.is_not(None)),
            },
        ),
        (
            UnansweredMessage.created_at,
            UnansweredMessage.conversation_id,
            {"misunderstood": None},
        ),
        (Handoff.requested_at, Handoff.conversation_id, {"handoffs": None}),
    ]


Key = tuple[datetime, str, str]  # hour, application, ministry code


async def _counts(
    *,
    db_session: AsyncSession,
    since: datetime,
    until: datetime,
    profile: dict[str, str] | None,
) -> dict[Key, Counter[str]]:
    """Counts per UTC hour from the transcript tables, in one scan per table: per application
    and ministry (profile None, for the rollup), or of the conversations with this profile."""
    counts: dict[Key, Counter[str]] = {}
    dialect = db_session.bind.dialect.name
    for column, conversation_id, conditions in _sources():
        hour = _hour(column, dialect)
        per_profile = [_profile_value("application"), _profile_value("ministry_code")]
        keys = [hour, *per_profile] if profile is None else [hour]
        values = [
            func.count() if c is None else func.sum(case((c, 1), else_=0))
            for c in conditions.values()
        ]
        query = select(*keys, *values).where(column >= since, column < until).group_by(*keys)
        if conversation_id is not Conversation.id:
            query = query.join(Conversation, Conversation.id == conversation_id)
        for key, value in (profile or {}).items():
            query = query.where(Conversation.profile[key].as_string() == value)
        for row in (await db_session.execute(query)).all():
            width = len(keys)
            application, ministry = (row[1], row[2]) if profile is None else ("", "")
            counter = counts.setdefault((_as_utc_hour(row[0]), application, ministry), Counter())
            for name, value in zip(conditions, row[width:], strict=True):
                counter[name] += int(value or 0)
    return counts


async def roll_up(*, db_session: AsyncSession, now: datetime) -> datetime:
    """Roll up the hours that ended at least ROLLUP_MARGIN ago and were not yet; return the
    hour before which activity_hours is complete. Another process doing it at the same time is
    fine: one of them wins, the other reads its result."""
    cutoff = floor_hour(now - ROLLUP_MARGIN)
    state = await db_session.get(ActivityRollup, 1)
    if state is not None and as_utc(state.until) >= cutoff:
        return as_utc(state.until)
    if state is None:
        first = await db_session.scalar(select(func.min(Conversation.created_at)))
        since = floor_hour(first) if first is not None else cutoff
    else:
        since = as_utc(state.until)
    counts = await _counts(db_session=db_session, since=since, until=cutoff, profile=None)
    try:
        async with db_session.begin_nested():
            if state is None:
                db_session.add(ActivityRollup(id=1, until=cutoff))
            else:
                state.until = cutoff
            db_session.add_all(
                ActivityHour(hour=h, application=a, ministry_code=m, **counter)
                for (h, a, m), counter in counts.items()
            )
    except IntegrityError:
        pass  # another process rolled these hours up first
    until = await db_session.scalar(select(ActivityRollup.until).where(ActivityRollup.id == 1))
    return as_utc(until) if until is not None else cutoff


async def _rolled_up(
    *, db_session: AsyncSession, since: datetime, until: datetime, profile: dict[str, str]
) -> dict[Key, Counter[str]]:
    """The rolled-up counts per hour of [since, until), of the conversations with the profile."""
    query = (
        select(ActivityHour.hour, *(func.sum(getattr(ActivityHour, m)) for m in METRICS))
        .where(ActivityHour.hour >= since, ActivityHour.hour < until)
        .group_by(ActivityHour.hour)
    )
    if "application" in profile:
        query = query.where(ActivityHour.application == profile["application"])
    if "ministry_code" in profile:
        query = query.where(ActivityHour.ministry_code == profile["ministry_code"])
    return {
        (_as_utc_hour(row[0]), "", ""): Counter(
            {m: int(v or 0) for m, v in zip(METRICS, row[1:], strict=True)}
        )
        for row in (await db_session.execute(query)).all()
    }


def _profile_filter(
    query: Select[Any], conversation_id: InstrumentedAttribute[str], profile: dict[str, str]
) -> Select[Any]:
    """Keep the rows of conversations whose profile has these values."""
    if not profile:
        return query
    query = query.join(Conversation, Conversation.id == conversation_id)
    return query.where(
        *(Conversation.profile[key].as_string() == value for key, value in profile.items())
    )


def _bucket_start(day: date, granularity: Granularity) -> date:
    return day - timedelta(days=day.weekday()) if granularity is Granularity.WEEK else day


def _buckets(start: date, end: date, granularity: Granularity) -> dict[date, Bucket]:
    buckets: dict[date, Bucket] = {}
    day = start
    while day <= end:
        key = _bucket_start(day, granularity)
        buckets.setdefault(key, Bucket(start=key))
        day += timedelta(days=1)
    return buckets


async def statistics(
    *,
    db_session: AsyncSession,
    start: date,
    end: date,
    granularity: Granularity,
    profile: dict[str, str],
    titles: dict[str, str],
    now: datetime,
) -> StatsRead:
    """The activity over [start, end] (Paris days), optionally of one application or ministry."""
    bounds = period_bounds(start, end)
    until = await roll_up(db_session=db_session, now=now)
    split = min(max(until, bounds[0]), bounds[1])
    hourly = await _rolled_up(db_session=db_session, since=bounds[0], until=split, profile=profile)
    live = await _counts(db_session=db_session, since=split, until=bounds[1], profile=profile)
    for key, counter in live.items():
        hourly.setdefault(key, Counter()).update(counter)
    buckets = _buckets(start, end, granularity)
    week = [[0] * 24 for _ in range(7)]
    for (utc_hour, _, _), counter in hourly.items():
        local = utc_hour.astimezone(ZONE)
        bucket = buckets[_bucket_start(local.date(), granularity)]
        for name, count in counter.items():
            setattr(bucket, name, getattr(bucket, name) + count)
        week[local.weekday()][local.hour] += counter["messages"]
    for day, count in await _fsds_per_day(db_session=db_session, bounds=bounds, profile=profile):
        bucket = buckets[_bucket_start(day, granularity)]
        bucket.fsds += count
    ordered = [buckets[k] for k in sorted(buckets)]
    totals = Bucket(start=start, **{k: sum(getattr(b, k) for b in ordered) for k in COUNTS})
    handoffs = await _handoff_figures(db_session=db_session, bounds=bounds, profile=profile)
    return StatsRead(
        start=start,
        end=end,
        granularity=granularity,
        buckets=ordered,
        totals=totals,
        hour_of_week=week,
        feedback_by_entry=await _feedback(
            db_session=db_session, bounds=bounds, profile=profile, titles=titles
        ),
        bot_stars=await _average_stars(db_session=db_session, bounds=bounds, profile=profile),
        **handoffs,
    )


async def _fsds_per_day(
    *, db_session: AsyncSession, bounds: tuple[datetime, datetime], profile: dict[str, str]
) -> list[tuple[date, int]]:
    """FSDs opened per Paris day (an FSD's own application and ministry filter it)."""
    dialect = db_session.bind.dialect.name
    hour = _hour(Fsd.created_at, dialect).label("hour")
    query = (
        select(hour, func.count())
        .where(Fsd.created_at >= bounds[0], Fsd.created_at < bounds[1])
        .group_by(hour)
    )
    if "application" in profile:
        query = query.where(Fsd.application == profile["application"])
    if "ministry_code" in profile:
        query = query.where(Fsd.ministry_code == profile["ministry_code"])
    rows = (await db_session.execute(query)).all()
    per_day: Counter[date] = Counter()
    for h, n in rows:
        per_day[_as_utc_hour(h).astimezone(ZONE).date()] += n
    return list(per_day.items())


async def _feedback(
    *,
    db_session: AsyncSession,
    bounds: tuple[datetime, datetime],
    profile: dict[str, str],
    titles: dict[str, str],
) -> list[EntryFeedback]:
    down = func.sum(case((Feedback.rating == FeedbackRating.DOWN, 1), else_=0))
    up = func.sum(case((Feedback.rating == FeedbackRating.UP, 1), else_=0))
    query = (
        select(Feedback.entry_id, up, down)
        .where(
            Feedback.created_at >= bounds[0],
            Feedback.created_at < bounds[1],
            Feedback.entry_id.is_not(None),
        )
        .group_by(Feedback.entry_id)
        .order_by(down.desc(), Feedback.entry_id)
        .limit(50)
    )
    query = _profile_filter(query, Feedback.conversation_id, profile)
    return [
        EntryFeedback(entry_id=e, title=titles.get(e), up=int(u or 0), down=int(d or 0))
        for e, u, d in (await db_session.execute(query)).all()
    ]


async def _average_stars(
    *, db_session: AsyncSession, bounds: tuple[datetime, datetime], profile: dict[str, str]
) -> float | None:
    query = select(func.avg(ConversationRating.stars)).where(
        ConversationRating.created_at >= bounds[0], ConversationRating.created_at < bounds[1]
    )
    query = _profile_filter(query, ConversationRating.conversation_id, profile)
    value = await db_session.scalar(query)
    return round(float(value), 2) if value is not None else None


async def _handoff_figures(
    *, db_session: AsyncSession, bounds: tuple[datetime, datetime], profile: dict[str, str]
) -> dict[str, Any]:
    """Handoffs by category and outcome, advisors' stars, waiting time: one grouped query."""
    wait: ColumnElement[Any]
    if db_session.bind.dialect.name == "postgresql":
        wait = func.extract("epoch", Handoff.claimed_at - Handoff.requested_at)
    else:
        wait = (func.julianday(Handoff.claimed_at) - func.julianday(Handoff.requested_at)) * 86400
    query = (
        select(
            Handoff.category,
            Handoff.outcome,
            func.count(),
            func.sum(Handoff.stars),
            func.count(Handoff.stars),
            func.sum(wait),
            func.count(Handoff.claimed_at),
        )
        .where(Handoff.requested_at >= bounds[0], Handoff.requested_at < bounds[1])
        .group_by(Handoff.category, Handoff.outcome)
    )
    query = _profile_filter(query, Handoff.conversation_id, profile)
    by_category: Counter[str] = Counter()
    by_outcome: Counter[str] = Counter()
    stars = [0.0, 0]
    waits = [0.0, 0]
    for category, outcome, count, star_sum, rated, wait_sum, claimed in (
        await db_session.execute(query)
    ).all():
        if category is not None:
            by_category[str(category)] += count
        if outcome is not None:
            by_outcome[str(outcome)] += count
        stars = [stars[0] + float(star_sum or 0), stars[1] + rated]
        waits = [waits[0] + float(wait_sum or 0), waits[1] + claimed]
    return {
        "handoffs_by_category": dict(by_category),
        "handoffs_by_outcome": dict(by_outcome),
        "advisor_stars": round(stars[0] / stars[1], 2) if stars[1] else None,
        "average_wait_seconds": round(waits[0] / waits[1], 2) if waits[1] else None,
    }
