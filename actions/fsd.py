"""Opening an FSD: only a CCA does it; anyone else gets a summary to forward to their CCA."""

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions import api_client
from actions.api_client import ApiUnavailable
from actions.knowledge import payload, utter_entry
from actions.profile import profile, role

FSD_PROCEDURE = "fsd-creation"
APPLICATIONS = {
    "chorus": "Chorus",
    "chorus_formulaires": "Chorus Formulaires",
    "chorus_pro": "Chorus Pro",
}


async def entry_title(entry_id: Optional[str]) -> Optional[str]:
    """Return the title of an entry, or None when unknown or api/ is down."""
    if not entry_id:
        return None
    try:
        entry = await api_client.api.entry(str(entry_id))
    except ApiUnavailable:
        return None
    return str(entry["title"]) if entry else None


async def summary(tracker: Tracker) -> str:
    """Summarise the conversation for the CCA: application, ministry, error, answer read."""
    details = profile(tracker)
    application = details.get("application")
    lines = [
        ("Application", APPLICATIONS.get(str(application), str(application or "")) or None),
        ("Code ministère", details.get("ministry_code")),
        ("Message d'erreur", tracker.get_slot("error_text")),
        ("Réponse consultée", await entry_title(tracker.get_slot("entry_id"))),
        ("Référence de la conversation", tracker.sender_id),
    ]
    return "\n".join(f"{label} : {value}" for label, value in lines if value)


class ActionRequestFsd(Action):
    """The user wants an FSD opened: the procedure for a CCA, the way through the CCA otherwise."""

    def name(self) -> Text:
        return "action_request_fsd"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        if role(tracker) == "CCA":
            try:
                entry = await api_client.api.entry(FSD_PROCEDURE)
            except ApiUnavailable:
                dispatcher.utter_message(response="utter_api_unavailable")
                return []
            dispatcher.utter_message(response="utter_fsd_for_cca")
            if entry:
                utter_entry(dispatcher, entry, from_error=False)
            return []
        dispatcher.utter_message(response="utter_fsd_through_cca")
        dispatcher.utter_message(text=await summary(tracker))
        if role(tracker) is None:
            dispatcher.utter_message(
                response="utter_fsd_if_you_are_cca",
                buttons=[
                    {
                        "title": "Processus de création d'une FSD",
                        "payload": payload("open_entry", entry_id=FSD_PROCEDURE),
                    }
                ],
            )
        return []
