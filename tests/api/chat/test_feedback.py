"""Thumbs up / down on answers, star ratings, and the offers of a human, through the real bot."""

import uuid
from typing import Any

import httpx
import pytest

from api.auth.models import Role
from tests.api.chat.test_error_flows import Chat, texts, titles
from tests.api.conftest import staff_headers
from tests.tokens import cca_identity

CATEGORIES = [
    "Support outil Chorus",
    "Support outil Chorus Formulaires",
    "Support outil Chorus Pro",
    "Question métier (facture, mémoire, dossier)",
    "Non merci",
]


async def knowledge_answer(chat: Chat) -> dict[str, Any]:
    """Open the FSD procedure from the menu and return the answer that carries the entry."""
    domain = await chat.say(payload="/fsd")
    answer = await chat.click(domain, "Processus de création d'une Fiche Desk (FSD)")
    return next(m for m in answer if m["entry_id"])


async def admin_headers(client: httpx.AsyncClient, database_url: str) -> dict[str, str]:
    return await staff_headers(client, database_url, username="admin-fb", role=Role.ADMIN)


async def test_knowledge_answers_name_their_entry_and_the_menu_does_not(
    client: httpx.AsyncClient,
) -> None:
    chat = Chat(client)
    menu = await chat.say(payload="/greet")
    assert [m["entry_id"] for m in menu] == [None]

    answer = await knowledge_answer(chat)
    assert answer["entry_id"] == "fsd-creation"
    transcript = (await client.get(f"/api/v1/conversations/{chat.id}")).json()
    assert transcript["messages"][-1]["entry_id"] == "fsd-creation"


async def test_a_thumbs_up_is_stored_with_the_entry_and_its_version(
    client: httpx.AsyncClient, database_url: str
) -> None:
    chat = Chat(client)
    answer = await knowledge_answer(chat)

    response = await client.post(
        f"/api/v1/conversations/{chat.id}/feedback",
        json={"message_id": answer["id"], "rating": "up"},
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["rating"] == "up" and body["messages"] == []
    assert body["entry_id"] == "fsd-creation" and body["entry_version"] >= 1
    listed = await client.get(
        "/api/v1/admin/review/feedback", headers=await admin_headers(client, database_url)
    )
    assert [(f["message_id"], f["rating"]) for f in listed.json()] == [(answer["id"], "up")]


async def test_a_thumbs_down_keeps_the_comment_and_offers_a_human(
    client: httpx.AsyncClient, database_url: str
) -> None:
    chat = Chat(client)
    answer = await knowledge_answer(chat)

    response = await client.post(
        f"/api/v1/conversations/{chat.id}/feedback",
        json={
            "message_id": answer["id"],
            "rating": "down",
            "comment": "  Je n'ai pas accès à Chorus Desk.  ",
            "ministry_code": "min06",
        },
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["comment"] == "Je n'ai pas accès à Chorus Desk."
    assert body["ministry_code"] == "MIN06"
    assert "Souhaitez-vous être mis en relation avec un conseiller" in texts(body["messages"])
    assert titles(body["messages"]) == CATEGORIES

    queued = await chat.click(body["messages"], "Support outil Chorus Pro")
    assert "Je transmets votre demande à un conseiller (Support outil Chorus Pro)" in texts(queued)

    down = await client.get(
        "/api/v1/admin/review/feedback?rating=down",
        headers=await admin_headers(client, database_url),
    )
    assert [f["comment"] for f in down.json()] == ["Je n'ai pas accès à Chorus Desk."]


async def test_a_second_feedback_on_the_same_answer_replaces_the_first(
    client: httpx.AsyncClient,
) -> None:
    chat = Chat(client)
    answer = await knowledge_answer(chat)
    url = f"/api/v1/conversations/{chat.id}/feedback"

    first = await client.post(url, json={"message_id": answer["id"], "rating": "up"})
    second = await client.post(url, json={"message_id": answer["id"], "rating": "down"})

    assert first.json()["id"] == second.json()["id"]
    assert second.json()["rating"] == "down"


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"message_id": 10**9, "rating": "up"}, 404, "Ce message n'existe pas"),
        ({"message_id": "abc", "rating": "up"}, 422, "nombre entier"),
        ({"message_id": 1, "rating": "bof"}, 422, "l'une des suivantes"),
        ({"message_id": 1}, 422, "obligatoire"),
        ({"rating": "up"}, 422, "obligatoire"),
    ],
)
async def test_bad_feedback_gets_a_clear_error(
    client: httpx.AsyncClient, body: dict[str, Any], status: int, message: str
) -> None:
    chat = Chat(client)
    await chat.say(payload="/greet")

    response = await client.post(f"/api/v1/conversations/{chat.id}/feedback", json=body)

    assert response.status_code == status, response.text
    assert message in response.json()["message"]


