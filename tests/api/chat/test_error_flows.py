"""Pasted errors and knowledge entries in the conversation, through the real Rasa and actions."""

import uuid
from typing import Any

import httpx

from api.auth.models import Role
from tests.api.conftest import staff_headers


class Chat:
    """One conversation driven through the public endpoint."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.id = uuid.uuid4().hex

    async def say(self, **body: str) -> list[dict[str, Any]]:
        response = await self.client.post(f"/api/v1/conversations/{self.id}/messages", json=body)
        assert response.status_code == 200, response.text
        return list(response.json()["messages"])

    async def click(self, messages: list[dict[str, Any]], title: str) -> list[dict[str, Any]]:
        button = next(b for m in messages for b in m["buttons"] if b["title"] == title)
        return await self.say(payload=button["payload"])


def texts(messages: list[dict[str, Any]]) -> str:
    return "\n".join(m["text"] or "" for m in messages)


def titles(messages: list[dict[str, Any]]) -> list[str]:
    return [b["title"] for m in messages for b in m["buttons"]]


async def review_queue(
    client: httpx.AsyncClient, database_url: str, conversation_id: str
) -> list[tuple[str, str]]:
    """(text, reason) of the conversation's messages in the review queue, as an admin reads it."""
    headers = await staff_headers(client, database_url, username="relectrice", role=Role.ADMIN)
    response = await client.get("/api/v1/admin/review/unanswered", headers=headers)
    assert response.status_code == 200, response.text
    return [
        (item["text"], item["reason"])
        for item in reversed(response.json())
        if item["conversation_id"] == conversation_id
    ]


async def test_the_screenshot_paste_is_answered_with_its_follow_up_question(
    client: httpx.AsyncClient,
) -> None:
    chat = Chat(client)
    await chat.say(payload="/greet")

    answer = await chat.say(
        text="erreur dans le système de gestion : Poste de pièce 1508892764/00003 n'a pas encore été reporté dans exercice en cours"
    )
    assert "Quelle est la modification apportée sur l'EJ ?" in texts(answer)
    assert titles(answer)[-2:] == ["Abonnement d'un poste", "Ajout d'un tiers"]

    option = await chat.click(answer, "Abonnement d'un poste")
    assert "Vous devez créer un nouveau poste" in texts(option)
    assert "il faut initier une nouvelle conversation" in texts(option)

    procedure = await chat.click(option, "Processus de création d'une Fiche Desk (FSD)")
    assert "Créer incident" in texts(procedure)


async def test_an_ambiguous_paste_of_one_domain_lists_its_messages_then_confirms(
    client: httpx.AsyncClient,
) -> None:
    chat = Chat(client)

    # Its candidates are all EJ messages: no "Sur quel domaine…" with a single button.
    listed = await chat.say(
        text="Erreur dans le système de gestion : Centre financier 0214-CDBU-C001"
    )
    assert texts(listed) == "Lequel de ces messages d'erreur avez-vous ?"
    assert "Centre financier XXX inexistant" in titles(listed)
    assert titles(listed)[-1] == "Aucun de ces messages"

    confirm = await chat.click(listed, "Centre financier XXX inexistant")
    assert texts(confirm) == "Votre message d'erreur est-il « Centre financier XXX inexistant » ?"
    assert titles(confirm) == ["Oui", "Non"]

    answer = await chat.click(confirm, "Oui")
    assert "CCA" in texts(answer)
    assert "Processus de création d'une Fiche Desk (FSD)" in titles(answer)


async def test_an_unknown_error_is_said_plainly_and_logged_for_review(
    client: httpx.AsyncClient, database_url: str
) -> None:
    chat = Chat(client)
    paste = "Erreur dans le système de gestion : Fournisseur 1000234567 bloqué pour paiement"

    answer = await chat.say(text=paste)

    assert texts(answer).startswith("Je ne reconnais pas ce message d'erreur.")
    assert len(titles(answer)) >= 15  # "choisissez un domaine dans le menu": the menu is shown
    assert await review_queue(client, database_url, chat.id) == [(paste, "unknown_error_message")]


async def test_rejecting_the_proposed_messages_is_logged_too(
    client: httpx.AsyncClient, database_url: str
) -> None:
    chat = Chat(client)
    listed = await chat.say(
        text="Erreur dans le système de gestion : Centre financier 0214-CDBU-C001"
    )

    answer = await chat.click(listed, "Aucun de ces messages")

    assert texts(answer).startswith("Je ne reconnais pas ce message d'erreur.")
    assert "Engagement juridique (EJ)" in titles(answer)  # the menu the message points to
    paste = "Erreur dans le système de gestion : Centre financier 0214-CDBU-C001"
    assert await review_queue(client, database_url, chat.id) == [(paste, "candidate_rejected")]


async def test_major_incidents_by_domain(client: httpx.AsyncClient) -> None:
    chat = Chat(client)
    menu = await chat.say(payload="/greet")

    domains = await chat.click(menu, "Incidents majeurs")
    assert "Engagement juridique (EJ)" in titles(domains)

    incidents = await chat.click(domains, "Engagement juridique (EJ)")
    assert texts(incidents) == "Les anomalies concernent les sujets suivants :"
    assert "Ajout d'un tiers dans l'EJ" in titles(incidents)

    incident = await chat.click(incidents, "Ajout d'un tiers dans l'EJ")
    assert "Vous devez créer une fiche pour le déblocage de l'EJ" in texts(incident)
    assert "Statut : " in texts(incident)


async def test_a_domain_answer_lists_its_topics(client: httpx.AsyncClient) -> None:
    chat = Chat(client)

    answer = await chat.say(payload="/fsd")

    assert "Cycle de vie d'une FSD" in titles(answer)
    topic = await chat.click(answer, "Nombre de pièces par FSD et par certificat administratif")
    assert "Pas plus de 20 pièces" in texts(topic)


async def test_a_message_not_understood_is_kept_for_review_with_the_reply(
    client: httpx.AsyncClient, database_url: str
) -> None:
    chat = Chat(client)
    await chat.say(payload="/greet")

    answer = await chat.say(text="xqzw plouf grmbl")

    assert texts(answer).startswith("Je n'ai pas compris votre demande.")
    assert await review_queue(client, database_url, chat.id) == [
        ("xqzw plouf grmbl", "not_understood")
    ]
