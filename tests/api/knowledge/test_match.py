"""POST /api/v1/kb/match, as DESIGN.md's contract says."""

import httpx
import pytest

SCREENSHOT_PASTE = (
    "erreur dans le système de gestion : Poste de pièce 1508892764/00003 "
    "n'a pas encore été reporté dans exercice en cours"
)


async def test_a_pasted_error_gets_its_entry(kb_client: httpx.AsyncClient) -> None:
    response = await kb_client.post("/api/v1/kb/match", json={"text": SCREENSHOT_PASTE})

    assert response.status_code == 200
    body = response.json()
    assert body["match"] == {
        "entry_id": "ej-poste-piece-non-reporte",
        "title": "Poste de pièce pas encore reporté dans l'exercice en cours",
        "domain": "ej",
        "matched_error_message": "Poste de pièce {piece} n'a pas encore été reporté dans exercice en cours",
        "score": 100.0,
    }
    assert body["candidates"][0]["entry_id"] == "ej-poste-piece-non-reporte"


async def test_an_ambiguous_fragment_gives_candidates_only(kb_client: httpx.AsyncClient) -> None:
    response = await kb_client.post(
        "/api/v1/kb/match", json={"text": "Centre financier 0214-CDBU-C001"}
    )

    body = response.json()
    assert body["match"] is None
    assert len(body["candidates"]) >= 2
    assert {c["domain"] for c in body["candidates"]} == {"ej"}


@pytest.mark.parametrize(
    "text",
    [
        "Fournisseur 1000234567 bloqué pour paiement",
        "<script>alert('x')</script>",
        "1234567890",
        "bonjour",
    ],
)
async def test_unknown_or_odd_text_is_a_sane_no_match(
    kb_client: httpx.AsyncClient, text: str
) -> None:
    response = await kb_client.post("/api/v1/kb/match", json={"text": text})

    assert response.status_code == 200
    assert response.json()["match"] is None


@pytest.mark.parametrize(
    ("body", "error_type"),
    [
        ({"text": ""}, "text_empty"),
        ({"text": "\x00\x01binaire"}, "text_binary"),
        ({"text": "a" * 100_000}, "text_too_long"),
        ({"text": 42}, "string_type"),
        ({}, "missing"),
        ({"text": "x", "other": 1}, "extra_forbidden"),
    ],
)
async def test_bad_input_is_a_422_with_the_reason(
    kb_client: httpx.AsyncClient, body: dict[str, object], error_type: str
) -> None:
    response = await kb_client.post("/api/v1/kb/match", json=body)

    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == error_type
    assert response.json()["message"]


async def test_entries_can_be_read_and_listed_by_kind(kb_client: httpx.AsyncClient) -> None:
    entry = await kb_client.get("/api/v1/kb/entries/fsd-limite-pieces")
    incidents = await kb_client.get(
        "/api/v1/kb/entries", params={"domain": "ej", "kind": "major_incident"}
    )
    missing = await kb_client.get("/api/v1/kb/entries/nothing-here")

    assert "Pas plus de 20 pièces" in entry.json()["answer"]
    assert [e["title"] for e in incidents.json()] == [
        "Ajout d'un tiers dans l'EJ",
        "Aucune autorisation pour le centre financier",
        "Données erronées en Z_LISTE_EJ",
        "Modification des conditions de paiement en entête de l'EJ",
        "Postes d'EJ absents dans Chorus Formulaires",
    ]
    assert missing.status_code == 404
    assert missing.json()["message"] == "Cette réponse n'existe pas."
