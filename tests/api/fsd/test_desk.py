"""The FSD desk: who opens, the lifecycle by role, the pieces rules, attachments, emails."""

from typing import Any

import httpx
import pytest
from sqlalchemy import text

from api.core.db import create_engine
from tests.api.fsd.conftest import FSD, SmtpServer

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"x" * 64
XLSX = b"PK\x03\x04" + b"\x00" * 64


async def create(
    desk: httpx.AsyncClient, headers: dict[str, str], **changes: Any
) -> dict[str, Any]:
    response = await desk.post("/api/v1/fsd", json={**FSD, **changes}, headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def move(
    desk: httpx.AsyncClient, number: int, status: str, headers: dict[str, str], comment: str = ""
) -> httpx.Response:
    return await desk.post(
        f"/api/v1/fsd/{number}/status", json={"status": status, "comment": comment}, headers=headers
    )


async def attach(
    desk: httpx.AsyncClient, number: int, kind: str, name: str, data: bytes, headers: dict[str, str]
) -> httpx.Response:
    return await desk.post(
        f"/api/v1/fsd/{number}/attachments",
        data={"kind": kind},
        files={"file": (name, data, "application/octet-stream")},
        headers=headers,
    )


async def test_a_cca_opens_an_fsd_with_its_priority_routing_and_first_email(
    desk: httpx.AsyncClient, accounts: dict[str, dict[str, str]], smtp: SmtpServer
) -> None:
    fsd = await create(desk, accounts["cca"])

    assert fsd["status"] == "nouveau" and fsd["status_label"] == "nouveau"
    assert fsd["priority"] == "haute"  # severity 2 + impact 3 + 4 users (level 2)
    assert fsd["category"] == "support_outil"
    assert fsd["initiator"] == "cca-user" and fsd["ministry_code"] == "MIN06"
    assert [e["to_status"] for e in fsd["history"]] == ["nouveau"]
    [mail] = await smtp.inbox.wait_for(1)
    assert mail["To"] == "cca@min06.gouv.fr"
    assert mail["Subject"] == f"Fiche service desk n° {fsd['number']} : nouveau"


@pytest.mark.parametrize("role", ["sn1", "sn2", "advisor"])
async def test_only_a_cca_opens_an_fsd(
    desk: httpx.AsyncClient, accounts: dict[str, dict[str, str]], role: str
) -> None:
    response = await desk.post("/api/v1/fsd", json=FSD, headers=accounts[role])

    assert response.status_code == 403
    assert response.json()["message"] == (
        "Seul un correspondant Chorus applicatif (CCA) peut ouvrir une fiche service desk : "
        "adressez-vous à votre CCA."
    )


async def test_a_business_subcategory_needs_the_object_number(
    desk: httpx.AsyncClient, accounts: dict[str, dict[str, str]]
) -> None:
    refused = await desk.post(
        "/api/v1/fsd", json={**FSD, "subcategory": "M01 - Facture"}, headers=accounts["cca"]
    )
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["type"] == "object_number_required"

    fsd = await create(desk, accounts["cca"], subcategory="M01 - Facture", object_number="FAC-9")
    assert fsd["category"] == "service_metier" and fsd["object_number"] == "FAC-9"


async def test_more_than_twenty_pieces_is_refused(
    desk: httpx.AsyncClient, accounts: dict[str, dict[str, str]]
) -> None:
    response = await desk.post(
        "/api/v1/fsd", json={**FSD, "pieces_count": 21}, headers=accounts["cca"]
    )
    assert response.status_code == 422
    assert "au plus 20" in response.json()["message"]


async def test_beyond_five_pieces_sn1_cannot_take_it_without_the_list(
    desk: httpx.AsyncClient, accounts: dict[str, dict[str, str]]
) -> None:
    fsd = await create(desk, accounts["cca"], pieces_count=8)
    assert "tableur listant les pièces" in fsd["missing"][0]

    refused = await move(desk, fsd["number"], "en_cours_de_traitement", accounts["sn1"])
    assert refused.status_code == 409
    assert refused.json()["message"].startswith("La fiche n'est pas complète")

    added = await attach(desk, fsd["number"], "pieces_list", "pieces.xlsx", XLSX, accounts["cca"])
    assert added.status_code == 201, added.text
    taken = await move(desk, fsd["number"], "en_cours_de_traitement", accounts["sn1"])
    assert taken.status_code == 200 and taken.json()["missing"] == []


async def test_an_intervention_needs_the_signed_certificate(
    desk: httpx.AsyncClient, accounts: dict[str, dict[str, str]]
) -> None:
    fsd = await create(desk, accounts["cca"], intervention="contrepassation")
    assert "certificat administratif signé" in fsd["missing"][0]
    assert (
        await move(desk, fsd["number"], "en_cours_de_traitement", accounts["sn1"])
    ).status_code == 409

    await attach(desk, fsd["number"], "certificate", "ca.pdf", PDF, accounts["cca"])
    assert (
        await move(desk, fsd["number"], "en_cours_de_traitement", accounts["sn1"])
    ).status_code == 200


async def test_the_whole_lifecycle_is_kept_and_mailed(
    desk: httpx.AsyncClient, accounts: dict[str, dict[str, str]], smtp: SmtpServer
) -> None:
    fsd = await create(desk, accounts["cca"])
    number = fsd["number"]
    steps = [
        ("en_cours_de_traitement", "sn1", "Pris en charge"),
        ("envoye_au_support", "sn1", "Escaladé au SN2"),
        ("action_correspondant", "sn2", "Merci de préciser la date"),
        ("en_cours_de_traitement", "cca", "Date : 3 novembre"),
        ("proposition_de_solution", "sn1", "Relancez le workflow"),
        ("clos", "cca", "Résolu"),
    ]
    for status, role, comment in steps:
        response = await move(desk, number, status, accounts[role], comment)
        assert response.status_code == 200, (status, role, response.text)

    history = (await desk.get(f"/api/v1/fsd/{number}", headers=accounts["sn2"])).json()["history"]
    assert [(e["from_status"], e["to_status"], e["actor_role"]) for e in history] == [
        (None, "nouveau", "cca"),
        ("nouveau", "en_cours_de_traitement", "sn1"),
        ("en_cours_de_traitement", "envoye_au_support", "sn1"),
        ("envoye_au_support", "action_correspondant", "sn2"),
        ("action_correspondant", "en_cours_de_traitement", "cca"),
        ("en_cours_de_traitement", "proposition_de_solution", "sn1"),
        ("proposition_de_solution", "clos", "cca"),
    ]
    mails = await smtp.inbox.wait_for(7)
    assert [m["Subject"].split(" : ")[1] for m in mails] == [
        "nouveau",
        "en cours de traitement",
        "envoyé au support",
        "action correspondant",
        "en cours de traitement",
        "proposition de solution",
        "clos",
    ]
    assert "Commentaire : Merci de préciser la date" in mails[3].get_payload(decode=True).decode()


@pytest.mark.parametrize(
    ("path", "role", "status", "reason"),
    [
        ([], "cca", "en_cours_de_traitement", "réservé à : SN1"),
        ([], "sn2", "proposition_de_solution", "ne peut pas passer"),
        (["en_cours_de_traitement"], "cca", "envoye_au_support", "un CCA ne l'envoie jamais"),
        (["en_cours_de_traitement"], "sn2", "envoye_au_support", "Seul le support ministériel"),
        (["en_cours_de_traitement", "clos"], "sn1", "en_cours_de_traitement", "est close"),
        ([], "sn1", "nouveau", "déjà au statut"),
    ],
)
async def test_refused_transitions_are_409_with_the_reason(
    desk: httpx.AsyncClient,
    accounts: dict[str, dict[str, str]],
    path: list[str],
    role: str,
    status: str,
    reason: str,
) -> None:
    number = (await create(desk, accounts["cca"]))["number"]
    for step in path:
        assert (await move(desk, number, step, accounts["sn1"])).status_code == 200

    response = await move(desk, number, status, accounts[role])

    assert response.status_code == 409
    assert reason in response.json()["message"]


async def test_a_cca_sees_only_their_own_fsds(
    desk: httpx.AsyncClient, accounts: dict[str, dict[str, str]]
) -> None:
    number = (await create(desk, accounts["cca"]))["number"]

    assert (await desk.get(f"/api/v1/fsd/{number}", headers=accounts["cca2"])).status_code == 404
    assert (await desk.get("/api/v1/fsd", headers=accounts["cca2"])).json() == []
    assert len((await desk.get("/api/v1/fsd", headers=accounts["sn1"])).json()) == 1
    assert (await desk.get(f"/api/v1/fsd/{number}")).status_code == 401


@pytest.mark.parametrize(
    ("kind", "name", "data", "status", "reason"),
    [
        ("screenshot", "capture.png", PNG, 201, None),
        ("screenshot", "capture.png", b"<html><script>alert(1)</script>", 422, "type de fichier"),
        ("screenshot", "ca.pdf", PDF, 422, "capture d'écran doit être une image"),
        ("certificate", "ca.pdf", PDF, 201, None),
        ("pieces_list", "pieces.csv", b"piece;societe;exercice\n1;1000;2026\n", 201, None),
        ("file", "outil.exe", b"MZ\x90\x00" + b"\x00" * 64, 422, "type de fichier"),
        ("file", "vide.pdf", b"", 422, "vide"),
        ("file", "gros.pdf", b"%PDF-" + b"x" * (5 * 1024 * 1024), 413, "taille maximale"),
    ],
)
async def test_attachments_are_checked_by_size_and_content(
    desk: httpx.AsyncClient,
    accounts: dict[str, dict[str, str]],
    kind: str,
    name: str,
    data: bytes,
    status: int,
    reason: str | None,
) -> None:
    number = (await create(desk, accounts["cca"]))["number"]

    response = await attach(desk, number, kind, name, data, accounts["cca"])

    assert response.status_code == status, response.text
    if reason:
        assert reason in response.json()["message"]
    else:
        got = await desk.get(
            f"/api/v1/fsd/{number}/attachments/{response.json()['id']}", headers=accounts["sn1"]
        )
        assert got.content == data


async def test_the_fsd_list_shows_exactly_what_the_single_read_allows(
    desk: httpx.AsyncClient, accounts: dict[str, dict[str, str]], database_url: str
) -> None:
    """An advisor once received every FSD whose initiator matched their name (the initiator of
    an FSD opened from the chat is the profile's claim); now the list follows the same rule as
    GET /fsd/{number}: a CCA their own, SN1 and SN2 all, nobody else any."""
    fsd = await create(desk, accounts["cca"])
    engine = create_engine(database_url)
    async with engine.begin() as connection:
        await connection.execute(
            text("UPDATE fsd SET initiator = 'advisor-user' WHERE id = :id"), {"id": fsd["number"]}
        )
    await engine.dispose()

    for name, sees in (("advisor", False), ("sn1", True), ("sn2", True), ("cca2", False)):
        listed = (await desk.get("/api/v1/fsd", headers=accounts[name])).json()
        one = await desk.get(f"/api/v1/fsd/{fsd['number']}", headers=accounts[name])
        assert ([f["number"] for f in listed] == [fsd["number"]]) is sees, name
        assert (one.status_code == 200) is sees, name
