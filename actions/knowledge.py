"""Pasted error messages, knowledge entries opened by buttons, follow-up questions and major
incidents."""

from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import api_client
from actions.answers import (
    entry_buttons,
    knowledge_ref,
    payload,
    request_review,
    shown_message,
    utter_entry,
)
from actions.api_client import ApiUnavailable
from actions.handoff import count_misunderstanding
from actions.menu import utter_menu
from actions.questions import answer_question, looks_like_question
from knowledge_base.vocabulary import REVIEW_CANDIDATE_REJECTED, REVIEW_UNKNOWN_ERROR

MAX_LISTED = 12


async def not_recognized(
    dispatcher: CollectingDispatcher, tracker: Tracker, text: str, reason: str
) -> List[EventType]:
    """Say the message is not recognised, with the domain menu it points to (unless a human is
    offered right after: that offer is the next step), have it reviewed, count a
    misunderstanding."""
    said = CollectingDispatcher()
    counted = count_misunderstanding(said, tracker)
    if said.messages:
        dispatcher.utter_message(response="utter_error_not_recognized")
    else:
        await utter_menu(dispatcher, "utter_error_not_recognized")
    request_review(dispatcher, text, reason)
    dispatcher.messages.extend(said.messages)
    return counted


def answer_entry_for_error(
    dispatcher: CollectingDispatcher, entry: Dict[str, Any], text: str
) -> List[EventType]:
    """Answer a pasted error with its entry (and the reminder that a new error needs a new
    conversation)."""
    utter_entry(dispatcher, entry, from_error=True)
    return [
        SlotSet("error_text", text),
        SlotSet("entry_id", entry["id"]),
        SlotSet("misunderstandings", 0.0),
    ]


async def ask_error_domain(
    dispatcher: CollectingDispatcher, text: str, candidates: List[Dict[str, Any]]
) -> List[EventType]:
    """Several entries may fit a paste: ask its domain (IZIA's "Sur quel domaine ..."), unless
    they are all of one domain: then list their messages at once (no single-option question)."""
    domains = list(dict.fromkeys(c["domain"] for c in candidates))
    if len(domains) == 1:
        list_domain_errors(dispatcher, candidates)
        return [
            SlotSet("error_text", text),
            SlotSet("candidates", candidates),
            SlotSet("domain_id", domains[0]),
        ]
    labels = {d["id"]: d["label"] for d in await api_client.api.domains()}
    buttons = [
        {"title": labels.get(d, d), "payload": payload("choose_error_domain", domain_id=d)}
        for d in domains
    ]
    dispatcher.utter_message(response="utter_ask_error_domain", buttons=buttons)
    return [SlotSet("error_text", text), SlotSet("candidates", candidates)]


def list_domain_errors(dispatcher: CollectingDispatcher, candidates: List[Dict[str, Any]]) -> None:
    """Ask which of these error messages the user has (as IZIA lists them), or none."""
    buttons = [
        {
            "title": shown_message(c["matched_error_message"]),
            "payload": payload("choose_error", entry_id=c["entry_id"]),
        }
        for c in candidates[:MAX_LISTED]
    ]
    buttons.append({"title": "Aucun de ces messages", "payload": "/reject_error"})
    dispatcher.utter_message(text="Lequel de ces messages d'erreur avez-vous ?", buttons=buttons)


async def confident_entry(result: Dict[str, Any], key: str) -> Optional[Dict[str, Any]]:
    """The entry a confident match or search found, if it still exists."""
    found = result.get(key)
    return await api_client.api.entry(found["entry_id"]) if found else None


class ActionMatchError(Action):
    """A message shaped like a pasted error: the matcher, then the knowledge base, answer it;
    several candidates ask its domain; a question is answered as a question; else it is an
    unknown error message, kept for review."""

    def name(self) -> Text:
        return "action_match_error"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        text = tracker.latest_message.get("text") or ""
        if looks_like_question(text):
            # The NLU took a question for a paste: it is answered as a question.
            return await answer_question(dispatcher, tracker, text)
        try:
            matched = await api_client.api.match(text)
            entry = await confident_entry(matched, "match")
            if entry is None:
                intent = tracker.latest_message.get("intent")
                searched = await api_client.api.search(text, intent=intent)
                entry = await confident_entry(searched, "answer")
            if entry is not None:
                return answer_entry_for_error(dispatcher, entry, text)
            if matched["candidates"]:
                return await ask_error_domain(dispatcher, text, matched["candidates"])
        except ApiUnavailable:
            dispatcher.utter_message(response="utter_api_unavailable")
            return []
        unknown = await not_recognized(dispatcher, tracker, text, REVIEW_UNKNOWN_ERROR)
        return [SlotSet("error_text", text), *unknown]


