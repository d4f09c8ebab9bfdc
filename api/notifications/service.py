"""The email outbox: store a mail in the transaction that causes it, send it afterwards.

A worker sends what is due over SMTP (aiosmtplib); a failure is kept with its error and retried
later, with a growing delay, until the server accepts the mail: none is lost while it is down.
"""

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta
from email.message import EmailMessage

import aiosmtplib
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.core.db import utcnow
from api.notifications.models import OutboxEmail

logger = logging.getLogger("api.notifications")
FIRST_RETRY_SECONDS = 5
MAX_RETRY_SECONDS = 15 * 60
BATCH = 20


async def enqueue(
    *, db_session: AsyncSession, recipient: str, subject: str, body: str
) -> OutboxEmail:
    """Put a mail in the outbox (sent once the transaction is committed and the worker runs)."""
    mail = OutboxEmail(recipient=recipient, subject=subject, body=body)
    db_session.add(mail)
    await db_session.flush()
    return mail


def retry_delay(attempts: int) -> timedelta:
    """How long to wait before the next try: 5 s, 10 s, 20 s... up to 15 minutes."""
    return timedelta(
        seconds=min(FIRST_RETRY_SECONDS * 2 ** max(attempts - 1, 0), MAX_RETRY_SECONDS)
    )


class SmtpMailer:
    """Sends a mail to an SMTP server."""

    def __init__(
        self,
        *,
        host: str,
        port: int,
        sender: str,
        username: str | None = None,
        password: str | None = None,
        starttls: bool = False,
        timeout_seconds: float = 10.0,
    ) -> None:
        self.host, self.port, self.sender = host, port, sender
        self._username, self._password = username, password
        self._starttls, self._timeout = starttls, timeout_seconds

    async def send(self, mail: OutboxEmail) -> None:
        """Send the mail; raise on any failure."""
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = mail.recipient
        message["Subject"] = mail.subject
        message["Message-ID"] = f"<outbox-{mail.id}@assistant-chorus>"
        message.set_content(mail.body)
        await aiosmtplib.send(
            message,
            hostname=self.host,
            port=self.port,
            username=self._username,
            password=self._password,
            start_tls=self._starttls,
            timeout=self._timeout,
        )


async def _next_due(db_session: AsyncSession, now: datetime) -> OutboxEmail | None:
    """The oldest due mail, locked so that another API process skips it (PostgreSQL)."""
    query = (
        select(OutboxEmail)
        .where(OutboxEmail.sent_at.is_(None), OutboxEmail.next_attempt_at <= now)
        .order_by(OutboxEmail.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    return (await db_session.scalars(query)).one_or_none()


async def send_due(
    *, sessions: async_sessionmaker[AsyncSession], mailer: SmtpMailer, now: datetime | None = None
) -> tuple[int, int]:
    """Send the mails that are due, one per transaction; return how many were sent and failed."""
    now = now or utcnow()
    sent = failed = 0
    async with sessions() as db_session:
        while sent + failed < BATCH and (mail := await _next_due(db_session, now)) is not None:
            mail.attempts += 1
            try:
                await mailer.send(mail)
            except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
                failed += 1
                mail.last_error = f"{type(exc).__name__}: {exc}"[:2000]
                mail.next_attempt_at = now + retry_delay(mail.attempts)
                logger.warning("mail %s to %s not sent: %s", mail.id, mail.recipient, exc)
            else:
                sent += 1
                mail.sent_at = utcnow()
                mail.last_error = None
            await db_session.commit()  # releases the lock: each mail is its own transaction
    return sent, failed


class OutboxWorker:
    """Sends the outbox in the background: at once when woken, else every `poll_seconds`."""

    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        mailer: SmtpMailer,
        poll_seconds: float,
    ) -> None:
        self._sessions, self._mailer, self._poll = sessions, mailer, poll_seconds
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        """Send what is due now (a mail was just committed)."""
        self._wake.set()

    async def start(self) -> None:
        """Start the background loop."""
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._poll):
                    await self._wake.wait()
            self._wake.clear()
            try:
                await send_due(sessions=self._sessions, mailer=self._mailer)
            except Exception:  # the worker must outlive a database hiccup
                logger.exception("outbox run failed")

    async def aclose(self) -> None:
        """Stop the background loop."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
