"""Bad input gets a 422 with a precise `detail` and a French `message`; never a 500."""

import uuid

import httpx
import pytest

from tests.api.conftest import ClientFactory

VALID_ID = "conv_12345678"


@pytest.fixture
async def offline_client(make_client: ClientFactory, unused_url: str) -> httpx.AsyncClient:
    """Validation happens before Rasa is called, so no Rasa is needed."""
    return await make_client(rasa_url=unused_url, action_server_url=unused_url)


@pytest.mark.parametrize(
    "conversation_id",
    ["short", "x" * 129, "has space!", "semi;colon", "accentué12", "../../etc"],
)
async def test_invalid_conversation_ids_are_refused(
    offline_client: httpx.AsyncClient, conversation_id: str
) -> None:
    response = await offline_client.post(
        f"/api/v1/conversations/{conversation_id}/messages", json={"text": "bonjour"}
    )

    assert response.status_code in (404, 422)  # "../.." changes the route: not found
    assert response.json()["message"]


async def test_conversation_id_pattern_error_is_precise(offline_client: httpx.AsyncClient) -> None:
    response = await offline_client.post(
        "/api/v1/conversations/short/messages", json={"text": "bonjour"}
    )

    assert response.status_code == 422
    body = response.json()
    assert body["message"] == "L'identifiant de conversation n'est pas valide."
    assert body["detail"][0]["loc"] == ["path", "conversation_id"]


@pytest.mark.parametrize(
    ("body", "error_type", "french"),
    [
        (
            {"text": "x" * 5001},
            "text_too_long",
            "Votre message est trop long (5000 caractères au maximum).",
        ),
        ({"text": ""}, "text_empty", "Votre message est vide."),
        ({"text": " \n\t "}, "text_empty", "Votre message est vide."),
        (
            {"text": "abc\x00def"},
            "text_binary",
            "Votre message contient des caractères non imprimables.",
        ),
        (
            {"text": "\x01\x02\x03\xff"},
            "text_binary",
            "Votre message contient des caractères non imprimables.",
        ),
        ({}, "text_or_payload", "Envoyez soit un texte, soit le choix d'un bouton."),
        (
            {"text": "a", "payload": "/greet"},
            "text_or_payload",
            "Envoyez soit un texte, soit le choix d'un bouton.",
        ),
        ({"payload": "greet"}, "payload_invalid", "Le choix envoyé n'est pas valide."),
        ({"payload": "/" + "a" * 600}, "payload_invalid", "Le choix envoyé n'est pas valide."),
        ({"text": 123}, "string_type", "Un texte était attendu."),
        ({"text": ["a"]}, "string_type", "Un texte était attendu."),
        (
            {"text": "a", "metadata": {"k": "v" * 5000}},
            "metadata_too_large",
            "Les informations de profil envoyées sont trop volumineuses.",
        ),
        ({"text": "a", "unknown": 1}, "extra_forbidden", "La requête contient un champ inconnu."),
    ],
)
async def test_invalid_bodies_get_precise_and_french_reasons(
    offline_client: httpx.AsyncClient, body: dict[str, object], error_type: str, french: str
) -> None:
    response = await offline_client.post(f"/api/v1/conversations/{VALID_ID}/messages", json=body)

    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == error_type
    assert response.json()["message"] == french


async def test_text_of_exactly_the_limit_is_accepted_by_validation(
    make_client: ClientFactory, unused_url: str
) -> None:
    client = await make_client(rasa_url=unused_url, rasa_timeout_seconds=1)

    response = await client.post(
        f"/api/v1/conversations/{VALID_ID}/messages", json={"text": "é" * 5000}
    )

    assert response.status_code == 503  # valid, stored, then Rasa is down


async def test_text_limit_is_configurable(make_client: ClientFactory, unused_url: str) -> None:
    client = await make_client(rasa_url=unused_url, max_text_length=10)

    response = await client.post(
        f"/api/v1/conversations/{VALID_ID}/messages", json={"text": "x" * 11}
    )

    assert response.status_code == 422
    assert response.json()["message"] == "Votre message est trop long (10 caractères au maximum)."


@pytest.mark.parametrize(
    "raw",
    [b"not json", b"\xff\xfe\x00binary", b'["a list"]', b'"a string"', b"{" * 1000],
)
async def test_non_object_bodies_are_refused(offline_client: httpx.AsyncClient, raw: bytes) -> None:
    response = await offline_client.post(
        f"/api/v1/conversations/{VALID_ID}/messages",
        content=raw,
        headers={"content-type": "application/json"},
    )

    assert response.status_code in (400, 422)  # 400: not even decodable as UTF-8
    assert response.json()["message"]


async def test_huge_text_is_refused_quickly(offline_client: httpx.AsyncClient) -> None:
    response = await offline_client.post(
        f"/api/v1/conversations/{VALID_ID}/messages", json={"text": "a" * 100_000}
    )

    assert response.status_code == 422
    assert response.json()["detail"][0]["ctx"] == {"length": 100_000, "max_length": 5000}


async def test_unknown_conversation_is_a_404_in_french(offline_client: httpx.AsyncClient) -> None:
    response = await offline_client.get(f"/api/v1/conversations/{uuid.uuid4().hex}")

    assert response.status_code == 404
    assert response.json()["message"] == "Cette conversation n'existe pas ou a expiré."


async def test_unknown_route_is_a_french_404(offline_client: httpx.AsyncClient) -> None:
    response = await offline_client.get("/api/v1/nothing-here")

    assert response.status_code == 404
    assert response.json()["message"] == "La ressource demandée n'existe pas."


async def test_oversized_body_is_refused_before_parsing(offline_client: httpx.AsyncClient) -> None:
    response = await offline_client.post(
        f"/api/v1/conversations/{VALID_ID}/messages",
        content=b'{"text": "' + b"a" * 300_000 + b'"}',
        headers={"content-type": "application/json"},
    )

    assert response.status_code == 413
    assert response.json()["message"] == "La requête est trop volumineuse."
