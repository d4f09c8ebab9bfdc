"""The knowledge editor's API: every change is a version with who, when and what changed; an
older version can be restored; a retired entry can be put back; changes are audited."""

import asyncio
from typing import Any

import httpx
import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import text

from api.auth.models import Role
from api.core.db import create_engine
from tests.api.conftest import TokenFactory, editable
from tests.stack import ROOT

ENTRY = "/api/v1/admin/kb/entries/fsd-limite-pieces"


async def entry(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, Any]:
    response = await client.get(
        "/api/v1/admin/kb/entries",
        params={"q": "fsd", "include_retired": True},
        headers=headers,
    )
    return next(e for e in response.json() if e["id"] == "fsd-limite-pieces")


async def test_an_edit_is_a_version_with_its_author_and_changes_and_can_be_restored(
    kb_client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    before = await entry(kb_client, admin_headers)
    edited = editable(
        before,
        answer="Vingt pièces au plus par FSD.",
        keywords=[*before["keywords"], "plafond"],
    )

    saved = await kb_client.put(ENTRY, json=edited, headers=admin_headers)

    assert saved.status_code == 200, saved.text
    assert saved.json()["version"] == before["version"] + 1
    history = (await kb_client.get(f"{ENTRY}/history", headers=admin_headers)).json()
    newest, loaded = history[0], history[-1]
    assert (newest["action"], newest["actor"]) == ("update", "admin-1")
    changes = {c["field"]: c for c in newest["changes"]}
    assert set(changes) == {"answer", "keywords"}
    assert changes["answer"]["before"] == before["answer"]
    assert changes["answer"]["after"] == "Vingt pièces au plus par FSD."
    assert changes["keywords"]["added"] == ["plafond"]
    assert (loaded["action"], loaded["actor"]) == ("yaml", "yaml")

    restored = await kb_client.post(
        f"{ENTRY}/versions/{loaded['id']}/restore", headers=admin_headers
    )

    assert restored.status_code == 200, restored.text
    assert restored.json()["answer"] == before["answer"]
    assert restored.json()["version"] == before["version"] + 2
    history = (await kb_client.get(f"{ENTRY}/history", headers=admin_headers)).json()
    assert history[0]["action"] == "restore"
    audit = (await kb_client.get("/api/v1/admin/review/audit", headers=admin_headers)).json()
    assert [e["action"] for e in audit] == ["knowledge.restore", "knowledge.update"]


async def test_a_retired_entry_stops_answering_and_answers_again_once_put_back(
    kb_client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    question = {"text": "nombre maximum de pièces par FSD"}
    assert (await kb_client.post("/api/v1/kb/search", json=question)).json()["answer"]

    assert (await kb_client.delete(ENTRY, headers=admin_headers)).status_code == 200
    retired = await kb_client.get(ENTRY, headers=admin_headers)
    assert (retired.status_code, retired.json()["retired"]) == (200, True)
    assert (await kb_client.get("/api/v1/kb/entries/fsd-limite-pieces")).status_code == 404
    found = (await kb_client.post("/api/v1/kb/search", json=question)).json()
    assert (found["answer"] or {}).get("entry_id") != "fsd-limite-pieces"

    back = await kb_client.post(f"{ENTRY}/reactivate", headers=admin_headers)

    assert back.status_code == 200
    assert back.json()["retired"] is False
    found = (await kb_client.post("/api/v1/kb/search", json=question)).json()
    assert found["answer"]["entry_id"] == "fsd-limite-pieces"
    again = await kb_client.post(f"{ENTRY}/reactivate", headers=admin_headers)
    assert again.status_code == 409
    assert again.json()["message"] == "Cette fiche est déjà active."


async def test_unknown_entries_and_versions_get_a_404_in_french(
    kb_client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    missing = await kb_client.get("/api/v1/admin/kb/entries/nope/history", headers=admin_headers)
    assert missing.status_code == 404
    assert missing.json()["message"] == "Cette réponse n'existe pas."
    version = await kb_client.post(f"{ENTRY}/versions/999999/restore", headers=admin_headers)
    assert version.status_code == 404
    assert version.json()["message"] == "Cette version de la fiche n'existe pas."
    bad_id = await kb_client.post(f"{ENTRY}/versions/abc/restore", headers=admin_headers)
    assert bad_id.status_code == 422


@pytest.mark.parametrize("role", [Role.ADVISOR, Role.CCA])
async def test_only_admins_read_history_or_restore(
    kb_client: httpx.AsyncClient, token_for: TokenFactory, role: Role
) -> None:
    headers = {"Authorization": f"Bearer {await token_for(role)}"}
    assert (await kb_client.get(f"{ENTRY}/history", headers=headers)).status_code == 403
    assert (await kb_client.post(f"{ENTRY}/reactivate", headers=headers)).status_code == 403
    assert (await kb_client.get(f"{ENTRY}/history")).status_code == 401


async def test_the_migration_gives_existing_entries_their_first_version(
    tmp_path: Any,
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    config = Config(str(ROOT / "alembic.ini"))
    config.attributes["database_url"] = url
    config.attributes["configure_logger"] = False
    # Alembic's env.py runs its own event loop: in a thread.
    await asyncio.to_thread(command.upgrade, config, "92b4810863e7")
    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO knowledge_entries (id, application, domain, title, answer, keywords,"
                " buttons, proposes_fsd, overview, kind, version, retired, source, created_at,"
                " updated_at) VALUES ('e-1', 'chorus', 'fsd', 'Titre', 'Réponse', '[\"mot\"]',"
                " '[]', 0, 0, 'knowledge', 3, 0, 'admin', '2026-01-01', '2026-01-01')"
            )
        )
        await connection.execute(
            text(
                "INSERT INTO knowledge_texts (entry_id, text, is_error_message, source,"
                " created_at) VALUES ('e-1', 'Erreur {x}', 1, 'admin', '2026-01-01')"
            )
        )
    await engine.dispose()

    await asyncio.to_thread(command.upgrade, config, "head")

    engine = create_engine(url)
    async with engine.connect() as connection:
        row = (
            await connection.execute(
                text("SELECT version, action, snapshot FROM knowledge_entry_versions")
            )
        ).one()
    await engine.dispose()
    assert row[0] == 3 and row[1] == "import"
    assert '"error_messages": ["Erreur {x}"]' in row[2]
    assert '"keywords": ["mot"]' in row[2]
