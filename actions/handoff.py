"""Offers of a human advisor: after misunderstandings, a thumbs down, or on request."""

import os
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from knowledge_base.vocabulary import HANDOFF_CATEGORIES

# Misunderstandings in a row (NLU fallback, unknown error message) before a human is offered.
MISUNDERSTANDINGS_BEFORE_HUMAN = int(
    os.environ.get("ASSISTANT_MISUNDERSTANDINGS_BEFORE_HUMAN", "2")
)

CATEGORIES = HANDOFF_CATEGORIES


def category_buttons() -> List[Dict[str, str]]:
    """One button per category, and a way to decline."""
    buttons = [
        {"title": title, "payload": f'/choose_handoff_category{{"category": "{category}"}}'}
        for category, title in CATEGORIES.items()
    ]
    buttons.append({"title": "Non merci", "payload": "/deny"})
    return buttons


def offer_human(dispatcher: CollectingDispatcher, response: str) -> None:
    """Utter an offer of a human advisor with the category buttons."""
    dispatcher.utter_message(response=response, buttons=category_buttons())


def misunderstood_previous_turn(tracker: Tracker) -> bool:
    """Whether the user's previous message was counted as a misunderstanding too."""
    users = [i for i, e in enumerate(tracker.events) if e.get("event") == "user"]
    if len(users) < 2:
        return False
    return any(
        e.get("event") == "slot"
        and e.get("name") == "misunderstandings"
        and (e.get("value") or 0) > 0
        for e in tracker.events[users[-2] : users[-1]]
    )


def count_misunderstanding(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
    """Count a misunderstanding in a row; at the threshold, offer a human and count again."""
    previous = int(tracker.get_slot("misunderstandings") or 0)
    count = (previous if misunderstood_previous_turn(tracker) else 0) + 1
    if count >= MISUNDERSTANDINGS_BEFORE_HUMAN:
        offer_human(dispatcher, "utter_offer_human_after_misunderstandings")
        return [SlotSet("misunderstandings", 0.0)]
    return [SlotSet("misunderstandings", float(count))]


class ActionOfferHuman(Action):
    """Offer a human advisor: on request, or after a thumbs down."""

    def name(self) -> Text:
        return "action_offer_human"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        after_feedback = tracker.latest_message.get("intent", {}).get("name") == "negative_feedback"
        offer_human(
            dispatcher,
            "utter_offer_human_after_feedback" if after_feedback else "utter_offer_human",
        )
        return [SlotSet("misunderstandings", 0.0)]


# Which offer the user answered, from the response the bot used: why the handoff happens.
TRIGGERS: Dict[str, str] = {
    "utter_offer_human_after_misunderstandings": "misunderstandings",
    "utter_offer_human_after_feedback": "negative_feedback",
    "utter_offer_human": "user_request",
}


def handoff_trigger(tracker: Tracker) -> str:
    """Why the user is handed off: the latest offer they answered (a request by default)."""
    for event in reversed(tracker.events):
        if event.get("event") == "bot":
            trigger = TRIGGERS.get((event.get("metadata") or {}).get("utter_action", ""))
            if trigger:
                return trigger
    return "user_request"


def handoff_context(tracker: Tracker) -> Dict[str, Any]:
    """What the advisor should know: why, the domain, the pasted error, misunderstood turns."""
    misunderstood = sum(
        1
        for e in tracker.events
        if e.get("event") == "user"
        and (e.get("parse_data") or {}).get("intent", {}).get("name") == "nlu_fallback"
    )
    context = {
        "trigger": handoff_trigger(tracker),
        "domain": tracker.get_slot("domain_id"),
        "entry_id": tracker.get_slot("entry_id"),
        "pasted_error": tracker.get_slot("error_text"),
        "misunderstood_messages": misunderstood,
    }
    return {key: value for key, value in context.items() if value not in (None, "", 0)}


def request_handoff(
    dispatcher: CollectingDispatcher, tracker: Tracker, category: str, leave_message: bool
) -> None:
    """Ask the API to hand the conversation to an advisor (it answers with the queue or hours)."""
    dispatcher.utter_message(
        json_message={
            "handoff": {
                "category": category,
                "leave_message": leave_message,
                "context": handoff_context(tracker),
            }
        }
    )


class ActionRequestHuman(Action):
    """The user chose a category: the API queues the conversation or says when advisors are back."""

    leave_message = False

    def name(self) -> Text:
        return "action_request_human"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        category = tracker.get_slot("category")
        if category not in CATEGORIES:
            offer_human(dispatcher, "utter_offer_human")
            return []
        request_handoff(dispatcher, tracker, category, leave_message=self.leave_message)
        return [SlotSet("misunderstandings", 0.0)]


class ActionLeaveMessage(ActionRequestHuman):
    """Outside opening hours, the user leaves a message for the advisors of a category."""

    leave_message = True

    def name(self) -> Text:
        return "action_leave_message"
