"""The external FSD system: it reads a handoff's context with its API key, pushes ticket status
changes that reach the user; FSDs can be sent to it over HTTP instead of the embedded desk."""

import threading
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from api.auth.models import Role
from api.conversations import service as conversations
from api.core.db import create_engine, create_session_factory
from api.fsd import flows
from api.fsd.desk import EmbeddedDesk
from api.fsd.schemas import BotFsdRequest
from tests.api.conftest import ClientFactory, staff_headers
from tests.api.fsd.conftest import FSD, SYSTEM_KEY, SmtpServer
from tests.api.handoff.test_livechat import hand_off
from tests.stack import free_port
from tests.tokens import cca_identity

SYSTEM = {"X-API-Key": SYSTEM_KEY}
FORM_FSD = BotFsdRequest(
    title=FSD["title"],
    description=FSD["description"],
    severity=FSD["severity"],
    impact=FSD["impact"],
    users_blocked=FSD["users_blocked"],
    email="camille.martin@min06.gouv.fr",
)


async def open_from_form(database_url: str, conversation_id: str) -> int:
    """Open the FSD the bot's form would open in this conversation; return its number."""
    engine = create_engine(database_url)
    async with create_session_factory(engine)() as session:
        conversation = await conversations.get_or_raise(
            db_session=session, conversation_id=conversation_id
        )
        [answer] = await flows.open_from_bot(
            db_session=session, desk=EmbeddedDesk(), conversation=conversation, request=FORM_FSD
        )
        await session.commit()
    await engine.dispose()
    return int((answer.text or "").split("n° ")[1].split(" ")[0])


class ExternalDesk:
    """A stand-in for the external service desk: stores the tickets it receives."""

    def __init__(self) -> None:
        self.tickets: list[tuple[dict[str, Any], str | None]] = []
        self.port = free_port()

    async def create(self, request: Request) -> JSONResponse:
        self.tickets.append((await request.json(), request.headers.get("x-api-key")))
        return JSONResponse({"id": f"SD-2026-{len(self.tickets):05d}"}, status_code=201)


