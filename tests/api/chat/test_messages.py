"""The conversation endpoint against a real Rasa: welcome, menu, answers, storage."""

import asyncio
import uuid

import httpx

DOMAIN_LABELS = [
    "Connexion",
    "Habilitation",
    "Message d'erreur",
    "Engagement juridique (EJ)",
    "Problème sur un workflow",
    "Chorus Formulaires",
    "RNF, tiers et restitutions",
    "Service fait présumé / assisté",
    "Carte achat / FTAP",
    "Informations sur une facture",
    "Incidents majeurs",
    "Migration SAP S/4HANA et upgrade SAP",
    "Fiche service desk (FSD)",
    "Formations",
    "Qui contacter ?",
]


def new_id() -> str:
    return uuid.uuid4().hex


async def send(client: httpx.AsyncClient, conversation_id: str, **body: object) -> httpx.Response:
    return await client.post(f"/api/v1/conversations/{conversation_id}/messages", json=body)


async def test_new_conversation_gets_greeting_and_fifteen_domain_buttons(
    client: httpx.AsyncClient,
) -> None:
    conversation_id = new_id()
    response = await send(client, conversation_id, payload="/greet")

    assert response.status_code == 200
    body = response.json()
    assert body["conversation_id"] == conversation_id
    assert body["status"] == "bot"
    [greeting] = body["messages"]
    assert greeting["text"].startswith("Bonjour")
    assert "message d'erreur" in greeting["text"]
    assert [b["title"] for b in greeting["buttons"]] == DOMAIN_LABELS
    assert greeting["buttons"][0]["payload"] == "/connexion"
    assert isinstance(greeting["id"], int)


async def test_typed_bonjour_also_shows_the_menu(client: httpx.AsyncClient) -> None:
    response = await send(client, new_id(), text="Bonjour !")

    [greeting] = response.json()["messages"]
    assert len(greeting["buttons"]) == 15


async def test_clicking_a_domain_answers_about_that_domain(client: httpx.AsyncClient) -> None:
    conversation_id = new_id()
    await send(client, conversation_id, payload="/greet")

    response = await send(client, conversation_id, payload="/connexion")

    assert response.status_code == 200
    texts = " ".join(m["text"] or "" for m in response.json()["messages"])
    assert "mot de passe" in texts


async def test_a_typed_question_reaches_its_domain(client: httpx.AsyncClient) -> None:
    response = await send(
        client, new_id(), text="je voudrais m'inscrire a un webinaire de formation AIFE"
    )

    texts = " ".join(m["text"] or "" for m in response.json()["messages"])
    assert "responsable DAF" in texts


async def test_transcript_keeps_user_and_bot_messages_in_order(client: httpx.AsyncClient) -> None:
    conversation_id = new_id()
    first = (await send(client, conversation_id, payload="/greet")).json()
    second = (await send(client, conversation_id, payload="/habilitation")).json()

    response = await client.get(f"/api/v1/conversations/{conversation_id}")

    assert response.status_code == 200
    messages = response.json()["messages"]
    assert [m["sender"] for m in messages] == ["user", "bot", "user", "bot"]
    assert messages[1]["id"] == first["messages"][0]["id"]
    assert messages[3]["id"] == second["messages"][0]["id"]
    # A clicked button is shown with its title, as the user saw it.
    assert messages[2]["payload"] == "/habilitation"
    assert messages[2]["text"] == "Habilitation"
    assert [m["id"] for m in messages] == sorted(m["id"] for m in messages)


async def test_html_is_stored_verbatim_and_answered(client: httpx.AsyncClient) -> None:
    conversation_id = new_id()
    script = "<script>alert('x')</script> <b>gras</b>"

    response = await send(client, conversation_id, text=script)

    assert response.status_code == 200
    transcript = (await client.get(f"/api/v1/conversations/{conversation_id}")).json()
    assert transcript["messages"][0]["text"] == script


async def test_multiline_pasted_text_is_accepted(client: httpx.AsyncClient) -> None:
    pasted = "Erreur dans le système de gestion :\r\n\tPoste de pièce 1508892764/00003\nn'a pas encore été reporté"

    response = await send(client, new_id(), text=pasted)

    assert response.status_code == 200
    assert response.json()["messages"]


async def test_simultaneous_first_messages_create_the_conversation_once(
    client: httpx.AsyncClient,
) -> None:
    conversation_id = new_id()

    responses = await asyncio.gather(
        *(send(client, conversation_id, text=f"bonjour {i}") for i in range(8))
    )

    # One of them created the conversation and got its token; the others, without it, are
    # refused (not stored) with a French message, and go through once they send the token.
    created = [r for r in responses if r.status_code == 200]
    assert len(created) == 1 and created[0].json()["conversation_token"]
    refused = [r for r in responses if r.status_code != 200]
    assert {r.status_code for r in refused} == {401}
    assert all("nouvelle conversation" in r.json()["message"] for r in refused)
    for i in range(7):
        assert (await send(client, conversation_id, text=f"encore {i}")).status_code == 200
    transcript = (await client.get(f"/api/v1/conversations/{conversation_id}")).json()
    assert sum(m["sender"] == "user" for m in transcript["messages"]) == 8


async def test_restart_shows_the_menu_again(client: httpx.AsyncClient) -> None:
    conversation_id = new_id()
    await send(client, conversation_id, payload="/greet")

    response = await send(client, conversation_id, text="nouvelle conversation")

    [message] = response.json()["messages"]
    assert message["text"].startswith("Nouvelle conversation")
    assert len(message["buttons"]) == 15
