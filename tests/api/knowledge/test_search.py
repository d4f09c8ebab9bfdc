"""POST /api/v1/kb/search: a typed question gets its entry, suggestions, or nothing; what staff
teach answers the next question, in every API process."""

from typing import Any

import httpx
import pytest

from tests.api.conftest import ClientFactory


async def search(client: httpx.AsyncClient, text: str, **extra: Any) -> dict[str, Any]:
    response = await client.post("/api/v1/kb/search", json={"text": text, **extra})
    assert response.status_code == 200, response.text
    return dict(response.json())


def answered(result: dict[str, Any]) -> str | None:
    return result["answer"]["entry_id"] if result["answer"] else None


@pytest.mark.parametrize(
    ("question", "entry"),
    [
        ("comment ajouter un tiers dans un EJ", "ej-incident-ajout-tiers"),
        ("Ajout d'un tiers dans l'EJ", "ej-incident-ajout-tiers"),
        ("Z_LISTE_EJ : données erronées", "ej-incident-z-liste-ej"),
        (
            "les postes d'EJ sont absents dans chorus formulaires",
            "ej-incident-postes-absents-formulaires",
        ),
        ("report nul automatique avec chaîne de documents", "ej-report-nul-chaine-documents"),
        ("est-ce que le SEM a bien renvoyé mon flux vers SAXO", "support-ces-choregie"),
    ],
)
async def test_a_question_or_a_known_anomaly_in_words_gets_its_entry(
    kb_client: httpx.AsyncClient, question: str, entry: str
) -> None:
    result = await search(kb_client, question)

    assert answered(result) == entry
    assert result["answer"]["title"] and result["answer"]["domain"]
    assert 0.0 <= result["confidence"] <= 1.0


async def test_an_unsure_question_gets_suggestions_and_an_off_topic_one_nothing(
    kb_client: httpx.AsyncClient,
) -> None:
    unsure = await search(kb_client, "je cherche des infos sur les correspondants")
    off_topic = await search(
        kb_client,
        "quel temps fera-t-il à Brest demain",
        intent="out_of_scope",
        intent_confidence=0.9,
    )

    assert answered(unsure) is None
    assert 1 <= len(unsure["suggestions"]) <= 3
    assert unsure["lacks_detail"] is False
    assert (off_topic["answer"], off_topic["suggestions"]) == (None, [])


async def test_a_detail_the_entry_says_it_lacks_is_suggested_not_answered(
    kb_client: httpx.AsyncClient,
) -> None:
    result = await search(kb_client, "combien coûte un webinaire AIFE par stagiaire ?")

    assert answered(result) is None
    assert result["lacks_detail"] is True
    assert result["suggestions"][0]["entry_id"] == "formation-cout-webinaires"


@pytest.mark.parametrize(
    ("body", "error_type"),
    [
        ({"text": ""}, "text_empty"),
        ({"text": "\x00\x01binaire"}, "text_binary"),
        ({"text": "x" * 6000}, "text_too_long"),
        ({"text": "une question", "domain": "EJ!"}, "string_pattern_mismatch"),
        ({"text": "une question", "intent": "ej", "intent_confidence": 2}, "less_than_equal"),
        ({"text": "une question", "other": 1}, "extra_forbidden"),
        ({"question": "une question"}, "missing"),
    ],
)
async def test_bad_input_is_a_422_in_french(
    kb_client: httpx.AsyncClient, body: dict[str, Any], error_type: str
) -> None:
    response = await kb_client.post("/api/v1/kb/search", json=body)

    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == error_type
    assert response.json()["message"]


TAUGHT = "combien de temps pour traiter une FSD"


async def test_a_reformulation_staff_add_answers_at_once_in_every_api_process(
    kb_client: httpx.AsyncClient,
    make_client: ClientFactory,
    admin_headers: dict[str, str],
    unused_url: str,
) -> None:
    other_process = await make_client(rasa_url=unused_url)
    assert answered(await search(other_process, TAUGHT)) != "fsd-cycle-de-vie"

    added = await kb_client.post(
        "/api/v1/admin/kb/entries/fsd-cycle-de-vie/reformulations",
        json={"text": TAUGHT},
        headers=admin_headers,
    )

    assert added.status_code == 201
    for client in (kb_client, other_process):
        assert answered(await search(client, TAUGHT)) == "fsd-cycle-de-vie"
        variant = await search(client, "combien de temps faut il pour traiter une fiche FSD ?")
        assert answered(variant) == "fsd-cycle-de-vie"
