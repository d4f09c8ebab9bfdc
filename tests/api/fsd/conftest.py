"""A real SMTP server (aiosmtpd) and a desk client with CCA, SN1 and SN2 accounts."""

import asyncio
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import Message
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller

from api.auth.models import Role
from tests.api.conftest import ClientFactory, staff_headers
from tests.stack import free_port


class Inbox:
    """What the SMTP server received."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    async def wait_for(self, count: int, timeout: float = 10.0) -> list[Message]:
        """Wait until `count` mails arrived."""
        async with asyncio.timeout(timeout):
            while len(self.messages) < count:  # noqa: ASYNC110 (aiosmtpd runs in its own thread)
                await asyncio.sleep(0.05)
        return self.messages


class SmtpServer:
    """An aiosmtpd server on a loopback port, which can be stopped and started again."""

    def __init__(self) -> None:
        self.port = free_port()
        self.inbox = Inbox()
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def desk(make_client: ClientFactory, unused_url: str, smtp: SmtpServer) -> httpx.AsyncClient:
    """An API client whose outbox sends to the test SMTP server (no Rasa needed)."""
    return await make_client(
        rasa_url=unused_url,
        action_server_url=unused_url,
        smtp_port=smtp.port,
        outbox_poll_seconds=0.2,
    )


SYSTEM_KEY = "cle-du-service-desk-0123456789abcdef"


@pytest.fixture
async def chat_desk(make_client: ClientFactory, stack: Any, smtp: SmtpServer) -> httpx.AsyncClient:
    """An API client wired to the running bot, the test SMTP server and an FSD system key."""
    return await make_client(
        rasa_url=stack.rasa_url,
        action_server_url=stack.actions_url,
        smtp_port=smtp.port,
        outbox_poll_seconds=0.2,
        fsd_system_api_key=SYSTEM_KEY,
    )


@pytest.fixture
async def accounts(desk: httpx.AsyncClient, database_url: str) -> dict[str, dict[str, str]]:
    """Authorization headers of two CCA, one SN1, one SN2 and one advisor."""
    roles = {
        "cca": Role.CCA,
        "cca2": Role.CCA,
        "sn1": Role.SN1,
        "sn2": Role.SN2,
        "advisor": Role.ADVISOR,
    }
    return {
        name: await staff_headers(desk, database_url, username=f"{name}-user", role=role)
        for name, role in roles.items()
    }


FSD = {
    "title": "Facture bloquée au service fait",
    "description": "La facture 2026-001 reste au statut à traiter depuis 10 jours.",
    "application": "chorus",
    "domain": "service_fait",
    "subcategory": "Outil - Service fait",
    "severity": 2,
    "impact": 3,
    "users_blocked": 4,
    "initiator_email": "cca@min06.gouv.fr",
    "ministry_code": "min06",
}
