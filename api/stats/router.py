"""The statistics of the review console (admin role): JSON for the page, CSV for a spreadsheet."""

import csv
import io
from datetime import date, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from api.auth.deps import CurrentAdmin
from api.core.deps import ClockDep, SessionDep
from api.knowledge.deps import IndexDep
from api.stats import service
from api.stats.schemas import Granularity, StatsRead

admin_router = APIRouter(prefix="/admin/stats", tags=["statistics"])

ERRORS: dict[int | str, dict[str, str]] = {
    401: {"description": "Missing, invalid or expired bearer token."},
    403: {"description": "The token's user is not an admin."},
    422: {"description": "Malformed dates, a period that ends before it starts or is too long."},
}
CSV_COLUMNS = {
    "start": "Début de la période",
    "conversations": "Conversations",
    "messages": "Messages des usagers",
    "answered": "Réponses d'une fiche",
    "misunderstood": "Messages non traités",
    "handoffs": "Demandes de conseiller",
    "fsds": "FSD ouvertes",
}
Application = Annotated[str | None, Query(max_length=30, pattern=r"^[a-z_]+$")]
Ministry = Annotated[str | None, Query(max_length=30, pattern=r"^[A-Za-z0-9_-]+$")]


def _default_period(start: date | None, end: date | None, now: datetime) -> tuple[date, date]:
    """The last 30 days, today included (Paris), unless given."""
    end = end or now.astimezone(service.ZONE).date()
    return start or end - timedelta(days=29), end


async def _statistics(
    _admin: CurrentAdmin,
    db_session: SessionDep,
    index: IndexDep,
    clock: ClockDep,
    start: date | None = None,
    end: date | None = None,
    granularity: Granularity = Granularity.DAY,
    application: Application = None,
    ministry: Ministry = None,
) -> StatsRead:
    """The statistics the query asks for (admins only): the endpoints' one dependency."""
    now = clock()
    first, last = _default_period(start, end, now)
    service.check_period(start=first, end=last)
    await index.refresh(db_session=db_session)
    profile = {k: v for k, v in (("application", application), ("ministry_code", ministry)) if v}
    stats = await service.statistics(
        db_session=db_session,
        start=first,
        end=last,
        granularity=granularity,
        profile=profile,
        titles={entry_id: title for entry_id, (title, _) in index.entries.items()},
        now=now,
    )
    await db_session.commit()  # the hours rolled up on the way
    return stats


StatsDep = Annotated[StatsRead, Depends(_statistics)]


@admin_router.get("", response_model=StatsRead, responses=ERRORS)
async def get_statistics(stats: StatsDep) -> StatsRead:
    """The activity between `start` and `end` (Paris days; the last 30 by default), by day or
    week, optionally of one application or one ministry."""
    return stats


@admin_router.get("/csv", responses={**ERRORS, 200: {"content": {"text/csv": {}}}})
async def get_statistics_csv(stats: StatsDep) -> Response:
    """The same counts per day or week as a CSV file (semicolons, UTF-8 with BOM, for a
    spreadsheet in French)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(CSV_COLUMNS.values())
    for bucket in stats.buckets:
        writer.writerow([getattr(bucket, k) for k in CSV_COLUMNS])
    name = f"statistiques-{stats.start.isoformat()}-{stats.end.isoformat()}.csv"
    return Response(
        content="\ufeff" + out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
