"""The home menu, the domain answers and the restart."""

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, Restarted
from rasa_sdk.executor import CollectingDispatcher

from actions import api_client
from actions.api_client import ApiUnavailable


async def menu_buttons() -> List[Dict[str, str]]:
    """Return one button per domain; its payload is the domain's intent."""
    domains = await api_client.api.domains()
    return [{"title": d["label"], "payload": f"/{d['id']}"} for d in domains]


async def utter_menu(dispatcher: CollectingDispatcher, response: str) -> None:
    """Utter a response with the domain menu, or without it when api/ is unavailable."""
    try:
        buttons = await menu_buttons()
    except ApiUnavailable:
        buttons = []
    dispatcher.utter_message(response=response, buttons=buttons)


class ActionShowMenu(Action):
    """Greet the user and show the domain menu."""

    def name(self) -> Text:
        return "action_show_menu"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        await utter_menu(dispatcher, "utter_greet")
        return []


class ActionAnswerDomain(Action):
    """Answer a domain intent with the domain's introduction."""

    def name(self) -> Text:
        return "action_answer_domain"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        domain_id = tracker.latest_message.get("intent", {}).get("name")
        try:
            answer = await api_client.api.domain(str(domain_id))
        except ApiUnavailable:
            dispatcher.utter_message(response="utter_api_unavailable")
            return []
        dispatcher.utter_message(text=answer["intro"])
        return []


class ActionRestart(Action):
    """Start a new conversation and show the menu again (overrides Rasa's default)."""

    def name(self) -> Text:
        return "action_restart"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        await utter_menu(dispatcher, "utter_restart")
        return [Restarted()]
