"""The review inbox: what the assistant missed, grouped; teaching from it works at once in every
API process and can be undone; only admins see it."""

from typing import Any

import httpx
import pytest

from api.auth.models import Role
from api.conversations import service as conversations
from api.conversations.models import FeedbackRating
from api.core.db import create_engine, create_session_factory
from knowledge_base.vocabulary import REVIEW_NOT_UNDERSTOOD, REVIEW_UNKNOWN_ERROR
from tests.api.conftest import ClientFactory, TokenFactory, staff_headers

INBOX = "/api/v1/admin/review/inbox"
DECISIONS = "/api/v1/admin/review/decisions"


async def missed(
    database_url: str, conversation_id: str, text: str, reason: str = REVIEW_NOT_UNDERSTOOD
) -> int:
    """Store a user's message the bot could not answer, as the chat flow does."""
    engine = create_engine(database_url)
    async with create_session_factory(engine)() as session:
        conversation = await conversations.get_or_create(
            db_session=session, conversation_id=conversation_id
        )
        message = await conversations.add_user_message(
            db_session=session, conversation=conversation, text=text, payload=None
        )
        await conversations.add_bot_messages(
            db_session=session,
            conversation=conversation,
            utterances=[conversations.BotUtterance(text="Je n'ai pas compris.", buttons=[])],
        )
        item = await conversations.log_unanswered(
            db_session=session,
            conversation_id=conversation_id,
            text=text,
            reason=reason,
            candidates=["connexion-chorus-pro-mot-de-passe-oublie"],
            nlu_domain="connexion",
            message_id=message.id,
        )
        await session.commit()
        item_id = item.id
    await engine.dispose()
    return item_id


async def thumbs_down(database_url: str, conversation_id: str) -> None:
    """A user asks, the bot answers with an entry, the user gives a thumbs down."""
    engine = create_engine(database_url)
    async with create_session_factory(engine)() as session:
        conversation = await conversations.get_or_create(
            db_session=session, conversation_id=conversation_id
        )
        await conversations.add_user_message(
            db_session=session,
            conversation=conversation,
            text="comment faire une FSD",
            payload=None,
        )
        [answer] = await conversations.add_bot_messages(
            db_session=session,
            conversation=conversation,
            utterances=[
                conversations.BotUtterance(
                    text="Seul le CCA ouvre une FSD.",
                    buttons=[],
                    entry_id="fsd-creation",
                    entry_version=1,
                )
            ],
        )
        await conversations.record_feedback(
            db_session=session,
            message=answer,
            rating=FeedbackRating.DOWN,
            comment="pas clair",
            ministry_code="MINEFI",
        )
        await session.commit()
    await engine.dispose()