@pytest.fixture
def external_desk() -> Iterator[ExternalDesk]:
    desk = ExternalDesk()
    app = Starlette(routes=[Route("/tickets", desk.create, methods=["POST"])])
    server = uvicorn.Server(uvicorn.Config(app, port=desk.port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        threading.Event().wait(0.05)
    yield desk
    server.should_exit = True
    thread.join(timeout=10)


@pytest.mark.parametrize("headers", [{}, {"X-API-Key": "mauvaise-cle"}])
async def test_the_fsd_system_needs_its_key(
    chat_desk: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    for response in (
        await chat_desk.get("/api/v1/integration/handoffs/1", headers=headers),
        await chat_desk.post(
            "/api/v1/integration/tickets/1/status", json={"status": "clos"}, headers=headers
        ),
    ):
        assert response.status_code == 401
        assert response.json()["message"] == "Clé d'API absente ou invalide."


async def test_without_a_configured_key_the_integration_is_closed(
    make_client: ClientFactory, unused_url: str
) -> None:
    client = await make_client(rasa_url=unused_url, action_server_url=unused_url)
    response = await client.get("/api/v1/integration/handoffs/1", headers={"X-API-Key": ""})
    assert response.status_code == 401


async def test_the_fsd_system_reads_a_handoffs_context_and_transcript(
    chat_desk: httpx.AsyncClient, database_url: str
) -> None:
    conversation = uuid.uuid4().hex
    await hand_off(chat_desk, conversation)
    advisor = await staff_headers(chat_desk, database_url, username="c-int", role=Role.ADVISOR)
    [entry] = (await chat_desk.get("/api/v1/console/queue", headers=advisor)).json()

    response = await chat_desk.get(f"/api/v1/integration/handoffs/{entry['id']}", headers=SYSTEM)

    assert response.status_code == 200
    detail = response.json()
    assert detail["conversation_id"] == conversation
    assert detail["context"]["trigger"] == "user_request"
    assert detail["messages"][0]["text"] == "je voudrais parler à un conseiller"
    missing = await chat_desk.get("/api/v1/integration/handoffs/999999", headers=SYSTEM)
    assert missing.status_code == 404


async def test_a_ticket_status_change_reaches_the_conversation_and_the_mailbox(
    chat_desk: httpx.AsyncClient, smtp: SmtpServer, database_url: str
) -> None:
    conversation = uuid.uuid4().hex
    await chat_desk.post(
        f"/api/v1/conversations/{conversation}/messages",
        json={"text": "bonjour", "identity_token": cca_identity()},
    )
    number = await open_from_form(database_url, conversation)

    response = await chat_desk.post(
        f"/api/v1/integration/tickets/{number}/status",
        json={"status": "proposition_de_solution", "comment": "Relancez le workflow."},
        headers=SYSTEM,
    )

    assert response.status_code == 200
    assert response.json()["status_label"] == "proposition de solution"
    transcript = (await chat_desk.get(f"/api/v1/conversations/{conversation}")).json()
    assert transcript["messages"][-1]["text"] == (
        f"Votre fiche service desk n° {number} « {FSD['title']} » est passée au statut "
        "« proposition de solution ». Commentaire du support : Relancez le workflow."
    )
    mails = await smtp.inbox.wait_for(2)
    assert mails[1]["Subject"].endswith(": proposition de solution")
    unknown = await chat_desk.post(
        "/api/v1/integration/tickets/SD-inconnu/status", json={"status": "clos"}, headers=SYSTEM
    )
    assert unknown.status_code == 404 and unknown.json()["message"] == "Ce ticket est inconnu."


async def test_with_an_external_desk_the_fsd_is_sent_there_and_its_reference_kept(
    make_client: ClientFactory,
    unused_url: str,
    smtp: SmtpServer,
    database_url: str,
    external_desk: ExternalDesk,
) -> None:
    client = await make_client(
        rasa_url=unused_url,
        action_server_url=unused_url,
        smtp_port=smtp.port,
        fsd_desk_url=f"http://127.0.0.1:{external_desk.port}",
        fsd_desk_api_key="cle-envoyee-au-desk",
        fsd_system_api_key=SYSTEM_KEY,
    )
    cca = await staff_headers(client, database_url, username="cca-ext", role=Role.CCA)

    created = await client.post("/api/v1/fsd", json=FSD, headers=cca)

    assert created.status_code == 201
    assert created.json()["external_ref"] == "SD-2026-00001"
    [(ticket, key)] = external_desk.tickets
    assert key == "cle-envoyee-au-desk"
    assert ticket["title"] == FSD["title"] and ticket["priority"] == "haute"
    pushed = await client.post(
        "/api/v1/integration/tickets/SD-2026-00001/status",
        json={"status": "en_cours_de_traitement"},
        headers=SYSTEM,
    )
    assert pushed.status_code == 200
    assert pushed.json()["fsd_number"] == created.json()["number"]


async def test_when_the_external_desk_is_down_nothing_half_done_is_kept(
    make_client: ClientFactory, unused_url: str, smtp: SmtpServer, database_url: str
) -> None:
    client = await make_client(
        rasa_url=unused_url,
        action_server_url=unused_url,
        smtp_port=smtp.port,
        fsd_desk_url=unused_url,
    )
    cca = await staff_headers(client, database_url, username="cca-down", role=Role.CCA)

    refused = await client.post("/api/v1/fsd", json=FSD, headers=cca)

    assert refused.status_code == 503
    assert refused.json()["message"].startswith("Le service desk ne répond pas")
    assert (await client.get("/api/v1/fsd", headers=cca)).json() == []


async def test_a_ticket_opened_from_a_handoff_reaches_its_user_in_the_widget_and_by_mail(
    chat_desk: httpx.AsyncClient, database_url: str, smtp: SmtpServer
) -> None:
    conversation = uuid.uuid4().hex
    await chat_desk.post(
        f"/api/v1/conversations/{conversation}/messages",
        json={
            "text": "bonjour",
            "identity_token": cca_identity(role="utilisateur", email="agent@min06.gouv.fr"),
        },
    )
    await hand_off(chat_desk, conversation)
    advisor = await staff_headers(chat_desk, database_url, username="c-tk", role=Role.ADVISOR)
    [entry] = (await chat_desk.get("/api/v1/console/queue", headers=advisor)).json()

    response = await chat_desk.post(
        "/api/v1/integration/tickets/SD-2026-00077/status",
        json={
            "status": "action_correspondant",
            "comment": "Précisez le SIRET.",
            "handoff_id": entry["id"],
        },
        headers=SYSTEM,
    )

    assert response.status_code == 200
    assert response.json()["conversation_id"] == conversation
    assert response.json()["fsd_number"] is None
    transcript = (await chat_desk.get(f"/api/v1/conversations/{conversation}")).json()
    assert transcript["messages"][-1]["text"] == (
        "Votre demande (ticket SD-2026-00077) est passée au statut « action correspondant ». "
        "Commentaire du support : Précisez le SIRET."
    )
    [mail] = await smtp.inbox.wait_for(1)
    assert mail["To"] == "agent@min06.gouv.fr"
    assert mail["Subject"] == "Suivi de votre demande au support"
