"""Where FSDs live: the embedded desk (this database) or an external service desk over HTTP.

Both keep a local record (number, status, history, transcript) so that the conversation can
give the status and the initiator gets the emails; the HTTP desk also sends the ticket to the
external service desk and stores its reference, which the external system's status changes
name (POST /api/v1/integration/tickets/{ref}/status).
"""

from typing import Protocol

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from api.core.errors import UpstreamUnavailableError
from api.fsd import service
from api.fsd.models import Fsd
from api.fsd.service import NewFsd

DESK_DOWN = (
    "Le service desk ne répond pas : la fiche n'a pas pu être transmise. Merci de réessayer "
    "dans quelques instants."
)


class FsdDesk(Protocol):
    """Opens FSDs."""

    async def open(self, *, db_session: AsyncSession, new: NewFsd) -> Fsd:
        """Open the FSD and return its local record."""
        ...


class EmbeddedDesk:
    """The desk of this application (default)."""

    async def open(self, *, db_session: AsyncSession, new: NewFsd) -> Fsd:
        """Open the FSD in this database."""
        return await service.create(db_session=db_session, new=new)


class HttpDesk:
    """An external service desk: POST {url}/tickets with an API key, answer {"id": ...}."""

    def __init__(self, *, url: str, api_key: str, timeout_seconds: float = 10.0) -> None:
        self._url = url.rstrip("/")
        self._headers = {"X-API-Key": api_key}
        self._timeout = timeout_seconds

    async def open(self, *, db_session: AsyncSession, new: NewFsd) -> Fsd:
        """Record the FSD here, send it to the external desk, keep its reference."""
        savepoint = await db_session.begin_nested()
        fsd = await service.create(db_session=db_session, new=new)
        ticket = {
            **service.read(fsd).model_dump(mode="json", exclude={"attachments", "history"}),
            "context": fsd.context,
        }
        try:
            async with httpx.AsyncClient(timeout=self._timeout) as client:
                response = await client.post(
                    f"{self._url}/tickets", json=ticket, headers=self._headers
                )
            response.raise_for_status()
            fsd.external_ref = str(response.json()["id"])[:100]
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
            await savepoint.rollback()  # nothing of this FSD is kept, the rest of the turn is
            raise UpstreamUnavailableError(f"external desk failed: {exc}", DESK_DOWN) from exc
        await savepoint.commit()
        return fsd


def desk_from(*, url: str | None, api_key: str | None) -> FsdDesk:
    """The external desk when its URL is configured, else the embedded one."""
    if url:
        return HttpDesk(url=url, api_key=api_key or "")
    return EmbeddedDesk()
