"""The statistics: counts per Paris day or week from the database, filtered by application,
with the hour of the week, thumbs by entry, stars, handoffs; CSV export; admins only."""

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from api.auth.models import Role
from api.conversations.models import (
    Conversation,
    ConversationRating,
    Feedback,
    FeedbackRating,
    Message,
    Sender,
    UnansweredMessage,
)
from api.core.db import create_engine, create_session_factory
from api.fsd.models import Fsd, FsdStatus
from api.handoff.models import Handoff, HandoffOutcome, HandoffStatus
from tests.api.conftest import TokenFactory

STATS = "/api/v1/admin/stats"
# Monday 23 November 2026, 23:30 UTC is Tuesday 24 November, 00:30 in Paris.
LATE_MONDAY_UTC = datetime(2026, 11, 23, 23, 30, tzinfo=UTC)
TUESDAY_MORNING_UTC = datetime(2026, 11, 24, 9, 15, tzinfo=UTC)  # 10:15 in Paris


async def seed(database_url: str) -> None:
    """Two conversations of Chorus Pro and one of Chorus, over two Paris days."""
    engine = create_engine(database_url)
    async with create_session_factory(engine)() as session:
        for cid, app, when in (
            ("stats-conv-1", "chorus_pro", LATE_MONDAY_UTC),
            ("stats-conv-2", "chorus_pro", TUESDAY_MORNING_UTC),
            ("stats-conv-3", "chorus", TUESDAY_MORNING_UTC - timedelta(days=1)),
        ):
            session.add(Conversation(id=cid, profile={"application": app}, created_at=when))
            await session.flush()
            user = Message(conversation_id=cid, sender=Sender.USER, text="q", created_at=when)
            answer = Message(
                conversation_id=cid,
                sender=Sender.BOT,
                text="r",
                entry_id="fsd-creation",
                entry_version=1,
                created_at=when + timedelta(seconds=1),
            )
            session.add_all([user, answer])
            await session.flush()
            session.add(
                Feedback(
                    conversation_id=cid,
                    message_id=answer.id,
                    rating=FeedbackRating.DOWN if app == "chorus_pro" else FeedbackRating.UP,
                    entry_id="fsd-creation",
                    entry_version=1,
                    created_at=when + timedelta(seconds=2),
                )
            )
        session.add(
            UnansweredMessage(
                conversation_id="stats-conv-2",
                text="rien ne marche",
                reason="not_understood",
                candidates=[],
                created_at=TUESDAY_MORNING_UTC,
            )
        )
        session.add(
            ConversationRating(
                conversation_id="stats-conv-2", stars=2, created_at=TUESDAY_MORNING_UTC
            )
        )
        session.add(
            Handoff(
                conversation_id="stats-conv-2",
                category="support_chorus_pro",
                status=HandoffStatus.CLOSED,
                requested_at=TUESDAY_MORNING_UTC,
                claimed_at=TUESDAY_MORNING_UTC + timedelta(seconds=90),
                closed_at=TUESDAY_MORNING_UTC + timedelta(minutes=10),
                outcome=HandoffOutcome.FSD_NEEDED,
                stars=4,
            )
        )
        session.add(
            Fsd(
                title="t",
                description="d",
                application="chorus_pro",
                category="support_outil",
                subcategory="Autre",
                severity=2,
                impact=2,
                users_blocked=1,
                priority="P3",
                status=FsdStatus.NOUVEAU,
                initiator="cca",
                initiator_email="cca@finances.gouv.fr",
                created_at=TUESDAY_MORNING_UTC,
            )
        )
        await session.commit()
    await engine.dispose()


