"""The LiveChat handoff end to end: the real API server, Rasa and the action server, HTTP and
WebSockets. Every transition of a conversation's status is exercised."""

import asyncio
from typing import Any

import httpx

from tests.api.handoff.conftest import (
    WEEKEND_TIME,
    AdvisorFactory,
    LiveServer,
    SocketFactory,
    new_conversation_id,
)
from tests.tokens import token_of

CATEGORY = '/choose_handoff_category{"category": "support_chorus_pro"}'


async def say(http: httpx.AsyncClient, conversation_id: str, **body: Any) -> dict[str, Any]:
    response = await http.post(f"/api/v1/conversations/{conversation_id}/messages", json=body)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def hand_off(http: httpx.AsyncClient, conversation_id: str) -> dict[str, Any]:
    """Ask for a human and pick a category: the conversation joins the queue."""
    offer = await say(http, conversation_id, text="je voudrais parler à un conseiller")
    assert offer["messages"][0]["buttons"][2]["payload"] == CATEGORY
    return await say(http, conversation_id, payload=CATEGORY)


async def queue(http: httpx.AsyncClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    response = await http.get("/api/v1/console/queue", headers=headers)
    assert response.status_code == 200, response.text
    return list(response.json())


async def claimed(
    http: httpx.AsyncClient, headers: dict[str, str], conversation_id: str
) -> dict[str, Any]:
    """Hand a new conversation off and claim it as this advisor; return its queue entry."""
    await hand_off(http, conversation_id)
    [entry] = await queue(http, headers)
    response = await http.post(f"/api/v1/console/handoffs/{entry['id']}/claim", headers=headers)
    assert response.status_code == 200, response.text
    return entry


async def rasa_tracker(stack: Any, conversation_id: str) -> dict[str, Any]:
    async with httpx.AsyncClient() as client:
        response = await client.get(
            f"{stack.rasa_url}/conversations/{conversation_id}/tracker",
            params={"token": stack.rasa_token},
        )
    return dict(response.json())


async def test_asking_for_a_human_within_hours_queues_the_conversation(
    http: httpx.AsyncClient, advisor: AdvisorFactory, stack: Any
) -> None:
    conversation = new_conversation_id()

    reply = await hand_off(http, conversation)

    assert reply["status"] == "waiting_agent"
    assert reply["handoff"]["position"] == 1 and reply["handoff"]["offline"] is False
    assert (
        "Je transmets votre demande à un conseiller (Support outil Chorus Pro)"
        in (reply["messages"][-1]["text"])
    )
    assert reply["messages"][-1]["buttons"] == [
        {"title": "Quitter la file d'attente", "payload": "/cancel_handoff"}
    ]
    [entry] = await queue(http, await advisor())
    assert entry["conversation_id"] == conversation
    assert entry["category_label"] == "Support outil Chorus Pro"
    availability = (await http.get("/api/v1/handoff/availability")).json()
    assert availability["open"] is True and availability["next_opening"] is None
    assert entry["status"] == "waiting" and entry["position"] == 1
    # Rasa's tracker is paused while advisors own the conversation.
    assert (await rasa_tracker(stack, conversation))["paused"] is True
    restored = (await http.get(f"/api/v1/conversations/{conversation}")).json()
    assert restored["status"] == "waiting_agent" and restored["handoff"]["position"] == 1


async def test_the_second_user_in_a_category_is_second_in_line(
    http: httpx.AsyncClient,
) -> None:
    first, second = new_conversation_id(), new_conversation_id()
    await hand_off(http, first)

    reply = await hand_off(http, second)

    assert reply["handoff"]["position"] == 2
    assert "Vous êtes en position 2 dans la file d'attente." in reply["messages"][-1]["text"]


async def test_while_waiting_messages_go_to_the_advisors_not_to_the_bot(
    http: httpx.AsyncClient, advisor: AdvisorFactory
) -> None:
    conversation = new_conversation_id()
    await hand_off(http, conversation)

    reply = await say(http, conversation, text="bonjour, ma facture est bloquée depuis lundi")

    assert reply == {
        "conversation_id": conversation,
        "status": "waiting_agent",
        "messages": [],
        "handoff": reply["handoff"],
        "conversation_token": None,  # only the first message returns it
    }
    [entry] = await queue(http, await advisor())
    assert entry["last_user_text"] == "bonjour, ma facture est bloquée depuis lundi"


async def test_a_full_chat_with_an_advisor_over_websockets(
    http: httpx.AsyncClient, advisor: AdvisorFactory, open_socket: SocketFactory, stack: Any
) -> None:
    conversation = new_conversation_id()
    await hand_off(http, conversation)
    await say(http, conversation, text="Ma facture FAC-42 est rejetée")
    headers = await advisor()
    token = headers["Authorization"].removeprefix("Bearer ")
    widget = await open_socket(
        f"/api/v1/conversations/{conversation}/ws?token={token_of(http, conversation)}"
    )
    console = await open_socket("/api/v1/console/ws")
    await console.send({"type": "auth", "token": token})
    assert (await console.next())["type"] == "ready"
    queued = await console.until(lambda f: f["type"] == "queue")
    [entry] = queued["entries"]
    status = await widget.until(lambda f: f["type"] == "status")
    assert status["status"] == "waiting_agent" and status["handoff"]["position"] == 1

    # The advisor claims: the user is told, the context and transcript come with it.
    claimed = await http.post(f"/api/v1/console/handoffs/{entry['id']}/claim", headers=headers)
    assert claimed.status_code == 200, claimed.text
    detail = claimed.json()
    assert detail["status"] == "active" and detail["advisor"] == "conseiller-1"
    assert detail["context"]["trigger"] == "user_request"
    assert [m["text"] for m in detail["messages"] if m["sender"] == "user"][-1] == (
        "Ma facture FAC-42 est rejetée"
    )
    joined = await widget.until(lambda f: f["type"] == "message")
    assert joined["message"]["text"].startswith("Un conseiller a rejoint la conversation.")
    assert (await widget.until(lambda f: f["type"] == "status"))["status"] == "agent"

    # Advisor -> user, in real time.
    await console.send({"type": "watch", "conversation_id": conversation, "after": 0})
    sent = await http.post(
        f"/api/v1/console/handoffs/{entry['id']}/messages",
        json={"text": "Bonjour, je regarde votre facture FAC-42."},
        headers=headers,
    )
    assert sent.status_code == 201
    received = await widget.until(lambda f: f["type"] == "message")
    assert received["message"]["sender"] == "agent"
    assert received["message"]["text"] == "Bonjour, je regarde votre facture FAC-42."

    # User -> advisor, in real time, over HTTP and over the widget's socket.
    await say(http, conversation, text="Merci, elle date du 3 novembre")
    await widget.send({"type": "message", "text": "et son montant est de 120 €"})
    expected = {"Merci, elle date du 3 novembre", "et son montant est de 120 €"}
    seen: set[str] = set()
    await console.until(
        lambda f: f["type"] == "message"
        and f["conversation_id"] == conversation
        and seen.add(f["message"]["text"]) is None
        and expected <= seen
    )

    # The advisor closes: the bot takes over and asks for a star rating of the chat.
    closed = await http.post(
        f"/api/v1/console/handoffs/{entry['id']}/close",
        json={"outcome": "resolved", "note": "facture rejetée pour SIRET erroné"},
        headers=headers,
    )
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "closed" and closed.json()["outcome"] == "resolved"
    frames: list[dict[str, Any]] = []
    rating_request = await widget.until(
        lambda f: frames.append(f) is None and f["type"] == "message" and f["message"]["ask_rating"]
    )
    assert (
        "Comment évaluez-vous cet échange avec le conseiller" in (rating_request["message"]["text"])
    )
    assert [f["status"] for f in frames if f["type"] == "status"] == ["bot"]
    assert (await rasa_tracker(stack, conversation))["paused"] is False
    rated = await http.post(
        f"/api/v1/conversations/{conversation}/rating", json={"stars": 4, "comment": "rapide"}
    )
    assert rated.status_code == 201

    # The bot answers again.
    reply = await say(http, conversation, text="bonjour")
    assert reply["status"] == "bot" and reply["messages"]
    assert await queue(http, headers) == []


async def test_two_advisors_claiming_at_once_exactly_one_wins(
    http: httpx.AsyncClient, advisor: AdvisorFactory
) -> None:
    conversation = new_conversation_id()
    await hand_off(http, conversation)
    first, second = await advisor("conseiller-a"), await advisor("conseiller-b")
    [entry] = await queue(http, first)
    path = f"/api/v1/console/handoffs/{entry['id']}/claim"

    responses = await asyncio.gather(
        *(http.post(path, headers=headers) for headers in (first, second, first, second))
    )

    codes = sorted(r.status_code for r in responses)
    assert codes == [200, 409, 409, 409]
    loser = next(r for r in responses if r.status_code == 409).json()
    assert loser["message"] == (
        "Cette conversation a déjà été prise en charge par un autre conseiller."
    )
    winner = next(r for r in responses if r.status_code == 200).json()["advisor"]
    other = second if winner == "conseiller-a" else first
    refused = await http.post(
        f"/api/v1/console/handoffs/{entry['id']}/messages", json={"text": "x"}, headers=other
    )
    assert refused.status_code == 403
    assert refused.json()["message"] == (
        "Cette conversation est prise en charge par un autre conseiller."
    )


async def test_outside_hours_the_user_is_told_when_advisors_are_back_and_can_leave_a_message(
    http: httpx.AsyncClient, live_server: LiveServer, advisor: AdvisorFactory
) -> None:
    live_server.clock.now = WEEKEND_TIME
    conversation = new_conversation_id()

    reply = await hand_off(http, conversation)

    assert reply["status"] == "bot" and reply["handoff"] is None
    away = reply["messages"][-1]
    assert away["text"].startswith(
        "Nos conseillers répondent du lundi au vendredi de 8 h 30 à 18 h 30, hors jours fériés. "
        "Ils seront de retour lundi 30 novembre à 8 h 30."
    )
    assert [b["title"] for b in away["buttons"]] == [
        "Laisser un message",
        "Ouvrir une fiche (FSD)",
        "Non merci",
    ]
    availability = (await http.get("/api/v1/handoff/availability")).json()
    assert availability["open"] is False
    assert availability["next_opening"].startswith("2026-11-30T08:30:00+01:00")

    left = await say(http, conversation, payload=away["buttons"][0]["payload"])
    assert left["status"] == "waiting_agent" and left["handoff"]["offline"] is True
    assert "dès leur retour (lundi 30 novembre à 8 h 30)" in left["messages"][-1]["text"]
    await say(http, conversation, text="Mon EJ 4500012345 reste bloqué au workflow")
    [entry] = await queue(http, await advisor())
    assert entry["offline"] is True
    assert entry["last_user_text"] == "Mon EJ 4500012345 reste bloqué au workflow"


async def test_outside_hours_the_user_may_ask_for_an_fsd_instead(
    http: httpx.AsyncClient, live_server: LiveServer
) -> None:
    live_server.clock.now = WEEKEND_TIME
    conversation = new_conversation_id()
    away = (await hand_off(http, conversation))["messages"][-1]

    reply = await say(http, conversation, payload=away["buttons"][1]["payload"])

    assert reply["status"] == "bot"
    assert "CCA" in " ".join(m["text"] or "" for m in reply["messages"])


async def test_leaving_the_queue_gives_the_conversation_back_to_the_bot(
    http: httpx.AsyncClient, advisor: AdvisorFactory, stack: Any
) -> None:
    conversation = new_conversation_id()
    await hand_off(http, conversation)

    reply = await say(http, conversation, payload="/cancel_handoff")

    assert reply["status"] == "bot" and reply["handoff"] is None
    assert reply["messages"][0]["text"].startswith("Vous avez quitté la file d'attente.")
    assert await queue(http, await advisor()) == []
    assert (await rasa_tracker(stack, conversation))["paused"] is False
    assert (await say(http, conversation, text="bonjour"))["messages"]


async def test_the_user_can_end_the_chat_with_the_advisor(
    http: httpx.AsyncClient, advisor: AdvisorFactory
) -> None:
    conversation = new_conversation_id()
    headers = await advisor()
    entry = await claimed(http, headers, conversation)

    reply = await say(http, conversation, payload="/cancel_handoff")

    assert reply["status"] == "bot"
    assert reply["messages"][0]["text"].startswith(
        "Vous avez mis fin à l'échange avec le conseiller."
    )
    late = await http.post(
        f"/api/v1/console/handoffs/{entry['id']}/messages",
        json={"text": "Vous êtes là ?"},
        headers=headers,
    )
    assert late.status_code == 409
    detail = (await http.get(f"/api/v1/console/handoffs/{entry['id']}", headers=headers)).json()
    assert detail["status"] == "closed" and detail["outcome"] == "cancelled"


async def test_ending_the_conversation_while_waiting_closes_it_and_a_new_message_reopens_it(
    http: httpx.AsyncClient, advisor: AdvisorFactory
) -> None:
    conversation = new_conversation_id()
    await hand_off(http, conversation)

    closed = await http.post(f"/api/v1/conversations/{conversation}/close")

    assert closed.status_code == 200
    assert closed.json()["status"] == "closed" and closed.json()["handoff"] is None
    assert await queue(http, await advisor()) == []
    reopened = await say(http, conversation, text="bonjour")
    assert reopened["status"] == "bot" and reopened["messages"]


async def test_a_reconnecting_widget_gets_what_it_missed(
    http: httpx.AsyncClient, advisor: AdvisorFactory, open_socket: SocketFactory
) -> None:
    conversation = new_conversation_id()
    headers = await advisor()
    entry = await claimed(http, headers, conversation)
    transcript = (await http.get(f"/api/v1/conversations/{conversation}")).json()["messages"]
    last_seen = transcript[-1]["id"]
    # The widget is offline while the advisor writes twice.
    for text in ("Premier message", "Second message"):
        await http.post(
            f"/api/v1/console/handoffs/{entry['id']}/messages", json={"text": text}, headers=headers
        )

    widget = await open_socket(
        f"/api/v1/conversations/{conversation}/ws?after={last_seen}"
        f"&token={token_of(http, conversation)}"
    )

    first = await widget.until(lambda f: f["type"] == "message")
    second = await widget.until(lambda f: f["type"] == "message")
    assert [first["message"]["text"], second["message"]["text"]] == [
        "Premier message",
        "Second message",
    ]


async def test_a_thumbs_down_then_a_category_hands_off_with_the_feedback_in_the_context(
    http: httpx.AsyncClient, advisor: AdvisorFactory
) -> None:
    conversation = new_conversation_id()
    await say(http, conversation, payload="/fsd")
    answer = await say(http, conversation, payload='/open_entry{"entry_id": "fsd-creation"}')
    rated = next(m for m in answer["messages"] if m["entry_id"])
    feedback = await http.post(
        f"/api/v1/conversations/{conversation}/feedback",
        json={
            "message_id": rated["id"],
            "rating": "down",
            "comment": "pas clair",
            "ministry_code": "min06",
        },
    )
    offer = feedback.json()["messages"][0]
    assert offer["buttons"][0]["payload"].startswith("/choose_handoff_category")

    reply = await say(http, conversation, payload=offer["buttons"][0]["payload"])

    assert reply["status"] == "waiting_agent"
    headers = await advisor()
    [entry] = await queue(http, headers)
    context = (await http.get(f"/api/v1/console/handoffs/{entry['id']}", headers=headers)).json()[
        "context"
    ]
    assert context["trigger"] == "negative_feedback"
    assert context["entries_tried"] == ["fsd-creation"]
    assert context["feedback"] == [
        {
            "entry_id": "fsd-creation",
            "rating": "down",
            "comment": "pas clair",
            "ministry_code": "MIN06",
        }
    ]


async def test_two_misunderstandings_then_a_category_hands_off(
    http: httpx.AsyncClient, advisor: AdvisorFactory
) -> None:
    conversation = new_conversation_id()
    await say(http, conversation, text="xqzt vbnm plok")
    offer = await say(http, conversation, text="fghj wxcv azer")
    buttons = offer["messages"][-1]["buttons"]
    assert buttons[0]["payload"].startswith("/choose_handoff_category")

    reply = await say(http, conversation, payload=buttons[0]["payload"])

    assert reply["status"] == "waiting_agent"
    headers = await advisor()
    [entry] = await queue(http, headers)
    detail = (await http.get(f"/api/v1/console/handoffs/{entry['id']}", headers=headers)).json()
    assert detail["context"]["trigger"] == "misunderstandings"
    assert detail["context"]["misunderstood_messages"] == 2
    assert detail["category"] == "support_chorus"
