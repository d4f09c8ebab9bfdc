"""Offers of a human advisor and the answer to a chosen category."""

from typing import Any, Dict

from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import handoff
from actions.handoff import (
    ActionLeaveMessage,
    ActionOfferHuman,
    ActionRequestHuman,
    count_misunderstanding,
)
from tests.actions.conftest import misunderstood_turn, tracker_with


async def test_asking_for_a_human_offers_the_categories(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any]
) -> None:
    events = await ActionOfferHuman().run(
        dispatcher, tracker_with("un humain svp", "ask_human", {}), domain
    )

    [message] = dispatcher.messages
    assert message["response"] == "utter_offer_human"
    assert message["buttons"][2] == {
        "title": "Support outil Chorus Pro",
        "payload": '/choose_handoff_category{"category": "support_chorus_pro"}',
    }
    assert message["buttons"][-1] == {"title": "Non merci", "payload": "/deny"}
    assert events == [SlotSet("misunderstandings", 0.0)]


async def test_a_thumbs_down_thanks_and_offers_a_human(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any]
) -> None:
    await ActionOfferHuman().run(
        dispatcher, tracker_with("/negative_feedback", "negative_feedback", {}), domain
    )

    assert dispatcher.messages[0]["response"] == "utter_offer_human_after_feedback"
    assert len(dispatcher.messages[0]["buttons"]) == 5


async def test_a_chosen_category_asks_the_api_for_a_handoff_with_its_context(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any]
) -> None:
    events = [
        {"event": "user", "text": "xqzw", "parse_data": {"intent": {"name": "nlu_fallback"}}},
        {"event": "user", "text": "blorp", "parse_data": {"intent": {"name": "nlu_fallback"}}},
        {
            "event": "bot",
            "text": "Je ne parviens pas à vous aider.",
            "metadata": {"utter_action": "utter_offer_human_after_misunderstandings"},
        },
        {"event": "user", "text": "/choose_handoff_category"},
    ]
    tracker = tracker_with(
        "/choose_handoff_category",
        "choose_handoff_category",
        {"category": "question_metier", "domain_id": "facture", "error_text": "Facture rejetée"},
        events=events,
    )

    result = await ActionRequestHuman().run(dispatcher, tracker, domain)

    [message] = dispatcher.messages
    assert message["custom"] == {
        "handoff": {
            "category": "question_metier",
            "leave_message": False,
            "context": {
                "trigger": "misunderstandings",
                "domain": "facture",
                "pasted_error": "Facture rejetée",
                "misunderstood_messages": 2,
            },
        }
    }
    assert result == [SlotSet("misunderstandings", 0.0)]


async def test_a_handoff_after_a_thumbs_down_says_so(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any]
) -> None:
    events = [
        {"event": "bot", "metadata": {"utter_action": "utter_offer_human_after_feedback"}},
        {"event": "user", "text": "/choose_handoff_category"},
    ]
    tracker = tracker_with(
        "/choose_handoff_category",
        "choose_handoff_category",
        {"category": "support_chorus"},
        events=events,
    )

    await ActionRequestHuman().run(dispatcher, tracker, domain)

    assert dispatcher.messages[0]["custom"]["handoff"]["context"] == {
        "trigger": "negative_feedback"
    }


async def test_leaving_a_message_asks_for_an_offline_handoff(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any]
) -> None:
    tracker = tracker_with("/leave_message", "leave_message", {"category": "support_chorus_pro"})

    await ActionLeaveMessage().run(dispatcher, tracker, domain)

    handoff_request = dispatcher.messages[0]["custom"]["handoff"]
    assert handoff_request["category"] == "support_chorus_pro"
    assert handoff_request["leave_message"] is True
    assert handoff_request["context"]["trigger"] == "user_request"


async def test_leaving_a_message_without_a_category_offers_the_categories(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any]
) -> None:
    tracker = tracker_with("/leave_message", "leave_message", {})

    assert await ActionLeaveMessage().run(dispatcher, tracker, domain) == []

    assert dispatcher.messages[0]["response"] == "utter_offer_human"


async def test_an_unknown_category_offers_the_categories_again(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any]
) -> None:
    tracker = tracker_with("/choose_handoff_category", "choose_handoff_category", {"category": "x"})

    await ActionRequestHuman().run(dispatcher, tracker, domain)

    assert dispatcher.messages[0]["response"] == "utter_offer_human"


def test_the_number_of_misunderstandings_is_configurable(
    dispatcher: CollectingDispatcher, monkeypatch: Any
) -> None:
    monkeypatch.setattr(handoff, "MISUNDERSTANDINGS_BEFORE_HUMAN", 3)
    second = tracker_with(
        "zzz", "nlu_fallback", {"misunderstandings": 1.0}, events=misunderstood_turn("a", 1.0)
    )
    assert count_misunderstanding(dispatcher, second) == [SlotSet("misunderstandings", 2.0)]
    assert dispatcher.messages == []

    third = tracker_with(
        "zzz", "nlu_fallback", {"misunderstandings": 2.0}, events=misunderstood_turn("b", 2.0)
    )
    assert count_misunderstanding(dispatcher, third) == [SlotSet("misunderstandings", 0.0)]
    assert dispatcher.messages[0]["response"] == "utter_offer_human_after_misunderstandings"
