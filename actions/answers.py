"""How the bot says a knowledge entry, and how it asks api/ to review a message."""

import json
import re
from typing import Any, Dict, List, Optional, Sequence

from rasa_sdk.executor import CollectingDispatcher

from knowledge_base.vocabulary import PLACEHOLDER_PATTERN


def payload(intent: str, **entities: str) -> str:
    """Return a button payload that triggers an intent with entities."""
    return f"/{intent}{json.dumps(entities, ensure_ascii=False)}" if entities else f"/{intent}"


def shown_message(canonical: str) -> str:
    """Show a canonical error message as IZIA does: variable parts as XXX."""
    return re.sub(PLACEHOLDER_PATTERN, "XXX", canonical)


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


def request_review(
    dispatcher: CollectingDispatcher,
    text: str,
    reason: str,
    *,
    candidates: Sequence[str] = (),
    domain: Optional[str] = None,
) -> None:
    """Ask api/ to put the message in the support staff's review queue (custom data: api/ stores
    it with the reply, in the same transaction), with the entries the bot had in mind and the
    domain the NLU guessed."""
    if not text:
        return
    review: Dict[str, Any] = {"text": text, "reason": reason}
    if candidates:
        review["candidates"] = list(candidates)
    if domain:
        review["domain"] = domain
    dispatcher.utter_message(json_message={"review": review})