class ActionListDomainErrors(Action):
    """List the candidate error messages of the chosen domain."""

    def name(self) -> Text:
        return "action_list_domain_errors"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        chosen = tracker.get_slot("domain_id")
        candidates = [c for c in tracker.get_slot("candidates") or [] if c.get("domain") == chosen]
        if not candidates:
            text = tracker.get_slot("error_text") or ""
            return await not_recognized(dispatcher, tracker, text, REVIEW_CANDIDATE_REJECTED)
        list_domain_errors(dispatcher, candidates)
        return []


class ActionConfirmError(Action):
    """Ask the user to confirm the chosen error message (Oui / Non)."""

    def name(self) -> Text:
        return "action_confirm_error"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        entry_id = tracker.get_slot("entry_id")
        chosen = next(
            (c for c in tracker.get_slot("candidates") or [] if c["entry_id"] == entry_id), None
        )
        title = shown_message(chosen["matched_error_message"]) if chosen else entry_id
        buttons = [
            {"title": "Oui", "payload": payload("confirm_error", entry_id=str(entry_id))},
            {"title": "Non", "payload": "/reject_error"},
        ]
        dispatcher.utter_message(
            text=f"Votre message d'erreur est-il « {title} » ?", buttons=buttons
        )
        return []


async def slot_entry(
    dispatcher: CollectingDispatcher, tracker: Tracker
) -> Tuple[Optional[Dict[str, Any]], List[EventType]]:
    """Return the entry named by the entry_id slot, or None with what was said and the events."""
    entry_id = tracker.get_slot("entry_id")
    try:
        entry = await api_client.api.entry(str(entry_id)) if entry_id else None
    except ApiUnavailable:
        dispatcher.utter_message(response="utter_api_unavailable")
        return None, []
    if entry is None:
        dispatcher.utter_message(response="utter_not_understood")
        return None, count_misunderstanding(dispatcher, tracker)
    return entry, []


class ActionAnswerEntry(Action):
    """Answer with a knowledge entry (a confirmed error message or a button)."""

    def name(self) -> Text:
        return "action_answer_entry"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        entry, events = await slot_entry(dispatcher, tracker)
        if entry is None:
            return events
        from_error = tracker.latest_message.get("intent", {}).get("name") in (
            "confirm_error",
            "affirm",
        )
        utter_entry(dispatcher, entry, from_error=from_error)
        return [SlotSet("misunderstandings", 0.0)]


class ActionAnswerOption(Action):
    """Answer the option the user chose in a follow-up question."""

    def name(self) -> Text:
        return "action_answer_option"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        entry, events = await slot_entry(dispatcher, tracker)
        if entry is None:
            return events
        option = str(tracker.get_slot("option") or "")
        choices = (entry.get("follow_up") or {}).get("options") or []
        if not option.isdigit() or int(option) >= len(choices):
            dispatcher.utter_message(response="utter_not_understood")
            return count_misunderstanding(dispatcher, tracker)
        chosen = choices[int(option)]
        dispatcher.utter_message(
            text=chosen["answer"], buttons=entry_buttons(chosen), json_message=knowledge_ref(entry)
        )
        if tracker.get_slot("error_text"):
            dispatcher.utter_message(response="utter_new_error_new_conversation")
        return [SlotSet("misunderstandings", 0.0)]


class ActionRejectError(Action):
    """None of the proposed messages is the user's: say so and log it for review."""

    def name(self) -> Text:
        return "action_reject_error"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        text = tracker.get_slot("error_text") or tracker.latest_message.get("text") or ""
        return await not_recognized(dispatcher, tracker, text, REVIEW_CANDIDATE_REJECTED)


class ActionListIncidents(Action):
    """List the major incidents of a domain."""

    def name(self) -> Text:
        return "action_list_incidents"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        chosen: Optional[str] = tracker.get_slot("domain_id")
        try:
            incidents = await api_client.api.entries(domain=chosen, kind="major_incident")
        except ApiUnavailable:
            dispatcher.utter_message(response="utter_api_unavailable")
            return []
        if not incidents:
            dispatcher.utter_message(text="Aucune anomalie connue n'est signalée sur ce domaine.")
            return []
        buttons = [
            {"title": e["title"], "payload": payload("open_entry", entry_id=e["id"])}
            for e in incidents
        ]
        dispatcher.utter_message(
            text="Les anomalies concernent les sujets suivants :", buttons=buttons
        )
        return []
