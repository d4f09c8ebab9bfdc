"""Typed questions through Rasa and the action server: answers before menus, suggestions,
misunderstandings, and what staff teach working at once."""

import uuid
from typing import Any

import httpx
import pytest

from api.auth.models import Role
from tests.api.chat.test_error_flows import Chat, texts, titles
from tests.api.chat.test_error_flows import review_queue as admin_review_queue
from tests.api.conftest import editable, staff_headers


def entries(messages: list[dict[str, Any]]) -> list[str]:
    return [m["entry_id"] for m in messages if m.get("entry_id")]


async def greeted(client: httpx.AsyncClient) -> Chat:
    chat = Chat(client)
    await chat.say(payload="/greet")
    return chat


@pytest.mark.parametrize(
    ("question", "entry"),
    [
        ("mon mot de passe chorus pro ne marche plus", "connexion-chorus-pro-mot-de-passe-oublie"),
        ("comment ajouter un tiers dans un EJ", "ej-incident-ajout-tiers"),
        ("Ajout d'un tiers dans l'EJ", "ej-incident-ajout-tiers"),
        ("est-ce que le SEM a bien renvoyé mon flux vers SAXO", "support-ces-choregie"),
    ],
)
async def test_a_typed_question_gets_its_answer_not_a_menu(
    client: httpx.AsyncClient, question: str, entry: str
) -> None:
    chat = await greeted(client)

    answer = await chat.say(text=question)

    assert entries(answer) == [entry]


async def test_a_known_anomaly_typed_in_words_gets_its_status_and_workaround(
    client: httpx.AsyncClient,
) -> None:
    chat = await greeted(client)

    answer = await chat.say(text="Z_LISTE_EJ : données erronées")

    assert entries(answer) == ["ej-incident-z-liste-ej"]
    assert "Anomalie connue : Données erronées en Z_LISTE_EJ" in texts(answer)
    assert "Statut : " in texts(answer)


async def test_a_question_is_never_an_unknown_error_message(client: httpx.AsyncClient) -> None:
    chat = await greeted(client)

    answer = await chat.say(
        text="mon souci traîne depuis 2 semaines, est-ce que je peux relancer moi-même le "
        "support national ?"
    )

    assert "Je ne reconnais pas ce message d'erreur" not in texts(answer)


async def test_vague_complaints_are_misunderstandings_and_two_offer_an_advisor(
    client: httpx.AsyncClient, database_url: str
) -> None:
    chat = await greeted(client)

    first = await chat.say(text="je comprends rien à votre truc")
    second = await chat.say(text="rien ne marche")

    assert "Au revoir" not in texts(first)
    assert texts(first).startswith("Je n'ai pas compris votre demande.")
    assert "Connexion" in titles(first)  # the menu the text speaks of
    assert "Souhaitez-vous être mis en relation avec un conseiller ?" in texts(second)
    assert [reason for _, reason in await admin_review_queue(client, database_url, chat.id)] == [
        "not_understood",
        "not_understood",
    ]


async def test_suggestions_offer_something_else_which_asks_to_rephrase(
    client: httpx.AsyncClient, database_url: str
) -> None:
    chat = await greeted(client)
    question = "je cherche des infos sur les correspondants"

    suggested = await chat.say(text=question)
    assert texts(suggested) == "Vous cherchez peut-être :"
    assert titles(suggested)[-1] == "Autre chose"
    opened = await chat.click(suggested, titles(suggested)[0])
    assert entries(opened)

    again = await chat.say(text=question)
    other = await chat.click(again, "Autre chose")

    assert "Pouvez-vous reformuler votre question" in texts(other)
    assert "suggestion_rejected" in [
        r for _, r in await admin_review_queue(client, database_url, chat.id)
    ]


TAUGHT = "combien de temps pour traiter une FSD"


async def test_a_reformulation_staff_add_answers_the_next_message_without_retraining(
    client: httpx.AsyncClient, stack: Any
) -> None:
    async with httpx.AsyncClient(base_url=stack.api_url) as knowledge_api:
        admin = await staff_headers(
            knowledge_api,
            stack.database_url,
            username=f"admin-{uuid.uuid4().hex[:6]}",
            role=Role.ADMIN,
        )
        response = await knowledge_api.get("/api/v1/kb/entries/fsd-cycle-de-vie")
        assert response.status_code == 200, response.text
        before = response.json()
        chat = await greeted(client)
        assert entries(await chat.say(text=TAUGHT)) != ["fsd-cycle-de-vie"]

        taught = await knowledge_api.post(
            "/api/v1/admin/kb/entries/fsd-cycle-de-vie/reformulations",
            json={"text": TAUGHT},
            headers=admin,
        )
        try:
            assert taught.status_code == 201
            assert entries(await chat.say(text=TAUGHT)) == ["fsd-cycle-de-vie"]
            variant = "combien de temps faut il pour traiter une fiche FSD ?"
            assert entries(await Chat(client).say(text=variant)) == ["fsd-cycle-de-vie"]
        finally:  # the stack's knowledge serves other tests: put the entry back as it was
            fields = editable(before)
            restored = await knowledge_api.put(
                "/api/v1/admin/kb/entries/fsd-cycle-de-vie", json=fields, headers=admin
            )
            assert restored.status_code == 200, restored.text
