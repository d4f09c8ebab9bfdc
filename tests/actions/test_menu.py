"""The menu, domain answer and restart actions."""

from typing import Any, Dict

import respx
from rasa_sdk import Tracker
from rasa_sdk.events import Restarted
from rasa_sdk.executor import CollectingDispatcher

from actions.menu import ActionAnswerDomain, ActionRestart, ActionShowMenu


async def test_menu_greets_with_one_button_per_domain(
    dispatcher: CollectingDispatcher,
    tracker_new_conversation: Tracker,
    domain: Dict[str, Any],
    api_mock: respx.MockRouter,
) -> None:
    events = await ActionShowMenu().run(dispatcher, tracker_new_conversation, domain)

    assert events == []
    [message] = dispatcher.messages
    assert message["response"] == "utter_greet"
    assert message["buttons"] == [
        {"title": "Connexion", "payload": "/connexion"},
        {"title": "Fiche service desk (FSD)", "payload": "/fsd"},
    ]


async def test_menu_still_greets_when_the_api_is_down(
    dispatcher: CollectingDispatcher,
    tracker_new_conversation: Tracker,
    domain: Dict[str, Any],
    api_down: respx.MockRouter,
) -> None:
    await ActionShowMenu().run(dispatcher, tracker_new_conversation, domain)

    [message] = dispatcher.messages
    assert message["response"] == "utter_greet"
    assert message["buttons"] == []


async def test_domain_answer_is_the_domain_introduction(
    dispatcher: CollectingDispatcher,
    tracker_menu_click_connexion: Tracker,
    domain: Dict[str, Any],
    api_mock: respx.MockRouter,
) -> None:
    events = await ActionAnswerDomain().run(dispatcher, tracker_menu_click_connexion, domain)

    assert events == []
    assert [m["text"] for m in dispatcher.messages] == ["Connexion : accès, mot de passe."]
    assert api_mock.calls.last.request.url.path == "/api/v1/kb/domains/connexion"


async def test_domain_answer_says_when_the_knowledge_base_is_unreachable(
    dispatcher: CollectingDispatcher,
    tracker_menu_click_connexion: Tracker,
    domain: Dict[str, Any],
    api_down: respx.MockRouter,
) -> None:
    await ActionAnswerDomain().run(dispatcher, tracker_menu_click_connexion, domain)

    assert [m["response"] for m in dispatcher.messages] == ["utter_api_unavailable"]


async def test_restart_resets_and_shows_the_menu(
    dispatcher: CollectingDispatcher,
    tracker_menu_click_connexion: Tracker,
    domain: Dict[str, Any],
    api_mock: respx.MockRouter,
) -> None:
    events = await ActionRestart().run(dispatcher, tracker_menu_click_connexion, domain)

    assert events == [Restarted()]
    [message] = dispatcher.messages
    assert message["response"] == "utter_restart"
    assert len(message["buttons"]) == 2
