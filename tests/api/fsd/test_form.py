"""The FSD form through the real bot: a CCA opens an FSD from the conversation."""

import uuid
from typing import Any

import httpx
import pytest

from tests.api.fsd.conftest import SmtpServer
from tests.tokens import cca_identity

# What the page declares; the role comes from the portal's signed identity.
CCA = {"application": "chorus"}


class Conversation:
    def __init__(
        self, client: httpx.AsyncClient, profile: dict[str, str], identity: str | None = None
    ) -> None:
        self.client, self.profile, self.id = client, profile, uuid.uuid4().hex
        self.identity = identity

    async def say(self, **body: Any) -> list[dict[str, Any]]:
        sent = {**body, "metadata": self.profile}
        if self.identity:
            sent["identity_token"] = self.identity
        response = await self.client.post(f"/api/v1/conversations/{self.id}/messages", json=sent)
        assert response.status_code == 200, response.text
        return list(response.json()["messages"])


def last_text(messages: list[dict[str, Any]]) -> str:
    return str(messages[-1]["text"])


async def test_a_cca_fills_the_form_confirms_and_gets_the_fsd_number_and_a_mail(
    chat_desk: httpx.AsyncClient, smtp: SmtpServer
) -> None:
    # A CCA whose portal signs no email: the form asks for it.
    chat = Conversation(chat_desk, CCA, cca_identity(email=None, sub="cmartin"))
    await chat.say(text="Centre financier 0123-TEST inexistant")  # a pasted error first

    assert "Quel titre lui donner" in last_text(
        await chat.say(text="je veux ouvrir une fiche service desk")
    )
    assert "Décrivez le problème" in last_text(await chat.say(text="Centre financier refusé"))
    severity = await chat.say(text="Le CF 0123-TEST est refusé à la création de l'EJ")
    assert severity[-1]["buttons"][0]["title"] == "Fonction secondaire"
    impact = await chat.say(payload=severity[-1]["buttons"][1]["payload"])
    users = await chat.say(payload=impact[-1]["buttons"][2]["payload"])
    assert "Combien d'utilisateurs" in last_text(users)
    refused = await chat.say(text="beaucoup")  # said why, then asked again
    assert "Indiquez un nombre d'utilisateurs" in refused[0]["text"]
    assert "Combien d'utilisateurs" in last_text(refused)
    kind = await chat.say(text="environ 12")
    number = await chat.say(payload=kind[-1]["buttons"][1]["payload"])
    assert "numéro de l'objet" in last_text(number)
    email = await chat.say(text="FAC-2026-12")
    assert "adresse électronique" in last_text(email)
    confirmation = await chat.say(text="camille.martin@min06.gouv.fr")
    summary = last_text(confirmation)
    assert "Titre : Centre financier refusé" in summary
    assert "Utilisateurs bloqués : 12" in summary

    done = await chat.say(payload="/affirm")

    text = last_text(done)
    assert text.startswith("Votre fiche service desk n° ")
    assert "est enregistrée au statut « nouveau » (priorité haute)" in text
    fsd_number = int(text.split("n° ")[1].split(" ")[0])
    [mail] = await smtp.inbox.wait_for(1)
    assert mail["To"] == "camille.martin@min06.gouv.fr"
    assert mail["Subject"] == f"Fiche service desk n° {fsd_number} : nouveau"

    status = await chat.say(text=f"où en est ma fiche {fsd_number} ?")
    assert last_text(status) == (
        f"La fiche n° {fsd_number} « Centre financier refusé » est au statut « nouveau »."
    )


async def test_a_cca_can_give_up_the_form(chat_desk: httpx.AsyncClient) -> None:
    chat = Conversation(chat_desk, CCA, cca_identity())
    await chat.say(text="je veux ouvrir une fiche service desk")

    cancelled = await chat.say(payload="/cancel_form")

    assert (
        last_text(cancelled) == "D'accord, je n'ouvre pas de fiche. Je reste à votre disposition."
    )


