"""The admin API: authenticated, and every change takes effect on the next match."""

import httpx
import pytest

from api.auth.models import Role
from tests.api.conftest import ClientFactory, TokenFactory

NEW_ENTRY = {
    "id": "rnf-titre-deja-encaisse",
    "application": "chorus",
    "domain": "rnf_tiers_restitutions",
    "title": "Titre de recette déjà encaissé",
    "error_messages": ["Titre de recette {piece} déjà encaissé"],
    "reformulations": [],
    "answer": "Ce titre a déjà été encaissé : adressez-vous à votre CCA.",
}
UNKNOWN_PASTE = "Titre de recette 2024-000321 déjà encaissé"


async def matched(client: httpx.AsyncClient, text: str) -> str | None:
    body = (await client.post("/api/v1/kb/match", json={"text": text})).json()
    return body["match"]["entry_id"] if body["match"] else None


async def test_without_a_token_the_admin_api_is_refused(kb_client: httpx.AsyncClient) -> None:
    response = await kb_client.get("/api/v1/admin/kb/entries")

    assert response.status_code == 401
    assert response.json()["message"] == "Vous devez vous identifier."


async def test_a_forged_token_is_refused(kb_client: httpx.AsyncClient) -> None:
    response = await kb_client.get(
        "/api/v1/admin/kb/entries", headers={"Authorization": "Bearer eyJ1aWQiOjF9.forged.sig"}
    )

    assert response.status_code == 401


async def test_an_advisor_is_not_an_admin(
    kb_client: httpx.AsyncClient, token_for: TokenFactory
) -> None:
    token = await token_for(Role.ADVISOR)

    response = await kb_client.get(
        "/api/v1/admin/kb/entries", headers={"Authorization": f"Bearer {token}"}
    )

    assert response.status_code == 403
    assert response.json()["message"] == "Vous n'avez pas les droits nécessaires."


async def test_a_wrong_password_gets_no_token(
    kb_client: httpx.AsyncClient, token_for: TokenFactory
) -> None:
    await token_for(Role.ADMIN)

    response = await kb_client.post(
        "/api/v1/auth/token", json={"username": "admin-1", "password": "nope"}
    )

    assert response.status_code == 401
    assert response.json()["message"] == "Identifiant ou mot de passe incorrect."


async def test_a_created_entry_matches_on_the_next_request(
    kb_client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    assert await matched(kb_client, UNKNOWN_PASTE) is None

    response = await kb_client.post(
        "/api/v1/admin/kb/entries", json=NEW_ENTRY, headers=admin_headers
    )

    assert response.status_code == 201
    assert response.json()["version"] == 1
    assert response.json()["source"] == "admin"
    assert await matched(kb_client, UNKNOWN_PASTE) == "rnf-titre-deja-encaisse"


async def test_a_change_reaches_another_api_process_without_restart(
    kb_client: httpx.AsyncClient,
    make_client: ClientFactory,
    admin_headers: dict[str, str],
    unused_url: str,
) -> None:
    other_process = await make_client(rasa_url=unused_url)
    assert await matched(other_process, UNKNOWN_PASTE) is None  # its index is built now

    await kb_client.post("/api/v1/admin/kb/entries", json=NEW_ENTRY, headers=admin_headers)

    assert await matched(other_process, UNKNOWN_PASTE) == "rnf-titre-deja-encaisse"


async def test_an_error_message_added_to_an_entry_matches_its_pastes(
    kb_client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    wording = "Le signalement {numero} ne peut pas être traité depuis Chorus Formulaires"
    paste = "Le signalement 2026-0042 ne peut pas être traité depuis Chorus Formulaires"
    before = await matched(kb_client, paste)

    response = await kb_client.post(
        "/api/v1/admin/kb/entries/chorus-formulaires-sollicitations/reformulations",
        json={"text": wording, "is_error_message": True},
        headers=admin_headers,
    )

    assert before is None
    assert response.status_code == 201
    assert wording in response.json()["error_messages"]
    assert await matched(kb_client, paste) == "chorus-formulaires-sollicitations"


async def test_update_raises_the_version_and_retire_stops_matching(
    kb_client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    await kb_client.post("/api/v1/admin/kb/entries", json=NEW_ENTRY, headers=admin_headers)
    changed = {k: v for k, v in NEW_ENTRY.items() if k != "id"} | {"answer": "Nouvelle réponse."}

    updated = await kb_client.put(
        "/api/v1/admin/kb/entries/rnf-titre-deja-encaisse", json=changed, headers=admin_headers
    )
    retired = await kb_client.delete(
        "/api/v1/admin/kb/entries/rnf-titre-deja-encaisse", headers=admin_headers
    )

    assert updated.json()["version"] == 2
    assert updated.json()["answer"] == "Nouvelle réponse."
    assert retired.json()["retired"] is True
    assert await matched(kb_client, UNKNOWN_PASTE) is None
    assert (await kb_client.get("/api/v1/kb/entries/rnf-titre-deja-encaisse")).status_code == 404


async def test_search_finds_entries_by_their_texts(
    kb_client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    response = await kb_client.get(
        "/api/v1/admin/kb/entries", params={"q": "Blanc/Espace"}, headers=admin_headers
    )

    assert [e["id"] for e in response.json()] == ["ej-blanc-espace-prog-cb"]


@pytest.mark.parametrize(
    ("change", "status", "message"),
    [
        ({"id": "fsd-creation"}, 409, "Cet identifiant est déjà utilisé."),
        ({"domain": "compta"}, 422, "Ce domaine n'existe pas."),
        (
            {"buttons": [{"title": "Voir", "entry_id": "absent"}]},
            422,
            "Un bouton renvoie vers une réponse qui n'existe pas.",
        ),
        ({"kind": "major_incident"}, 422, "Un incident majeur doit préciser son statut."),
        ({"id": "Pas Un Slug"}, 422, None),
        ({"answer": ""}, 422, None),
    ],
)
async def test_invalid_entries_are_refused(
    kb_client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    change: dict[str, object],
    status: int,
    message: str | None,
) -> None:
    response = await kb_client.post(
        "/api/v1/admin/kb/entries", json=NEW_ENTRY | change, headers=admin_headers
    )

    assert response.status_code == status
    if message:
        assert response.json()["message"] == message


async def test_unknown_entry_is_a_404_for_admins_too(
    kb_client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    response = await kb_client.post(
        "/api/v1/admin/kb/entries/absent/reformulations", json={"text": "x"}, headers=admin_headers
    )

    assert response.status_code == 404
