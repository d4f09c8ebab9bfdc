"""FSD emails go through an outbox: none is lost while the SMTP server is down."""

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from api.auth.models import Role
from api.core.db import as_utc, create_engine, create_session_factory, utcnow
from api.notifications.models import OutboxEmail
from api.notifications.service import SmtpMailer, enqueue, retry_delay, send_due
from tests.api.conftest import ClientFactory, staff_headers
from tests.api.fsd.conftest import FSD, SmtpServer


async def outbox(database_url: str) -> list[OutboxEmail]:
    engine = create_engine(database_url)
    async with create_session_factory(engine)() as session:
        mails = list(await session.scalars(select(OutboxEmail).order_by(OutboxEmail.id)))
    await engine.dispose()
    return mails


async def test_a_mail_waits_while_the_server_is_down_and_leaves_when_it_is_back(
    make_client: ClientFactory, unused_url: str, smtp: SmtpServer, database_url: str
) -> None:
    desk = await make_client(
        rasa_url=unused_url,
        action_server_url=unused_url,
        smtp_port=smtp.port,
        outbox_poll_seconds=3600,  # only the wake-up after the commit runs the worker
    )
    cca = await staff_headers(desk, database_url, username="cca-o", role=Role.CCA)
    smtp.stop()

    created = await desk.post("/api/v1/fsd", json=FSD, headers=cca)

    assert created.status_code == 201  # the FSD is saved although no mail could leave
    for _ in range(100):
        [mail] = await outbox(database_url)
        if mail.attempts:
            break
        await asyncio.sleep(0.05)
    assert mail.sent_at is None and mail.attempts == 1
    assert "Connect" in (mail.last_error or "") or "refused" in (mail.last_error or "")
    assert as_utc(mail.next_attempt_at) > utcnow()

    smtp.start()
    engine = create_engine(database_url)
    mailer = SmtpMailer(host="127.0.0.1", port=smtp.port, sender="assistant@localhost")
    sessions = create_session_factory(engine)
    assert await send_due(sessions=sessions, mailer=mailer) == (0, 0)  # not due yet
    later = as_utc(mail.next_attempt_at) + timedelta(seconds=1)
    assert await send_due(sessions=sessions, mailer=mailer, now=later) == (1, 0)
    await engine.dispose()

    [received] = await smtp.inbox.wait_for(1)
    assert received["Subject"].endswith(": nouveau")
    [mail] = await outbox(database_url)
    assert mail.sent_at is not None and mail.attempts == 2 and mail.last_error is None


def test_retries_wait_longer_each_time_up_to_a_quarter_of_an_hour() -> None:
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3, 4)] == [5, 10, 20, 40]
    assert retry_delay(30).total_seconds() == 15 * 60


async def test_two_api_processes_send_each_mail_once(database_url: str, smtp: SmtpServer) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("several API processes share PostgreSQL (run by make test's PostgreSQL suite)")
    engines = [create_engine(database_url) for _ in range(2)]
    sessions = [create_session_factory(engine) for engine in engines]
    async with sessions[0]() as db_session:
        for number in range(12):
            await enqueue(
                db_session=db_session,
                recipient=f"cca{number}@min06.gouv.fr",
                subject=f"Fiche service desk n° {number} : nouveau",
                body="Bonjour",
            )
        await db_session.commit()
    mailer = SmtpMailer(host="127.0.0.1", port=smtp.port, sender="assistant@localhost")

    results = await asyncio.gather(*(send_due(sessions=s, mailer=mailer) for s in sessions))

    assert sum(sent for sent, _ in results) == 12
    received = await smtp.inbox.wait_for(12)
    await asyncio.sleep(0.5)
    assert sorted(m["To"] for m in received) == sorted(f"cca{n}@min06.gouv.fr" for n in range(12))
    for engine in engines:
        await engine.dispose()