async def test_feedback_on_a_message_without_knowledge_or_elsewhere_is_refused(
    client: httpx.AsyncClient,
) -> None:
    chat, other = Chat(client), Chat(client)
    [menu] = await chat.say(payload="/greet")
    answer = await knowledge_answer(other)
    url = f"/api/v1/conversations/{chat.id}/feedback"

    not_knowledge = await client.post(url, json={"message_id": menu["id"], "rating": "up"})
    elsewhere = await client.post(url, json={"message_id": answer["id"], "rating": "up"})
    unknown_conversation = await client.post(
        f"/api/v1/conversations/{uuid.uuid4().hex}/feedback",
        json={"message_id": answer["id"], "rating": "up"},
    )

    assert not_knowledge.status_code == 422
    assert not_knowledge.json()["message"] == "Ce message ne peut pas être évalué."
    assert elsewhere.status_code == 404
    assert unknown_conversation.status_code == 404


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"ministry_code": "<script>"}, "MIN06"),
        ({"comment": "x" * 2001}, "2000 caractères"),
        ({"comment": "bad\x00binary"}, "non imprimables"),
    ],
)
async def test_bad_comment_or_ministry_code_is_refused_and_nothing_is_stored(
    client: httpx.AsyncClient, database_url: str, extra: dict[str, str], message: str
) -> None:
    chat = Chat(client)
    answer = await knowledge_answer(chat)

    response = await client.post(
        f"/api/v1/conversations/{chat.id}/feedback",
        json={"message_id": answer["id"], "rating": "down", **extra},
    )

    assert response.status_code == 422
    assert message in response.json()["message"]
    listed = await client.get(
        "/api/v1/admin/review/feedback", headers=await admin_headers(client, database_url)
    )
    assert listed.json() == []


async def test_goodbye_asks_for_stars_and_the_rating_is_stored(
    client: httpx.AsyncClient, database_url: str
) -> None:
    chat = Chat(client)
    await chat.say(payload="/greet")
    goodbye = await chat.say(text="merci, au revoir")

    assert [m["ask_rating"] for m in goodbye] == [False, True]
    url = f"/api/v1/conversations/{chat.id}/rating"
    first = await client.post(url, json={"stars": 2})
    again = await client.post(url, json={"stars": 4, "comment": "Finalement utile."})

    assert first.status_code == 201 and again.status_code == 201
    assert again.json()["stars"] == 4 and again.json()["comment"] == "Finalement utile."
    ratings = await client.get(
        "/api/v1/admin/review/ratings", headers=await admin_headers(client, database_url)
    )
    assert [(r["conversation_id"], r["stars"]) for r in ratings.json()] == [(chat.id, 4)]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"stars": 0}, "au moins 1"),
        ({"stars": 6}, "au plus 5"),
        ({"stars": "5"}, "nombre entier"),
        ({"stars": 4.5}, "nombre entier"),
        ({}, "obligatoire"),
    ],
)
async def test_bad_ratings_get_a_clear_error(
    client: httpx.AsyncClient, body: dict[str, Any], message: str
) -> None:
    chat = Chat(client)
    await chat.say(payload="/greet")

    response = await client.post(f"/api/v1/conversations/{chat.id}/rating", json=body)

    assert response.status_code == 422
    assert message in response.json()["message"]


async def test_rating_an_unknown_conversation_is_a_404(client: httpx.AsyncClient) -> None:
    response = await client.post(
        f"/api/v1/conversations/{uuid.uuid4().hex}/rating", json={"stars": 5}
    )
    assert response.status_code == 404
    assert response.json()["message"] == "Cette conversation n'existe pas ou a expiré."


