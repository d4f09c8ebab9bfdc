"""Opening an FSD depends on the user's role (metadata sent by the widget)."""

from typing import Any, Dict

import respx
from rasa_sdk.executor import CollectingDispatcher

from actions.fsd import ActionRequestFsd
from tests.actions.conftest import REPORT_ENTRY, tracker_with

FSD_ENTRY = {
    **REPORT_ENTRY,
    "id": "fsd-creation",
    "title": "Processus de création d'une FSD",
    "answer": "Dans Chorus Desk, cliquez sur Créer incident.",
    "follow_up": None,
}


async def test_a_cca_gets_the_procedure(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any], api_mock: respx.MockRouter
) -> None:
    api_mock.get("/api/v1/kb/entries/fsd-creation").respond(json=FSD_ENTRY)
    tracker = tracker_with("ouvrir une fiche", "request_fsd", {}, metadata={"role": "cca"})

    await ActionRequestFsd().run(dispatcher, tracker, domain)

    assert dispatcher.messages[0]["response"] == "utter_fsd_for_cca"
    assert dispatcher.messages[1]["text"] == "Dans Chorus Desk, cliquez sur Créer incident."
    assert dispatcher.messages[1]["custom"]["entry_id"] == "fsd-creation"


async def test_a_user_is_sent_to_their_cca_with_a_summary(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any], api_mock: respx.MockRouter
) -> None:
    tracker = tracker_with(
        "ouvrir une fiche",
        "request_fsd",
        {"error_text": "Poste de pièce non reporté", "entry_id": "ej-report"},
        metadata={"role": "utilisateur", "application": "chorus", "ministry_code": "MIN06"},
    )

    await ActionRequestFsd().run(dispatcher, tracker, domain)

    assert dispatcher.messages[0]["response"] == "utter_fsd_through_cca"
    assert dispatcher.messages[1]["text"].splitlines() == [
        "Application : Chorus",
        "Code ministère : MIN06",
        "Message d'erreur : Poste de pièce non reporté",
        "Réponse consultée : Poste de pièce pas encore reporté",
        "Référence de la conversation : tracker_knowledge_01",
    ]
    assert len(dispatcher.messages) == 2  # the role is known: no "if you are a CCA"


async def test_without_a_role_the_procedure_is_offered_to_cca_only(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any], api_mock: respx.MockRouter
) -> None:
    await ActionRequestFsd().run(
        dispatcher, tracker_with("ouvrir une fiche", "request_fsd", {}), domain
    )

    assert [m["response"] for m in dispatcher.messages] == [
        "utter_fsd_through_cca",
        None,
        "utter_fsd_if_you_are_cca",
    ]
    assert (
        dispatcher.messages[2]["buttons"][0]["payload"] == '/open_entry{"entry_id": "fsd-creation"}'
    )
