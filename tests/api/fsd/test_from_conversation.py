"""An FSD opened from a conversation: only with a CCA's profile, with the transcript."""

import uuid

import httpx

from tests.api.fsd.conftest import FSD, SmtpServer

BODY = {k: v for k, v in FSD.items() if k != "initiator_email"} | {
    "initiator": "Camille Martin",
    "initiator_email": "camille.martin@min06.gouv.fr",
}


async def start(desk: httpx.AsyncClient, role: str, ministry: str = "MIN06") -> str:
    """Create a conversation with this profile (Rasa is down: the message is still stored)."""
    conversation_id = uuid.uuid4().hex
    await desk.post(
        f"/api/v1/conversations/{conversation_id}/messages",
        json={
            "text": "Ma facture est bloquée au service fait",
            "metadata": {"role": role, "ministry_code": ministry},
        },
    )
    return conversation_id


async def test_a_cca_opens_an_fsd_from_the_conversation_with_its_transcript(
    desk: httpx.AsyncClient, smtp: SmtpServer
) -> None:
    conversation_id = await start(desk, "CCA")

    response = await desk.post(f"/api/v1/conversations/{conversation_id}/fsd", json=BODY)

    assert response.status_code == 201, response.text
    fsd = response.json()
    assert fsd["conversation_id"] == conversation_id and fsd["ministry_code"] == "MIN06"
    assert fsd["transcript"][0]["text"] == "Ma facture est bloquée au service fait"
    [mail] = await smtp.inbox.wait_for(1)
    assert mail["To"] == "camille.martin@min06.gouv.fr"

    status = await desk.get(f"/api/v1/conversations/{conversation_id}/fsd/{fsd['number']}")
    assert status.json()["status_label"] == "nouveau"


async def test_anyone_else_is_sent_to_their_cca(desk: httpx.AsyncClient) -> None:
    conversation_id = await start(desk, "utilisateur")

    response = await desk.post(f"/api/v1/conversations/{conversation_id}/fsd", json=BODY)

    assert response.status_code == 403
    assert "adressez-vous à votre CCA" in response.json()["message"]


async def test_the_status_of_another_ministrys_fsd_is_not_shown(desk: httpx.AsyncClient) -> None:
    owner = await start(desk, "CCA")
    number = (await desk.post(f"/api/v1/conversations/{owner}/fsd", json=BODY)).json()["number"]
    same_ministry, other_ministry = (
        await start(desk, "utilisateur"),
        await start(desk, "x", "MIN09"),
    )

    assert (
        await desk.get(f"/api/v1/conversations/{same_ministry}/fsd/{number}")
    ).status_code == 200
    hidden = await desk.get(f"/api/v1/conversations/{other_ministry}/fsd/{number}")
    assert hidden.status_code == 404
    assert hidden.json()["message"] == f"La fiche n° {number} n'existe pas."
