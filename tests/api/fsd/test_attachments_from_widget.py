"""Files the widget joins to the FSD its conversation opened: the conversation's token proves
the right, the content (not the name) decides the type, a retried upload joins nothing twice,
and the desk finds the file on the FSD."""

import struct
import uuid
import zlib
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from api.conversations import service as conversations
from api.core.db import create_engine, create_session_factory
from api.fsd import flows, service
from api.fsd.desk import EmbeddedDesk
from api.fsd.models import Fsd, FsdStatus
from api.fsd.schemas import BotFsdRequest
from tests.api.conftest import ClientFactory
from tests.tokens import HEADER, cca_identity

REQUEST = BotFsdRequest(
    title="Centre financier refusé",
    description="Le CF 0123-TEST est refusé à la création de l'EJ depuis ce matin.",
    severity=2,
    impact=3,
    users_blocked=4,
)
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
MAX_BYTES = 64 * 1024


def png(width: int = 4, height: int = 3) -> bytes:
    """A real (tiny, grey) PNG image."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@dataclass
class Opened:
    """A conversation of the widget and the FSD it opened."""

    client: httpx.AsyncClient
    conversation_id: str
    number: int

    @property
    def path(self) -> str:
        return f"/api/v1/conversations/{self.conversation_id}/fsd/{self.number}/attachments"

    async def join(self, name: str, data: bytes, **kwargs: Any) -> httpx.Response:
        return await self.client.post(self.path, files={"file": (name, data)}, **kwargs)


async def _in_db(database_url: str, conversation_id: str, close: bool = False) -> int:
    """Open the FSD from the conversation as the bot's confirmed form does; its number."""
    engine = create_engine(database_url)
    async with create_session_factory(engine)() as db_session:
        conversation = await conversations.get_or_raise(
            db_session=db_session, conversation_id=conversation_id
        )
        [said] = await flows.open_from_bot(
            db_session=db_session, desk=EmbeddedDesk(), conversation=conversation, request=REQUEST
        )
        assert said.fsd_number is not None, said.text
        if close:
            await _close(db_session, said.fsd_number)
        await db_session.commit()
    await engine.dispose()
    return said.fsd_number


async def _close(db_session: AsyncSession, number: int) -> None:
    fsd = await db_session.get(Fsd, number)
    assert fsd is not None
    await service.record_external_status(
        db_session=db_session, fsd=fsd, status=FsdStatus.CLOS, comment="Résolu"
    )


async def open_in_widget(
    client: httpx.AsyncClient, database_url: str, close: bool = False
) -> Opened:
    """A CCA's conversation (its first message stored, Rasa down) and the FSD it opened."""
    conversation_id = uuid.uuid4().hex
    first = await client.post(
        f"/api/v1/conversations/{conversation_id}/messages",
        json={"text": "Centre financier 0123-TEST inexistant", "identity_token": cca_identity()},
    )
    assert first.status_code == 503 and first.json()["conversation_token"]
    number = await _in_db(database_url, conversation_id, close=close)
    return Opened(client, conversation_id, number)


@pytest.fixture
async def widget(make_client: ClientFactory, unused_url: str) -> httpx.AsyncClient:
    return await make_client(
        rasa_url=unused_url, action_server_url=unused_url, fsd_max_attachment_bytes=MAX_BYTES
    )


async def test_a_screenshot_joins_the_fsd_and_the_desk_sees_it(
    widget: httpx.AsyncClient, database_url: str, accounts: dict[str, dict[str, str]]
) -> None:
    opened = await open_in_widget(widget, database_url)
    image = png()

    joined = await opened.join("capture écran.png", image)
    pdf = await opened.join("export.pdf", PDF)

    assert joined.status_code == 201, joined.text
    assert joined.json()["kind"] == "screenshot"
    assert joined.json()["content_type"] == "image/png"
    assert pdf.json()["kind"] == "file"
    listed = await opened.client.get(opened.path)
    assert [a["filename"] for a in listed.json()] == ["capture écran.png", "export.pdf"]
    # The desk (SN1) finds the file on the FSD, in its history and as it was sent.
    seen = (await widget.get(f"/api/v1/fsd/{opened.number}", headers=accounts["sn1"])).json()
    assert [a["filename"] for a in seen["attachments"]] == ["capture écran.png", "export.pdf"]
    assert any(e["comment"] == "Pièce jointe : capture écran.png" for e in seen["history"])
    download = await widget.get(
        f"/api/v1/fsd/{opened.number}/attachments/{joined.json()['id']}", headers=accounts["sn1"]
    )
    assert download.content == image


async def test_a_retried_upload_joins_the_file_once(
    widget: httpx.AsyncClient, database_url: str
) -> None:
    opened = await open_in_widget(widget, database_url)

    first = await opened.join("capture.png", png())
    again = await opened.join("capture.png", png())

    assert again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert len((await opened.client.get(opened.path)).json()) == 1


@pytest.mark.parametrize(
    ("name", "data", "status", "message"),
    [
        ("capture.png", b"<script>alert(1)</script>", 422, "Ce type de fichier n'est pas accepté"),
        ("rapport.exe", b"MZ\x90\x00" + bytes(200), 422, "Ce type de fichier n'est pas accepté"),
        ("vide.png", b"", 422, "Le fichier est vide."),
        ("grande.png", b"\x89PNG\r\n\x1a\n" + bytes(MAX_BYTES), 413, "maximale (64 Ko)."),
        ("enorme.png", b"\x89PNG\r\n\x1a\n" + bytes(4 * MAX_BYTES), 413, "taille maximale."),
    ],
    ids=["text-named-png", "executable", "empty", "too-large", "beyond-the-body-limit"],
)
async def test_a_refused_file_gets_a_french_reason_and_joins_nothing(
    widget: httpx.AsyncClient,
    database_url: str,
    name: str,
    data: bytes,
    status: int,
    message: str,
) -> None:
    opened = await open_in_widget(widget, database_url)

    refused = await opened.join(name, data)

    assert refused.status_code == status, refused.text
    assert message in refused.json()["message"]
    assert (await opened.client.get(opened.path)).json() == []


async def test_only_the_conversation_that_opened_the_fsd_joins_files_to_it(
    widget: httpx.AsyncClient, database_url: str
) -> None:
    mine = await open_in_widget(widget, database_url)
    other = await open_in_widget(widget, database_url)

    no_token = await mine.join("capture.png", png(), headers={HEADER: ""})
    wrong_token = await mine.join(
        "capture.png",
        png(),
        headers={HEADER: other.client.conversation_tokens.tokens[other.conversation_id]},  # type: ignore[attr-defined]
    )
    # The other conversation's own token, aimed at this conversation's FSD number.
    elsewhere = await other.client.post(
        f"/api/v1/conversations/{other.conversation_id}/fsd/{mine.number}/attachments",
        files={"file": ("capture.png", png())},
    )

    assert no_token.status_code == 401
    assert wrong_token.status_code == 403
    assert elsewhere.status_code == 404
    assert elsewhere.json()["message"] == (
        f"La fiche n° {mine.number} n'a pas été ouverte dans cette conversation."
    )
    assert (await mine.client.get(mine.path)).json() == []


async def test_a_closed_fsd_takes_no_more_files(
    widget: httpx.AsyncClient, database_url: str
) -> None:
    opened = await open_in_widget(widget, database_url, close=True)

    refused = await opened.join("capture.png", png())

    assert refused.status_code == 409
    assert refused.json()["message"] == "Cette fiche est close."
