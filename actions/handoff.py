"""Offers of a human advisor: after misunderstandings, a thumbs down, or on request."""

import os
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

# Misunderstandings in a row (NLU fallback, unknown error message) before a human is offered.
MISUNDERSTANDINGS_BEFORE_HUMAN = int(
    os.environ.get("ASSISTANT_MISUNDERSTANDINGS_BEFORE_HUMAN", "2")
)

# LiveChat categories, as ClaudIA proposes them (seeds: "Sélectionnez une catégorie").
CATEGORIES: Dict[str, str] = {
    "support_chorus": "Support outil Chorus",
    "support_chorus_formulaires": "Support outil Chorus Formulaires",
    "support_chorus_pro": "Support outil Chorus Pro",
    "question_metier": "Question métier (facture, mémoire, dossier)",
}


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


class ActionRequestHuman(Action):
    """The user chose a category: tell them how that support answers."""

    def name(self) -> Text:
        return "action_request_human"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        category = tracker.get_slot("category")
        if category not in CATEGORIES:
            offer_human(dispatcher, "utter_offer_human")
            return []
        dispatcher.utter_message(response=f"utter_contact_{category}")
        return [SlotSet("misunderstandings", 0.0)]