async def inbox(client: httpx.AsyncClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    response = await client.get(INBOX, headers=headers)
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


async def answered(client: httpx.AsyncClient, text: str) -> str | None:
    response = await client.post("/api/v1/kb/search", json={"text": text})
    assert response.status_code == 200, response.text
    answer = response.json()["answer"]
    return answer["entry_id"] if answer else None


async def test_close_wordings_are_one_group_with_count_dates_domain_and_candidates(
    kb_client: httpx.AsyncClient, admin_headers: dict[str, str], database_url: str
) -> None:
    await missed(database_url, "conv-aaaa-1", "le truc violet clignote sans arrêt")
    await missed(database_url, "conv-aaaa-2", "Le truc violet clignote sans arrêt !")
    await missed(database_url, "conv-aaaa-3", "le truc violet clignote sans arret")
    await missed(database_url, "conv-aaaa-4", "où trouver le calendrier des webinaires")

    lines = await inbox(kb_client, admin_headers)

    assert [line["count"] for line in lines] == [3, 1]
    group = lines[0]
    assert group["text"].lower().startswith("le truc violet clignote")
    assert len(group["wordings"]) == 3
    assert group["nlu_domain"] == "connexion"
    assert group["first_seen"] <= group["last_seen"]
    assert group["conversation_id"] == "conv-aaaa-3"
    assert [c["entry_id"] for c in group["candidates"]] == [
        "connexion-chorus-pro-mot-de-passe-oublie"
    ]
    assert group["candidates"][0]["title"]


async def test_attaching_answers_at_once_in_every_process_and_undo_reverts_it(
    kb_client: httpx.AsyncClient,
    make_client: ClientFactory,
    admin_headers: dict[str, str],
    database_url: str,
    unused_url: str,
) -> None:
    wording = "ma carte agent ne passe plus sur le portail des factures"
    first = await missed(database_url, "conv-bbbb-1", wording)
    second = await missed(database_url, "conv-bbbb-2", wording.capitalize())
    third = await missed(database_url, "conv-bbbb-3", wording)  # the most frequent wording
    other_process = await make_client(rasa_url=unused_url, action_server_url=unused_url)
    assert await answered(other_process, wording) != "connexion-chorus-pro-mot-de-passe-oublie"

    decided = await kb_client.post(
        DECISIONS,
        json={
            "item_kind": "unanswered",
            "item_ids": [first, second, third],
            "decision": "attach",
            "entry_id": "connexion-chorus-pro-mot-de-passe-oublie",
        },
        headers=admin_headers,
    )

    assert decided.status_code == 201, decided.text
    decision = decided.json()
    assert decision["item_count"] == 3
    assert decision["decided_by"] == "admin-1"
    assert decision["added"] == {"text": wording, "is_error_message": False}
    assert await inbox(kb_client, admin_headers) == []
    for client in (kb_client, other_process):
        assert await answered(client, wording) == "connexion-chorus-pro-mot-de-passe-oublie"

    undone = await kb_client.post(f"{DECISIONS}/{decision['id']}/undo", headers=admin_headers)

    assert undone.status_code == 200, undone.text
    assert undone.json()["undone_by"] == "admin-1"
    assert [line["item_ids"] for line in await inbox(kb_client, admin_headers)] == [
        [first, second, third]
    ]
    assert await answered(other_process, wording) != "connexion-chorus-pro-mot-de-passe-oublie"
    again = await kb_client.post(f"{DECISIONS}/{decision['id']}/undo", headers=admin_headers)
    assert again.status_code == 409
    assert again.json()["message"] == "Cette décision est déjà annulée."

    audit = await kb_client.get("/api/v1/admin/review/audit", headers=admin_headers)
    assert [e["action"] for e in audit.json()] == [
        "review.undo",
        "knowledge.untaught",
        "review.attach",
        "knowledge.teach",
    ]
    assert all(e["actor"] == "admin-1" for e in audit.json())


async def test_a_pasted_error_is_attached_as_an_error_message(
    kb_client: httpx.AsyncClient, admin_headers: dict[str, str], database_url: str
) -> None:
    paste = "Erreur ZZ_042 : le poste 0007 est verrouillé par un autre traitement"
    item = await missed(database_url, "conv-cccc-1", paste, reason=REVIEW_UNKNOWN_ERROR)
    [line] = await inbox(kb_client, admin_headers)
    assert line["paste"] is True

    decided = await kb_client.post(
        DECISIONS,
        json={
            "item_kind": "unanswered",
            "item_ids": [item],
            "decision": "attach",
            "entry_id": "ej-incident-ajout-tiers",
        },
        headers=admin_headers,
    )

    assert decided.status_code == 201, decided.text
    assert decided.json()["added"]["is_error_message"] is True
    matched = await kb_client.post("/api/v1/kb/match", json={"text": paste})
    assert matched.json()["match"]["entry_id"] == "ej-incident-ajout-tiers"


async def test_a_new_entry_from_the_inbox_answers_the_wording(
    kb_client: httpx.AsyncClient, admin_headers: dict[str, str], database_url: str
) -> None:
    wording = "comment obtenir le badge du bâtiment de la DCISIF"
    item = await missed(database_url, "conv-dddd-1", wording)

    decided = await kb_client.post(
        DECISIONS,
        json={
            "item_kind": "unanswered",
            "item_ids": [item],
            "decision": "new_entry",
            "entry": {
                "id": "support-badge-dcisif",
                "application": "chorus",
                "domain": "organisation_support",
                "title": "Badge d'accès au bâtiment de la DCISIF",
                "answer": "La base de connaissances ne dit rien des badges : voyez votre CCA.",
            },
        },
        headers=admin_headers,
    )

    assert decided.status_code == 201, decided.text
    assert await answered(kb_client, wording) == "support-badge-dcisif"
    undone = await kb_client.post(f"{DECISIONS}/{decided.json()['id']}/undo", headers=admin_headers)
    assert undone.status_code == 200
    entry = await kb_client.get("/api/v1/kb/entries/support-badge-dcisif")
    assert entry.status_code == 404  # retired


async def test_thumbs_down_shows_question_answer_entry_and_comment_and_can_be_ignored(
    kb_client: httpx.AsyncClient, admin_headers: dict[str, str], database_url: str
) -> None:
    await thumbs_down(database_url, "conv-eeee-1")

    [line] = await inbox(kb_client, admin_headers)

    assert line["kind"] == "feedback"
    assert line["text"] == "comment faire une FSD"
    assert line["answer"] == "Seul le CCA ouvre une FSD."
    assert line["entry"]["entry_id"] == "fsd-creation"
    assert line["entry_version"] == 1
    assert (line["comment"], line["ministry_code"]) == ("pas clair", "MINEFI")
    ignored = await kb_client.post(
        DECISIONS,
        json={"item_kind": "feedback", "item_ids": line["item_ids"], "decision": "done"},
        headers=admin_headers,
    )
    assert ignored.status_code == 201
    assert await inbox(kb_client, admin_headers) == []


async def test_the_transcript_is_shown_around_the_message(
    kb_client: httpx.AsyncClient, admin_headers: dict[str, str], database_url: str
) -> None:
    await missed(database_url, "conv-ffff-1", "premier message incompris")
    await missed(database_url, "conv-ffff-1", "second message incompris")
    line = next(x for x in await inbox(kb_client, admin_headers) if x["text"].startswith("prem"))

    response = await kb_client.get(
        f"/api/v1/admin/review/conversations/{line['conversation_id']}",
        params={"around": line["message_id"]},
        headers=admin_headers,
    )

    assert response.status_code == 200
    body = response.json()
    assert body["focus_message_id"] == line["message_id"]
    assert [m["text"] for m in body["messages"]] == [
        "premier message incompris",
        "Je n'ai pas compris.",
        "second message incompris",
        "Je n'ai pas compris.",
    ]


@pytest.mark.parametrize("role", [Role.ADVISOR, Role.CCA, Role.SN1])
async def test_only_admins_see_the_inbox(
    kb_client: httpx.AsyncClient, token_for: TokenFactory, role: Role
) -> None:
    anonymous = await kb_client.get(INBOX)
    assert anonymous.status_code == 401
    assert anonymous.json()["message"] == "Vous devez vous identifier."
    headers = {"Authorization": f"Bearer {await token_for(role)}"}
    other = await kb_client.get(INBOX, headers=headers)
    assert other.status_code == 403
    assert other.json()["message"] == "Vous n'avez pas les droits nécessaires."
    decided = await kb_client.post(
        DECISIONS,
        json={"item_kind": "unanswered", "item_ids": [1], "decision": "ignore"},
        headers=headers,
    )
    assert decided.status_code == 403


async def test_an_advisor_who_is_also_admin_reviews(
    kb_client: httpx.AsyncClient, database_url: str
) -> None:
    headers = await staff_headers(
        kb_client, database_url, username="marie", role=Role.ADVISOR, extra_roles=(Role.ADMIN,)
    )
    token = await kb_client.post(
        "/api/v1/auth/token",
        json={"username": "marie", "password": "correct horse battery staple"},
    )
    assert sorted(token.json()["roles"]) == ["admin", "advisor"]
    assert (await kb_client.get(INBOX, headers=headers)).status_code == 200


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"item_kind": "unanswered", "item_ids": [999], "decision": "ignore"}, 404, "n'existe"),
        ({"item_kind": "unanswered", "item_ids": [], "decision": "ignore"}, 422, None),
        ({"item_kind": "unanswered", "item_ids": ["x"], "decision": "ignore"}, 422, None),
        ({"item_kind": "potato", "item_ids": [1], "decision": "ignore"}, 422, None),
        ({"item_kind": "unanswered", "item_ids": [1], "decision": "attach"}, 422, None),
        (
            {"item_kind": "feedback", "item_ids": [1], "decision": "attach", "entry_id": "x"},
            422,
            None,
        ),
        ("<script>alert(1)</script>", 422, None),
    ],
)
async def test_bad_decisions_get_a_clear_4xx(
    kb_client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    body: Any,
    status: int,
    message: str | None,
) -> None:
    response = await kb_client.post(DECISIONS, json=body, headers=admin_headers)
    assert response.status_code == status, response.text
    assert response.json()["message"]
    if message:
        assert message in response.json()["message"]


async def test_deciding_twice_or_on_a_missing_entry_is_refused_and_loses_nothing(
    kb_client: httpx.AsyncClient, admin_headers: dict[str, str], database_url: str
) -> None:
    item = await missed(database_url, "conv-gggg-1", "question jamais vue sur les badges")
    to_missing_entry = await kb_client.post(
        DECISIONS,
        json={
            "item_kind": "unanswered",
            "item_ids": [item],
            "decision": "attach",
            "entry_id": "nope",
        },
        headers=admin_headers,
    )
    assert to_missing_entry.status_code == 404
    assert len(await inbox(kb_client, admin_headers)) == 1  # still there

    body = {"item_kind": "unanswered", "item_ids": [item], "decision": "off_topic"}
    assert (await kb_client.post(DECISIONS, json=body, headers=admin_headers)).status_code == 201
    twice = await kb_client.post(DECISIONS, json=body, headers=admin_headers)
    assert twice.status_code == 409
    assert twice.json()["message"] == "Cet élément a déjà été traité."
    unknown = await kb_client.post(f"{DECISIONS}/424242/undo", headers=admin_headers)
    assert unknown.status_code == 404