# Error messages of the shape Chorus uses, which no knowledge entry knows.
UNKNOWN_ERRORS = [
    "Erreur : le flux QZW-88812 n'existe pas dans le référentiel des cartes grises",
    "Message : l'objet TRX/559021 est verrouillé par le traitement nocturne ZZ12",
]


async def test_two_misunderstandings_in_a_row_offer_a_human(client: httpx.AsyncClient) -> None:
    chat = Chat(client)
    first = await chat.say(text=UNKNOWN_ERRORS[0])
    assert "Je ne reconnais pas ce message d'erreur" in texts(first)
    assert "conseiller" not in texts(first)

    second = await chat.say(text=UNKNOWN_ERRORS[1])

    assert "Je ne parviens pas à vous aider" in texts(second)
    assert titles(second) == CATEGORIES


async def test_an_understood_message_resets_the_count(client: httpx.AsyncClient) -> None:
    chat = Chat(client)
    await chat.say(text=UNKNOWN_ERRORS[0])
    await chat.say(payload="/ej")

    again = await chat.say(text=UNKNOWN_ERRORS[1])

    assert "conseiller" not in texts(again)


async def test_asking_for_a_human_offers_the_categories(client: httpx.AsyncClient) -> None:
    chat = Chat(client)
    offer = await chat.say(text="je voudrais parler à un conseiller")

    assert titles(offer) == CATEGORIES
    business = await chat.click(offer, "Question métier (facture, mémoire, dossier)")
    assert "Je transmets votre demande à un conseiller (Question métier" in texts(business)


async def test_an_fsd_request_depends_on_the_signed_role(
    client: httpx.AsyncClient,
) -> None:
    user = Chat(client)
    await user.say(payload="/greet")
    profile = {"role": "utilisateur", "application": "chorus", "ministry_code": "MIN06"}
    refused = await client.post(
        f"/api/v1/conversations/{user.id}/messages",
        json={"text": "je veux ouvrir une fiche service desk", "metadata": profile},
    )
    assert "Seul le correspondant Chorus applicatif (CCA)" in texts(refused.json()["messages"])
    assert "Code ministère : MIN06" in texts(refused.json()["messages"])

    cca = Chat(client)
    opened = await client.post(
        f"/api/v1/conversations/{cca.id}/messages",
        json={"text": "je veux ouvrir une fiche service desk", "identity_token": cca_identity()},
    )
    messages = opened.json()["messages"]
    assert "Je vais ouvrir la fiche service desk avec vous" in texts(messages)


async def test_an_answer_to_an_error_offers_a_new_conversation(client: httpx.AsyncClient) -> None:
    chat = Chat(client)
    answer = await chat.say(
        text="Erreur dans le système de gestion : Poste de pièce 1508892764/00003 n'a pas "
        "encore été reporté dans exercice en cours"
    )
    option = await chat.click(answer, "Ajout d'un tiers")
    assert "il faut initier une nouvelle conversation" in texts(option)

    restarted = await chat.click(option, "Nouvelle conversation")
    assert "Nouvelle conversation" in texts(restarted)


async def test_a_thumbs_down_is_kept_when_rasa_is_down(
    make_client: Any, database_url: str, unused_url: str
) -> None:
    from api.conversations import service
    from api.conversations.service import BotUtterance
    from api.core.db import create_engine, create_session_factory

    engine = create_engine(database_url)
    async with create_session_factory(engine)() as session:
        conversation = await service.get_or_create(
            db_session=session, conversation_id="rasa-down-feedback"
        )
        token, conversation.token_hash = service.new_token()
        [answer] = await service.add_bot_messages(
            db_session=session,
            conversation=conversation,
            utterances=[
                BotUtterance(text="Réponse", buttons=[], entry_id="fsd-creation", entry_version=2)
            ],
        )
        await session.commit()
        answer_id = answer.id
    await engine.dispose()
    client = await make_client(rasa_url=unused_url, action_server_url=unused_url)

    response = await client.post(
        "/api/v1/conversations/rasa-down-feedback/feedback",
        json={"message_id": answer_id, "rating": "down", "comment": "Pas clair"},
        headers={"X-Conversation-Token": token},
    )

    assert response.status_code == 201
    assert response.json()["messages"] == []
    assert (response.json()["entry_id"], response.json()["entry_version"]) == ("fsd-creation", 2)
