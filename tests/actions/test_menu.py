"""The menu, a domain's menu (a menu button) and restart actions."""

from typing import Any, Dict

from aioresponses import aioresponses
from rasa_sdk import Tracker
from rasa_sdk.events import Restarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import api_client
from actions.menu import ActionRestart, ActionShowMenu
from actions.questions import ActionAnswerQuestion
from tests.actions.conftest import DOMAINS, FakeApi, tracker_with


async def test_menu_greets_with_one_button_per_domain(
    dispatcher: CollectingDispatcher,
    tracker_new_conversation: Tracker,
    domain: Dict[str, Any],
    api_mock: FakeApi,
) -> None:
    events = await ActionShowMenu().run(dispatcher, tracker_new_conversation, domain)

    assert events == []
    [message] = dispatcher.messages
    assert message["response"] == "utter_greet"
    assert message["buttons"] == [
        {"title": "Connexion", "payload": "/connexion"},
        {"title": "Fiche service desk (FSD)", "payload": "/fsd"},
        {"title": "Engagement juridique (EJ)", "payload": "/ej"},
    ]


async def test_menu_still_greets_when_the_api_is_down(
    dispatcher: CollectingDispatcher,
    tracker_new_conversation: Tracker,
    domain: Dict[str, Any],
    api_down: aioresponses,
) -> None:
    await ActionShowMenu().run(dispatcher, tracker_new_conversation, domain)

    [message] = dispatcher.messages
    assert message["response"] == "utter_greet"
    assert message["buttons"] == []


async def test_domain_answer_is_the_domain_introduction(
    dispatcher: CollectingDispatcher,
    tracker_menu_click_connexion: Tracker,
    domain: Dict[str, Any],
    api_mock: FakeApi,
) -> None:
    events = await ActionAnswerQuestion().run(dispatcher, tracker_menu_click_connexion, domain)

    assert events == [SlotSet("misunderstandings", 0.0)]
    [message] = dispatcher.messages
    assert message["text"] == "Connexion : accès, mot de passe."
    assert message["buttons"] == [
        {
            "title": "Poste de pièce pas encore reporté",
            "payload": '/open_entry{"entry_id": "ej-report"}',
        }
    ]
    assert api_mock.calls[-1].params["domain"] == "connexion"


async def test_major_incidents_ask_for_the_domain_of_the_anomaly(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any], api_mock: FakeApi
) -> None:
    tracker = tracker_with("/incidents_majeurs", "incidents_majeurs", {})
    api_mock.get("/api/v1/kb/domains/incidents_majeurs").respond(
        json={
            "id": "incidents_majeurs",
            "label": "Incidents majeurs",
            "intro": "Anomalies connues.",
        }
    )

    await ActionAnswerQuestion().run(dispatcher, tracker, domain)

    assert dispatcher.messages[0]["buttons"] == [
        {"title": "Engagement juridique (EJ)", "payload": '/list_incidents{"domain_id": "ej"}'}
    ]


async def test_domain_answer_says_when_the_knowledge_base_is_unreachable(
    dispatcher: CollectingDispatcher,
    tracker_menu_click_connexion: Tracker,
    domain: Dict[str, Any],
    api_down: aioresponses,
) -> None:
    await ActionAnswerQuestion().run(dispatcher, tracker_menu_click_connexion, domain)

    assert [m["response"] for m in dispatcher.messages] == ["utter_api_unavailable"]


async def test_restart_resets_and_shows_the_menu(
    dispatcher: CollectingDispatcher,
    tracker_menu_click_connexion: Tracker,
    domain: Dict[str, Any],
    api_mock: FakeApi,
) -> None:
    events = await ActionRestart().run(dispatcher, tracker_menu_click_connexion, domain)

    assert events == [Restarted()]
    [message] = dispatcher.messages
    assert message["response"] == "utter_restart"
    assert len(message["buttons"]) == 3


async def test_knowledge_reads_are_cached_for_a_while(api_mock: FakeApi) -> None:
    """Two menus in a row cost api/ one request; an expired cache asks again."""
    client = api_client.ApiClient(cache_seconds=60)
    assert await client.domains() == DOMAINS
    assert await client.domains() == DOMAINS
    assert api_mock["domains"].call_count == 1
    client.cache_seconds = 0
    client.clear_cache()
    await client.domains()
    await client.domains()
    assert api_mock["domains"].call_count == 3
