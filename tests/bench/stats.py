"""The statistics page with 1,000,000 messages in PostgreSQL: GET /api/v1/admin/stats through the
real app (in process), for a month and a quarter, all applications or one, by day or by week;
first the request that rolls the hours up (once), then the usual ones.

Run by `make bench-stats`. The database `bench_stats` of the local PostgreSQL (or
BENCH_POSTGRES_URL) is created and filled once (100,000 conversations, 1,000,000 messages over
90 days, 50,000 unanswered messages, 10,000 handoffs, 50,000 thumbs), then reused.
"""

import asyncio
import os
import statistics
import sys
import time
from contextlib import AsyncExitStack

import asyncpg
import httpx
from sqlalchemy import text

from api.auth import service as auth_service
from api.auth.models import Role
from api.core.config import Settings
from api.core.db import create_engine, create_session_factory
from api.main import create_app
from tests.api.conftest import load_yaml, migrate

SERVER = os.environ.get("BENCH_POSTGRES_SERVER", "postgresql://postgres@127.0.0.1:5432/postgres")
URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/bench_stats"
)
MESSAGES = 1_000_000
TARGET_MS = 500
RUNS = 7

FILL = [
    """INSERT INTO conversations (id, status, profile, bot_paused, created_at, updated_at)
    SELECT 'bench-' || g, 'closed',
           json_build_object('application', (ARRAY['chorus', 'chorus_pro', 'chorus_formulaires'])
                             [1 + g % 3], 'ministry_code', 'MIN' || (g % 12)),
           false, now() - random() * interval '90 days', now()
    FROM generate_series(1, 100000) g""",
    """INSERT INTO messages (conversation_id, sender, text, buttons, delivery, entry_id,
                             entry_version, ask_rating, created_at)
    SELECT 'bench-' || (1 + g % 100000), CASE WHEN g % 2 = 0 THEN 'user' ELSE 'bot' END,
           'message ' || g, '[]', 'delivered',
           CASE WHEN g % 4 = 1 THEN 'fsd-creation' END, CASE WHEN g % 4 = 1 THEN 1 END, false,
           now() - random() * interval '90 days'
    FROM generate_series(1, 1000000) g""",
    """INSERT INTO unanswered_messages (conversation_id, text, reason, candidates, created_at)
    SELECT 'bench-' || (1 + g % 100000), 'question ' || (g % 500), 'not_understood', '[]',
           now() - random() * interval '90 days'
    FROM generate_series(1, 50000) g""",
    """INSERT INTO handoffs (conversation_id, category, status, offline, context, requested_at,
                             claimed_at, closed_at, outcome, stars)
    SELECT 'bench-' || g, 'support_chorus_pro', 'closed', false, '{}', t,
           t + interval '2 minutes', t + interval '12 minutes',
           (ARRAY['resolved', 'fsd_needed', 'redirected'])[1 + g % 3], 1 + g % 5
    FROM (SELECT g, now() - random() * interval '90 days' AS t
          FROM generate_series(1, 10000) g) AS h""",
    """INSERT INTO feedback (conversation_id, message_id, rating, entry_id, entry_version,
                             created_at, updated_at)
    SELECT m.conversation_id, m.id, CASE WHEN m.id % 3 = 0 THEN 'down' ELSE 'up' END,
           m.entry_id, 1, m.created_at, m.created_at
    FROM messages m WHERE m.entry_id IS NOT NULL AND m.id % 5 = 1""",
    "ANALYZE",
]


async def prepare() -> None:
    """Create, migrate and fill the database unless it holds the messages already."""
    server = await asyncpg.connect(SERVER)
    exists = await server.fetchval("SELECT 1 FROM pg_database WHERE datname = 'bench_stats'")
    if not exists:
        await server.execute("CREATE DATABASE bench_stats")
    await server.close()
    await asyncio.to_thread(migrate, URL)
    engine = create_engine(URL)
    async with engine.begin() as connection:
        count = await connection.scalar(text("SELECT count(*) FROM messages"))
    if count != MESSAGES:
        print(f"==> Filling {URL.rsplit('/', 1)[-1]} with {MESSAGES:,} messages (once)")
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "TRUNCATE conversations, messages, unanswered_messages, handoffs, feedback,"
                    " users, knowledge_entries CASCADE"
                )
            )
            for statement in FILL:
                await connection.execute(text(statement))
    await engine.dispose()
    await load_yaml(URL)


async def admin_token(client: httpx.AsyncClient) -> dict[str, str]:
    engine = create_engine(URL)
    async with create_session_factory(engine)() as session:
        await session.execute(text("DELETE FROM users WHERE username = 'bench-admin'"))
        await auth_service.create_user(
            db_session=session,
            username="bench-admin",
            password="bench-admin-password",
            roles=[Role.ADMIN],
        )
        await session.commit()
    await engine.dispose()
    response = await client.post(
        "/api/v1/auth/token",
        json={"username": "bench-admin", "password": "bench-admin-password"},
    )
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def _reset_rollup() -> None:
    """Forget the rolled-up hours, so that the first request measures the roll-up."""
    engine = create_engine(URL)
    async with engine.begin() as connection:
        await connection.execute(text("DELETE FROM activity_hours"))
        await connection.execute(text("DELETE FROM activity_rollup"))
    await engine.dispose()


SCENARIOS = [
    ("30 days, by day", {}),
    ("90 days, by day", {"days": 90}),
    ("90 days, by week", {"days": 90, "granularity": "week"}),
    ("90 days, one application", {"days": 90, "application": "chorus_pro"}),
    ("90 days, one ministry", {"days": 90, "ministry": "MIN3"}),
]


async def main() -> int:
    """Print p50 / max per scenario; exit 1 if a p50 misses the target."""
    await prepare()
    missed = False
    async with AsyncExitStack() as stack:
        app = create_app(Settings(app_env="test", database_url=URL))
        await stack.enter_async_context(app.router.lifespan_context(app))
        client = await stack.enter_async_context(
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench")
        )
        headers = await admin_token(client)
        today = time.strftime("%Y-%m-%d")
        await _reset_rollup()
        began = time.perf_counter()
        first = await client.get("/api/v1/admin/stats", headers=headers)
        assert first.status_code == 200, first.text
        cold_ms = (time.perf_counter() - began) * 1000
        print(f"\n{MESSAGES:,} messages in PostgreSQL; GET /api/v1/admin/stats, {RUNS} runs each\n")
        print(f"First request, rolling up the 90 days of hours once: {cold_ms:.0f} ms\n")
        print("| period | p50 | max | target |")
        print("|---|---|---|---|")
        for label, scenario in SCENARIOS:
            params = {k: v for k, v in scenario.items() if k != "days"}
            days = int(scenario.get("days", 30))
            start = time.strftime("%Y-%m-%d", time.localtime(time.time() - (days - 1) * 86400))
            params.update(start=start, end=today)
            timings = []
            for _ in range(RUNS):
                began = time.perf_counter()
                response = await client.get("/api/v1/admin/stats", params=params, headers=headers)
                timings.append((time.perf_counter() - began) * 1000)
                assert response.status_code == 200, response.text
            p50 = statistics.median(timings)
            ok = p50 <= TARGET_MS
            missed |= not ok
            print(
                f"| {label} | {p50:.0f} ms | {max(timings):.0f} ms | "
                f"≤ {TARGET_MS} ms {'met' if ok else 'MISSED'} |"
            )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
