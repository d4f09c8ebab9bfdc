"""Hostile bodies a browser never sends: metadata nested hundreds deep (which once broke the
advisors' queue for everyone), NaN and Infinity, integers beyond 64 bits, lone surrogates. Each
gets a 422 in French, nothing is stored, and the advisors' queue keeps answering."""

import httpx
import pytest

from api.auth.models import Role
from tests.api.conftest import ClientFactory, TokenFactory

MESSAGES = "/api/v1/conversations/conv_hostile_1/messages"
NOT_VALID = "Les informations de profil envoyées ne sont pas valides."
TOO_DEEP = "Les informations de profil envoyées sont trop imbriquées."
NOT_TEXT = "Votre message contient des caractères non imprimables."


@pytest.fixture
async def offline(make_client: ClientFactory, unused_url: str) -> httpx.AsyncClient:
    return await make_client(rasa_url=unused_url, action_server_url=unused_url)


@pytest.mark.parametrize(
    ("raw", "error_type", "french"),
    [
        (
            '{"text": "a", "metadata": {"x": ' + "[" * 256 + "]" * 256 + "}}",
            "metadata_too_deep",
            TOO_DEEP,
        ),
        (
            '{"text": "a", "metadata": {"a": {"b": {"c": {"d": {"e": 1}}}}}}',
            "metadata_too_deep",
            TOO_DEEP,
        ),
        ('{"text": "a", "metadata": {"role": NaN}}', "metadata_invalid", NOT_VALID),
        ('{"text": "a", "metadata": {"role": Infinity}}', "metadata_invalid", NOT_VALID),
        ('{"text": "a", "metadata": {"n": -Infinity}}', "metadata_invalid", NOT_VALID),
        (
            '{"text": "a", "metadata": {"n": 123456789012345678901234567890}}',
            "metadata_invalid",
            NOT_VALID,
        ),
        ('{"text": "a", "metadata": {"\\ud800": "x"}}', "metadata_invalid", NOT_VALID),
        ('{"text": "a", "metadata": {"email": "\\udfff@x.fr"}}', "metadata_invalid", NOT_VALID),
        ('{"text": "bonjour \\ud83d"}', "text_binary", NOT_TEXT),
        (
            '{"payload": "/greet{\\"a\\": \\"\\udc00\\"}"}',
            "payload_invalid",
            "Le choix envoyé n'est pas valide.",
        ),
    ],
)
async def test_hostile_json_gets_a_french_422_and_nothing_is_stored(
    offline: httpx.AsyncClient, raw: str, error_type: str, french: str
) -> None:
    response = await offline.post(
        MESSAGES, content=raw.encode(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["type"] == error_type
    assert response.json()["message"] == french
    assert (await offline.get("/api/v1/conversations/conv_hostile_1")).status_code == 404


async def test_a_flat_profile_and_one_nested_level_are_still_accepted(
    offline: httpx.AsyncClient,
) -> None:
    metadata = {"application": "chorus", "role": "CCA", "extra": {"tags": [1, 2.5, True, None]}}
    response = await offline.post(MESSAGES, json={"text": "bonjour", "metadata": metadata})
    assert response.status_code == 503  # valid: stored, then Rasa is down in this test
    assert (await offline.get("/api/v1/conversations/conv_hostile_1")).status_code == 200


async def test_the_advisors_queue_keeps_answering_after_a_hostile_profile(
    kb_client: httpx.AsyncClient, token_for: TokenFactory
) -> None:
    deep = '{"text": "a", "metadata": {"x": ' + "[" * 256 + "]" * 256 + "}}"
    await kb_client.post(MESSAGES, content=deep, headers={"Content-Type": "application/json"})
    headers = {"Authorization": f"Bearer {await token_for(Role.ADVISOR)}"}
    assert (await kb_client.get("/api/v1/console/queue", headers=headers)).status_code == 200