def button(messages: list[dict[str, Any]], title: str) -> str:
    """The payload of the button with this title in the bot's last message."""
    return next(b["payload"] for b in messages[-1]["buttons"] if b["title"] == title)


# The form, step by step: what the user answers, and what the bot asks next. The portal signs
# no email: the form asks for it; a business object: it asks for its number.
FORM_STEPS: list[tuple[str, str | None, str]] = [
    ("text", "je veux ouvrir une fiche service desk", "Quel titre lui donner"),
    ("text", "Centre financier refusé", "Décrivez le problème"),
    ("text", "Le CF 0123-TEST est refusé à la création de l'EJ", "importance de la fonction"),
    ("button", "Fonction importante", "impact de l'anomalie"),
    ("button", "Activité bloquée", "Combien d'utilisateurs"),
    ("text", "environ 12", "Votre demande porte sur"),
    ("button", "Un dossier (facture, mémoire, demande de remboursement)", "numéro de l'objet"),
    ("text", "FAC-2026-12", "adresse électronique"),
    ("text", "camille.martin@min06.gouv.fr", "Confirmez-vous ?"),
]
CANCELLED = "D'accord, je n'ouvre pas de fiche. Je reste à votre disposition."


@pytest.mark.parametrize("steps", range(1, len(FORM_STEPS) + 1), ids=[s[2] for s in FORM_STEPS])
async def test_annuler_typed_at_any_step_is_a_confirmed_cancellation(
    chat_desk: httpx.AsyncClient, steps: int
) -> None:
    chat = Conversation(chat_desk, CCA, cca_identity(email=None, sub="cmartin"))
    reply: list[dict[str, Any]] = []
    for kind, answer, asked in FORM_STEPS[:steps]:
        if kind == "button":
            reply = await chat.say(payload=button(reply, answer))
        else:
            reply = await chat.say(text=answer)
        assert asked in last_text(reply)
        if asked != "Confirmez-vous ?":  # every question of the form offers to cancel
            assert "Annuler la fiche" in [b["title"] for b in reply[-1]["buttons"]]

    cancelled = await chat.say(text="annuler")

    assert last_text(cancelled) == CANCELLED
    # The form is over: the next message is an ordinary one, not an answer to the form.
    after = await chat.say(text="bonjour")
    assert "Bonjour" in after[0]["text"]


async def test_someone_who_is_not_a_cca_gets_a_summary_for_their_cca(
    chat_desk: httpx.AsyncClient,
) -> None:
    chat = Conversation(chat_desk, {"role": "utilisateur", "ministry_code": "MIN06"})

    answer = await chat.say(text="je veux ouvrir une fiche service desk")

    assert "CCA" in answer[0]["text"]
    assert "Code ministère : MIN06" in answer[1]["text"]


async def test_declaring_the_cca_role_without_a_signed_identity_opens_nothing(
    chat_desk: httpx.AsyncClient,
) -> None:
    # Finding: an anonymous user sent metadata.role = "CCA" and opened an FSD in a CCA's name.
    chat = Conversation(
        chat_desk, {"role": "CCA", "ministry_code": "MIN06", "email": "autre@min06.gouv.fr"}
    )

    answer = await chat.say(text="je veux ouvrir une fiche service desk")

    assert answer[0]["text"].startswith("Seul le correspondant Chorus applicatif (CCA)")
    assert "Si vous êtes vous-même CCA" in answer[-1]["text"]
    assert not any("Quel titre" in (m["text"] or "") for m in answer)


async def test_the_status_of_an_unknown_fsd_is_said_plainly(chat_desk: httpx.AsyncClient) -> None:
    chat = Conversation(chat_desk, CCA, cca_identity())

    answer = await chat.say(text="où en est ma fiche 987654 ?")

    assert last_text(answer).startswith("La fiche n° 987654 n'existe pas.")
