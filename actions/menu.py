"""The home menu, the domain answers and the restart."""

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, Restarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import api_client
from actions.answers import payload
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


MAX_TOPICS = 10
INCIDENTS = "incidents_majeurs"


async def domain_buttons(domain_id: str) -> List[Dict[str, str]]:
    """Return the domain's topics; for major incidents, the domains that have some."""
    if domain_id == INCIDENTS:
        incidents = await api_client.api.entries(kind="major_incident")
        labels = {d["id"]: d["label"] for d in await api_client.api.domains()}
        domains = list(dict.fromkeys(e["domain"] for e in incidents))
        return [
            {"title": labels.get(d, d), "payload": payload("list_incidents", domain_id=d)}
            for d in domains
        ]
    entries = await api_client.api.entries(domain=domain_id)
    return [
        {"title": e["title"], "payload": payload("open_entry", entry_id=e["id"])}
        for e in entries[:MAX_TOPICS]
    ]


async def utter_domain(dispatcher: CollectingDispatcher, domain_id: str) -> List[EventType]:
    """Answer with the domain's introduction and its topics as buttons (the domain's menu).

    Raises ApiUnavailable when api/ does not answer.
    """
    answer = await api_client.api.domain(domain_id)
    buttons = await domain_buttons(domain_id)
    dispatcher.utter_message(text=answer["intro"], buttons=buttons)
    return [SlotSet("misunderstandings", 0.0)]


class ActionRestart(Action):
    """Start a new conversation and show the menu again (overrides Rasa's default)."""

    def name(self) -> Text:
        return "action_restart"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        await utter_menu(dispatcher, "utter_restart")
        return [Restarted()]