async def stats(
    client: httpx.AsyncClient, headers: dict[str, str], **params: Any
) -> dict[str, Any]:
    response = await client.get(
        STATS, params={"start": "2026-11-23", "end": "2026-11-24", **params}, headers=headers
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_counts_fall_on_paris_days_with_hours_of_the_week(
    kb_client: httpx.AsyncClient, admin_headers: dict[str, str], database_url: str
) -> None:
    await seed(database_url)

    body = await stats(kb_client, admin_headers)

    monday, tuesday = body["buckets"]
    assert (monday["start"], monday["conversations"], monday["messages"]) == ("2026-11-23", 1, 1)
    assert (tuesday["start"], tuesday["conversations"], tuesday["messages"]) == (
        "2026-11-24",
        2,
        2,
    )
    assert tuesday["answered"] == 2 and tuesday["misunderstood"] == 1
    assert tuesday["handoffs"] == 1 and tuesday["fsds"] == 1
    assert body["totals"]["messages"] == 3
    assert body["hour_of_week"][1][0] == 1  # Tuesday 00:30 in Paris
    assert body["hour_of_week"][1][10] == 1  # Tuesday 10:15
    assert body["hour_of_week"][0][10] == 1  # Monday 10:15
    assert body["feedback_by_entry"] == [
        {
            "entry_id": "fsd-creation",
            "title": "Processus de création d'une Fiche Desk (FSD)",
            "up": 1,
            "down": 2,
        }
    ]
    assert body["bot_stars"] == 2.0 and body["advisor_stars"] == 4.0
    assert body["handoffs_by_outcome"] == {"fsd_needed": 1}
    assert body["handoffs_by_category"] == {"support_chorus_pro": 1}
    assert body["average_wait_seconds"] == pytest.approx(90, abs=1)
    # The hours before 08:00 UTC are rolled up by the first request; the second reads them back.
    assert await stats(kb_client, admin_headers) == body


async def test_one_application_and_weeks(
    kb_client: httpx.AsyncClient, admin_headers: dict[str, str], database_url: str
) -> None:
    await seed(database_url)

    body = await stats(kb_client, admin_headers, application="chorus", granularity="week")

    [week] = body["buckets"]
    assert week["start"] == "2026-11-23"
    assert (week["conversations"], week["messages"], week["fsds"]) == (1, 1, 0)
    assert body["feedback_by_entry"][0]["up"] == 1 and body["feedback_by_entry"][0]["down"] == 0
    assert body["handoffs_by_outcome"] == {}


async def test_the_csv_has_a_line_per_day_in_french(
    kb_client: httpx.AsyncClient, admin_headers: dict[str, str], database_url: str
) -> None:
    await seed(database_url)

    response = await kb_client.get(
        f"{STATS}/csv", params={"start": "2026-11-23", "end": "2026-11-24"}, headers=admin_headers
    )

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "statistiques-2026-11-23-2026-11-24.csv" in response.headers["content-disposition"]
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Début de la période;Conversations;Messages des usagers")
    assert lines[1:] == ["2026-11-23;1;1;1;0;0;0", "2026-11-24;2;2;2;1;1;1"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "2026-11-24", "end": "2026-11-23"}, "La date de fin précède la date de début."),
        ({"start": "2020-01-01", "end": "2026-11-23"}, "La période ne peut dépasser 731 jours."),
        ({"start": "demain"}, None),
        ({"granularity": "year"}, None),
        ({"application": "<script>"}, None),
    ],
)
async def test_bad_periods_get_a_422_in_french(
    kb_client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    params: dict[str, str],
    message: str | None,
) -> None:
    response = await kb_client.get(STATS, params=params, headers=admin_headers)

    assert response.status_code == 422
    assert response.json()["message"]
    if message:
        assert response.json()["message"] == message


@pytest.mark.parametrize("role", [Role.ADVISOR, Role.SN2])
async def test_only_admins_read_statistics(
    kb_client: httpx.AsyncClient, token_for: TokenFactory, role: Role
) -> None:
    assert (await kb_client.get(STATS)).status_code == 401
    headers = {"Authorization": f"Bearer {await token_for(role)}"}
    assert (await kb_client.get(STATS, headers=headers)).status_code == 403
    assert (await kb_client.get(f"{STATS}/csv", headers=headers)).status_code == 403
