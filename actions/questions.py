"""Typed questions: answered from the knowledge base (retrieval), with the NLU's domain as a prior.

A confident match answers at once; an unsure one suggests up to three entries and "Autre chose";
nothing is a misunderstanding, put in the review queue with the entries the bot had in mind. A
menu button (a payload) or a message that only names a domain gets that domain's menu.
"""

import re
import unicodedata
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import api_client
from actions.answers import payload, request_review, utter_entry
from actions.api_client import ApiUnavailable
from actions.handoff import count_misunderstanding
from actions.menu import menu_buttons, utter_domain
from knowledge_base.vocabulary import (
    INTENT_DOMAINS,
    INTENT_SOMETHING_ELSE,
    QUESTION_START_PATTERN,
    REVIEW_NOT_UNDERSTOOD,
    REVIEW_OUT_OF_SCOPE,
    REVIEW_SUGGESTION_REJECTED,
)

# The NLU's domain, kept with a message for review, when the classifier is this confident.
DOMAIN_PRIOR_CONFIDENCE = 0.5
SOMETHING_ELSE_BUTTON = {"title": "Autre chose", "payload": f"/{INTENT_SOMETHING_ELSE}"}


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    letters = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^a-z0-9]+", " ", letters).split())


def named_domain(text: str, domains: List[Dict[str, str]]) -> Optional[str]:
    """The domain a short message names by its label, id or acronym ("EJ", "Habilitation")."""
    plain = _plain(text)
    for item in domains:
        label = item["label"]
        names = {_plain(label), _plain(item["id"]), _plain(re.sub(r"\(.*?\)", "", label))}
        names |= {_plain(a) for a in re.findall(r"\((.*?)\)", label)}
        if plain in names:
            return item["id"]
    return None


def nlu_domain(tracker: Tracker, domain_ids: List[str]) -> Optional[str]:
    """The domain the NLU recognised, when it is confident enough to be a prior."""
    intent = tracker.latest_message.get("intent") or {}
    name = str(intent.get("name") or "")
    if float(intent.get("confidence") or 0.0) < DOMAIN_PRIOR_CONFIDENCE:
        return None
    if name in domain_ids:
        return name
    return INTENT_DOMAINS.get(name)


def suggestion_buttons(hits: List[Dict[str, Any]]) -> List[Dict[str, str]]:
    """One button per suggested entry, then "Autre chose"."""
    buttons = [
        {"title": h["title"][:80], "payload": payload("open_entry", entry_id=h["entry_id"])}
        for h in hits
    ]
    return [*buttons, SOMETHING_ELSE_BUTTON]


_QUESTION_START = re.compile(QUESTION_START_PATTERN)
# How a question for information (not a request such as "je veux ouvrir une fiche") starts.
_ASKING = re.compile(
    r"^(comment|combien|pourquoi|quel|quelle|quels|quelles|qui|quand|ou|est ce|qu est ce|"
    r"c est quoi|a quoi|faut il|faut|dois je|doit on|peut on|y a t il)\b"
)


def looks_like_question(text: str) -> bool:
    """Whether a text reads as a question rather than a pasted message."""
    return "?" in text or bool(_QUESTION_START.match(_plain(text)))


def asks_for_information(text: str) -> bool:
    """Whether a text asks something rather than requests an action ("je veux ouvrir...")."""
    return bool(_ASKING.match(_plain(text)))


async def answer_question(
    dispatcher: CollectingDispatcher, tracker: Tracker, text: str
) -> List[EventType]:
    """Answer from the knowledge base, suggest, or say it is not understood (and have it
    reviewed, counted as a misunderstanding)."""
    intent = str((tracker.latest_message.get("intent") or {}).get("name") or "")
    prior: Optional[str] = None
    try:
        domains = await api_client.api.domains()
        if text.startswith("/") or named_domain(text, domains):
            chosen = intent if text.startswith("/") else named_domain(text, domains)
            return await utter_domain(dispatcher, str(chosen))
        prior = nlu_domain(tracker, [d["id"] for d in domains])
        result = await api_client.api.search(text, intent=tracker.latest_message.get("intent"))
        if result["answer"]:
            entry = await api_client.api.entry(result["answer"]["entry_id"])
            if entry:
                utter_entry(dispatcher, entry, from_error=False)
                return [SlotSet("entry_id", entry["id"]), SlotSet("misunderstandings", 0.0)]
        # A vague complaint gets no guesses: the user is asked to say more (a misunderstanding).
        if result["suggestions"] and intent != "complain":
            dispatcher.utter_message(
                response="utter_lacks_detail"
                if result.get("lacks_detail")
                else "utter_suggestions",
                buttons=suggestion_buttons(result["suggestions"]),
            )
            return [
                SlotSet("question_text", text),
                SlotSet("suggested", [h["entry_id"] for h in result["suggestions"]]),
            ]
        buttons = await menu_buttons()
    except ApiUnavailable:
        dispatcher.utter_message(response="utter_api_unavailable")
        return []
    off_topic = intent == "out_of_scope"
    dispatcher.utter_message(
        response="utter_out_of_scope" if off_topic else "utter_not_understood", buttons=buttons
    )
    reason = REVIEW_OUT_OF_SCOPE if off_topic else REVIEW_NOT_UNDERSTOOD
    request_review(dispatcher, text, reason, domain=prior)
    return count_misunderstanding(dispatcher, tracker)


class ActionAnswerQuestion(Action):
    """A typed question (or a menu button): the knowledge base answers, suggests, or not."""

    def name(self) -> Text:
        return "action_answer_question"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        text = (tracker.latest_message.get("text") or "").strip()
        return await answer_question(dispatcher, tracker, text)


class ActionSomethingElse(Action):
    """None of the suggestions: ask to rephrase, offer the menu, keep the question for review."""

    def name(self) -> Text:
        return "action_something_else"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        try:
            buttons = await menu_buttons()
        except ApiUnavailable:
            buttons = []
        dispatcher.utter_message(response="utter_something_else", buttons=buttons)
        question = tracker.get_slot("question_text")
        if question:
            suggested = [str(s) for s in tracker.get_slot("suggested") or []]
            request_review(dispatcher, question, REVIEW_SUGGESTION_REJECTED, candidates=suggested)
        events: List[EventType] = [SlotSet("question_text", None), SlotSet("suggested", None)]
        return [*events, *count_misunderstanding(dispatcher, tracker)]
