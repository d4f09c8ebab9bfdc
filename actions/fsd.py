"""Opening an FSD: a CCA fills the FSD form; anyone else gets a summary to forward to their CCA."""

import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import api_client
from actions.answers import FSD_PROCEDURE, payload, utter_entry
from actions.api_client import ApiUnavailable
from actions.profile import profile, role
from actions.questions import asks_for_information
from knowledge_base.vocabulary import (
    APPLICATIONS,
    EMAIL_MAX_LENGTH,
    EMAIL_PATTERN,
    FSD_DESCRIPTION_LENGTH,
    FSD_IMPACT_LABELS,
    FSD_KIND_LABELS,
    FSD_OBJECT_NUMBER_MAX_LENGTH,
    FSD_SEVERITY_LABELS,
    FSD_TITLE_LENGTH,
    FSD_USERS_BLOCKED_MAX,
)


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


async def answered_as_question(dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
    """A question about FSDs ("combien de pièces par FSD ?") the NLU took for a request to open
    one: answered from the knowledge base when it knows the answer."""
    text = (tracker.latest_message.get("text") or "").strip()
    if text.startswith("/") or not asks_for_information(text):
        return False
    try:
        intent = tracker.latest_message.get("intent")
        result = await api_client.api.search(text, intent=intent, domain="fsd")
        entry = (
            await api_client.api.entry(result["answer"]["entry_id"]) if result["answer"] else None
        )
    except ApiUnavailable:
        return False
    if entry is None:
        return False
    utter_entry(dispatcher, entry, from_error=False)
    return True


class ActionRequestFsd(Action):
    """The user wants an FSD opened: the procedure for a CCA, the way through the CCA otherwise."""

    def name(self) -> Text:
        return "action_request_fsd"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        if await answered_as_question(dispatcher, tracker):
            return [SlotSet("fsd_allowed", False)]
        if role(tracker) == "CCA":
            return [SlotSet("fsd_allowed", True)]  # the rules start the FSD form
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
        return [SlotSet("fsd_allowed", False)]


FORM_SLOTS = (
    "fsd_title",
    "fsd_description",
    "fsd_severity",
    "fsd_impact",
    "fsd_users_blocked",
    "fsd_kind",
    "fsd_object_number",
    "fsd_email",
)
SEVERITIES = {str(level): label for level, label in FSD_SEVERITY_LABELS.items()}
IMPACTS = {str(level): label for level, label in FSD_IMPACT_LABELS.items()}
KINDS = FSD_KIND_LABELS
EMAIL = re.compile(EMAIL_PATTERN)
NUMBER = re.compile(r"\d{1,9}")


def _level(value: Any, words: Dict[str, str]) -> Optional[str]:
    """A level 1-3 from a button (entity) or a typed digit or label."""
    text = str(value or "").strip().lower()
    if text in words:
        return text
    for level, label in words.items():
        if text and (text == label.lower() or text in label.lower().split(",")[0]):
            return level
    return None


def profile_email(tracker: Tracker) -> Optional[str]:
    """The user's email from the widget's profile, when it looks like one."""
    email = str(profile(tracker).get("email") or "").strip()
    return email if EMAIL.match(email) else None


class ValidateFsdForm(FormValidationAction):
    """Checks each answer of the FSD form; skips what the profile or the answers make useless."""

    def name(self) -> Text:
        return "validate_fsd_form"

    async def required_slots(
        self,
        domain_slots: List[Text],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[Text]:
        slots = list(domain_slots)
        if tracker.get_slot("fsd_kind") != "metier" and "fsd_object_number" in slots:
            slots.remove("fsd_object_number")
        if profile_email(tracker) and "fsd_email" in slots:
            slots.remove("fsd_email")
        return slots

    def _refuse(self, dispatcher: CollectingDispatcher, slot: str, text: str) -> Dict[Text, Any]:
        dispatcher.utter_message(text=text)
        return {slot: None}

    def validate_fsd_title(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        title = str(value or "").strip()
        shortest, longest = FSD_TITLE_LENGTH
        if not shortest <= len(title) <= longest or title.startswith("/"):
            return self._refuse(
                dispatcher,
                "fsd_title",
                f"Le titre doit faire de {shortest} à {longest} caractères.",
            )
        return {"fsd_title": title}

    def validate_fsd_description(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        description = str(value or "").strip()
        shortest, longest = FSD_DESCRIPTION_LENGTH
        if not shortest <= len(description) <= longest or description.startswith("/"):
            return self._refuse(
                dispatcher,
                "fsd_description",
                "Décrivez le problème en une ou deux phrases au moins "
                f"({shortest} caractères, {longest} au plus).",
            )
        return {"fsd_description": description}

    def validate_fsd_severity(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        level = _level(value, SEVERITIES)
        if level is None:
            return self._refuse(dispatcher, "fsd_severity", "Choisissez l'un des trois niveaux.")
        return {"fsd_severity": level}

    def validate_fsd_impact(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        level = _level(value, IMPACTS)
        if level is None:
            return self._refuse(dispatcher, "fsd_impact", "Choisissez l'un des trois niveaux.")
        return {"fsd_impact": level}

    def validate_fsd_users_blocked(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        found = NUMBER.search(str(value or ""))
        count = int(found.group()) if found else 0
        if not 1 <= count <= FSD_USERS_BLOCKED_MAX:
            return self._refuse(
                dispatcher, "fsd_users_blocked", "Indiquez un nombre d'utilisateurs, par exemple 3."
            )
        return {"fsd_users_blocked": str(count)}

    def validate_fsd_kind(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        text = str(value or "").strip().lower()
        if text in KINDS:
            return {"fsd_kind": text}
        if any(word in text for word in ("facture", "mémoire", "memoire", "dossier", "métier")):
            return {"fsd_kind": "metier"}
        if any(word in text for word in ("outil", "utilisation", "chorus")):
            return {"fsd_kind": "outil"}
        return self._refuse(dispatcher, "fsd_kind", "Choisissez l'une des deux réponses.")

    def validate_fsd_object_number(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        number = str(value or "").strip()
        if not 1 <= len(number) <= FSD_OBJECT_NUMBER_MAX_LENGTH or number.startswith("/"):
            return self._refuse(
                dispatcher,
                "fsd_object_number",
                f"Indiquez le numéro ({FSD_OBJECT_NUMBER_MAX_LENGTH} caractères au plus).",
            )
        return {"fsd_object_number": number}

    def validate_fsd_email(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        email = str(value or "").strip()
        if not EMAIL.match(email) or len(email) > EMAIL_MAX_LENGTH:
            return self._refuse(
                dispatcher, "fsd_email", "Cette adresse ne semble pas valide (prenom.nom@...)."
            )
        return {"fsd_email": email}


def fsd_request(tracker: Tracker) -> Dict[str, Any]:
    """The FSD the form describes, with what the conversation adds (domain, pasted error)."""
    kind = tracker.get_slot("fsd_kind")
    return {
        "title": tracker.get_slot("fsd_title"),
        "description": tracker.get_slot("fsd_description"),
        "severity": int(tracker.get_slot("fsd_severity") or 1),
        "impact": int(tracker.get_slot("fsd_impact") or 1),
        "users_blocked": int(tracker.get_slot("fsd_users_blocked") or 1),
        "business": kind == "metier",
        "object_number": tracker.get_slot("fsd_object_number") if kind == "metier" else None,
        "email": tracker.get_slot("fsd_email") or profile_email(tracker),
        "domain": tracker.get_slot("domain_id"),
        "pasted_error": tracker.get_slot("error_text"),
    }


def reset_form() -> List[EventType]:
    """Forget the form's answers."""
    return [SlotSet(slot, None) for slot in (*FORM_SLOTS, "fsd_allowed")]


class ActionAskFsdConfirmation(Action):
    """Show the FSD about to be opened and ask for a confirmation."""

    def name(self) -> Text:
        return "action_ask_fsd_confirmation"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        request = fsd_request(tracker)
        lines = [
            ("Titre", request["title"]),
            ("Description", request["description"]),
            ("Fonction touchée", SEVERITIES.get(str(request["severity"]))),
            ("Impact", IMPACTS.get(str(request["impact"]))),
            ("Utilisateurs bloqués", request["users_blocked"]),
            ("Objet", KINDS["metier" if request["business"] else "outil"]),
            ("Numéro de l'objet", request["object_number"]),
            ("Message d'erreur collé", request["pasted_error"]),
            ("Courriel", request["email"]),
        ]
        summary_text = "\n".join(f"{label} : {value}" for label, value in lines if value)
        dispatcher.utter_message(
            text=f"Je vais ouvrir cette fiche service desk, avec notre échange :\n{summary_text}\n"
            "Confirmez-vous ?",
            buttons=[
                {"title": "Oui, ouvrir la fiche", "payload": "/affirm"},
                {"title": "Non", "payload": "/deny"},
            ],
        )
        return []


class ActionSubmitFsd(Action):
    """Confirmed: ask api/ to open the FSD (it answers with the FSD number)."""

    def name(self) -> Text:
        return "action_submit_fsd"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        dispatcher.utter_message(json_message={"fsd": fsd_request(tracker)})
        return reset_form()


class ActionCancelFsd(Action):
    """The user gave up the FSD form."""

    def name(self) -> Text:
        return "action_cancel_fsd"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        dispatcher.utter_message(response="utter_fsd_cancelled")
        return reset_form()


class ActionFsdStatus(Action):
    """ "Où en est ma fiche 123 ?": api/ answers with the status of that FSD."""

    def name(self) -> Text:
        return "action_fsd_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        found = NUMBER.search(tracker.latest_message.get("text") or "")
        if found is None:
            dispatcher.utter_message(
                text="Quel est le numéro de la fiche ? Par exemple : « où en est ma fiche 123 ? »"
            )
            return []
        dispatcher.utter_message(json_message={"fsd_status": int(found.group())})
        return []
