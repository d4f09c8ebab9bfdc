"""POST /api/v1/nlu/parse against the real trained model."""

import httpx
import pytest

from tests.api.conftest import load_yaml


@pytest.mark.parametrize(
    ("text", "domain"),
    [
        ("je n'arrive pas à modifier les conditions de paiement de mon EJ", "ej"),
        ("mon mot de passe chorus pro est refusé", "connexion"),
        ("je veux ouvrir une fiche service desk", "fsd"),
        ("bonjour", None),
        ("merci beaucoup", None),
        ("je voudrais parler à un conseiller", None),
        ("quel temps fera-t-il demain à Lyon ?", None),
    ],
)
async def test_parse_names_the_domain_or_null(
    client: httpx.AsyncClient, text: str, domain: str | None
) -> None:
    response = await client.post("/api/v1/nlu/parse", json={"text": text})

    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"intent", "domain", "confidence"}
    assert body["domain"] == domain
    assert 0 <= body["confidence"] <= 1


async def test_a_pasted_error_gets_the_domain_of_its_entry(
    client: httpx.AsyncClient, database_url: str
) -> None:
    await load_yaml(database_url)
    response = await client.post(
        "/api/v1/nlu/parse",
        json={
            "text": "Erreur dans le système de gestion : Poste de pièce 1508892764/00003 n'a pas "
            "encore été reporté dans exercice en cours"
        },
    )

    assert response.json()["intent"] == "paste_error"
    assert response.json()["domain"] == "ej"


async def test_gibberish_falls_back_without_a_domain(client: httpx.AsyncClient) -> None:
    body = (await client.post("/api/v1/nlu/parse", json={"text": "xqzt vbnm plok"})).json()
    assert body == {"intent": "nlu_fallback", "domain": None, "confidence": body["confidence"]}


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"text": ""}, "vide"),
        ({"text": "   "}, "vide"),
        ({"text": "a" * 5001}, "trop long"),
        ({"text": 42}, "texte était attendu"),
        ({}, "obligatoire"),
        ({"text": "ok", "extra": 1}, "champ inconnu"),
    ],
)
async def test_bad_input_is_a_422_in_french(
    client: httpx.AsyncClient, payload: dict[str, object], message: str
) -> None:
    response = await client.post("/api/v1/nlu/parse", json=payload)
    assert response.status_code == 422
    assert message in response.json()["message"]


async def test_rasa_down_is_a_503(make_client: object, unused_url: str) -> None:
    client = await make_client(rasa_url=unused_url, action_server_url=unused_url)  # type: ignore[operator]
    response = await client.post("/api/v1/nlu/parse", json={"text": "bonjour"})
    assert response.status_code == 503
    assert "indisponible" in response.json()["message"]
