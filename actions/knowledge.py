"""Pasted error messages, knowledge entries, follow-up questions and major incidents."""

import contextlib
import json
import re
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import api_client
from actions.api_client import ApiUnavailable
from actions.handoff import count_misunderstanding

MAX_LISTED = 12


def payload(intent: str, **entities: str) -> str:
    """Return a button payload that triggers an intent with entities."""
    return f"/{intent}{json.dumps(entities, ensure_ascii=False)}" if entities else f"/{intent}"


def shown_message(canonical: str) -> str:
    """Show a canonical error message as IZIA does: variable parts as XXX."""
    return re.sub(r"\{[a-z_]+\}", "XXX", canonical)


def entry_buttons(answer: Dict[str, Any]) -> List[Dict[str, str]]:
    """The buttons of an answer (an entry or a follow-up option): each opens an entry."""
    return [
        {"title": b["title"], "payload": payload("open_entry", entry_id=b["entry_id"])}
        for b in answer.get("buttons") or []
    ]


# The knowledge entry that explains how an FSD is created: its answer also offers the bot's form.
FSD_PROCEDURE = "fsd-creation"
OPEN_FSD_BUTTON = {"title": "Ouvrir la fiche avec l'assistant", "payload": "/request_fsd"}


def knowledge_ref(entry: Dict[str, Any]) -> Dict[str, Any]:
    """The custom data that lets the user rate an answer: the entry's id and version."""
    return {"entry_id": entry["id"], "entry_version": entry.get("version")}


def utter_entry(dispatcher: CollectingDispatcher, entry: Dict[str, Any], from_error: bool) -> None:
    """Utter an entry's answer, its buttons, its follow-up question, and the restart reminder."""
    text = entry["answer"]
    incident = entry.get("incident")
    if incident:
        text = f"Anomalie connue : {entry['title']}\nStatut : {incident['status']}\n\n{text}"
    buttons = entry_buttons(entry)
    if entry["id"] == FSD_PROCEDURE:
        buttons.append(OPEN_FSD_BUTTON)
    dispatcher.utter_message(text=text, buttons=buttons, json_message=knowledge_ref(entry))
    follow_up = entry.get("follow_up")
    if follow_up:
        options = [
            {
                "title": o["label"],
                "payload": payload("choose_option", entry_id=entry["id"], option=str(i)),
            }
            for i, o in enumerate(follow_up["options"])
        ]
        dispatcher.utter_message(text=follow_up["question"], buttons=options)
    elif from_error:
        dispatcher.utter_message(response="utter_new_error_new_conversation")


async def not_recognized(
    dispatcher: CollectingDispatcher, tracker: Tracker, text: str, reason: str
) -> List[EventType]:
    """Say the message is not recognised, log it for review, count a misunderstanding."""
    dispatcher.utter_message(response="utter_error_not_recognized")
    # The answer matters more than the log; api/ being down is reported by its health check.
    with contextlib.suppress(ApiUnavailable):
        await api_client.api.log_unanswered(tracker.sender_id, text, reason)
    return count_misunderstanding(dispatcher, tracker)


async def answer_from_matcher(
    dispatcher: CollectingDispatcher, tracker: Tracker, text: str
) -> Optional[List[EventType]]:
    """Answer a confident match or ask about the candidates; None when nothing matches.

    Raises ApiUnavailable when api/ does not answer.
    """
    result = await api_client.api.match(text)
    if result["match"]:
        entry = await api_client.api.entry(result["match"]["entry_id"])
        if entry:
            utter_entry(dispatcher, entry, from_error=True)
            return [
                SlotSet("error_text", text),
                SlotSet("entry_id", entry["id"]),
                SlotSet("misunderstandings", 0.0),
            ]
    candidates = result["candidates"]
    if not candidates:
        return None
    labels = {d["id"]: d["label"] for d in await api_client.api.domains()}
    domains = list(dict.fromkeys(c["domain"] for c in candidates))
    buttons = [
        {"title": labels.get(d, d), "payload": payload("choose_error_domain", domain_id=d)}
        for d in domains
    ]
    dispatcher.utter_message(response="utter_ask_error_domain", buttons=buttons)
    return [SlotSet("error_text", text), SlotSet("candidates", candidates)]


class ActionMatchError(Action):
    """Send a pasted error message to the matcher and answer, ask, or say it is unknown."""

    def name(self) -> Text:
        return "action_match_error"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        text = tracker.latest_message.get("text") or ""
        try:
            events = await answer_from_matcher(dispatcher, tracker, text)
        except ApiUnavailable:
            dispatcher.utter_message(response="utter_api_unavailable")
            return []
        if events is not None:
            return events
        unknown = await not_recognized(dispatcher, tracker, text, "unknown_error_message")
        return [SlotSet("error_text", text), *unknown]


class ActionHandleFallback(Action):
    """A message the NLU did not understand: it may still be an error message the matcher knows;
    otherwise say so, log it for review and count a misunderstanding."""

    def name(self) -> Text:
        return "action_handle_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        text = tracker.latest_message.get("text") or ""
        try:
            events = await answer_from_matcher(dispatcher, tracker, text)
        except ApiUnavailable:
            events = None
        if events is not None:
            return events
        dispatcher.utter_message(response="utter_not_understood")
        with contextlib.suppress(ApiUnavailable):
            await api_client.api.log_unanswered(tracker.sender_id, text, "not_understood")
        return count_misunderstanding(dispatcher, tracker)


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
            return await not_recognized(dispatcher, tracker, text, "candidate_rejected")
        buttons = [
            {
                "title": shown_message(c["matched_error_message"]),
                "payload": payload("choose_error", entry_id=c["entry_id"]),
            }
            for c in candidates[:MAX_LISTED]
        ]
        buttons.append({"title": "Aucun de ces messages", "payload": "/reject_error"})
        dispatcher.utter_message(
            text="Lequel de ces messages d'erreur avez-vous ?", buttons=buttons
        )
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
        return await not_recognized(dispatcher, tracker, text, "candidate_rejected")


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
