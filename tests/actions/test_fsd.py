"""Opening an FSD depends on the user's role (metadata sent by the widget)."""

from typing import Any, Dict

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.fsd import (
    FORM_SLOTS,
    ActionAskFsdConfirmation,
    ActionCancelFsd,
    ActionFsdStatus,
    ActionRequestFsd,
    ActionSubmitFsd,
    ValidateFsdForm,
)
from actions.knowledge import utter_entry
from tests.actions.conftest import FakeApi, tracker_with


async def test_a_cca_is_let_into_the_fsd_form(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any]
) -> None:
    tracker = tracker_with("ouvrir une fiche", "request_fsd", {}, metadata={"role": "cca"})

    events = await ActionRequestFsd().run(dispatcher, tracker, domain)

    assert events == [SlotSet("fsd_allowed", True)]
    assert dispatcher.messages == []


async def test_a_user_is_sent_to_their_cca_with_a_summary(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any], api_mock: FakeApi
) -> None:
    tracker = tracker_with(
        "ouvrir une fiche",
        "request_fsd",
        {"error_text": "Poste de pièce non reporté", "entry_id": "ej-report"},
        metadata={"role": "utilisateur", "application": "chorus", "ministry_code": "MIN06"},
    )

    events = await ActionRequestFsd().run(dispatcher, tracker, domain)

    assert dispatcher.messages[0]["response"] == "utter_fsd_through_cca"
    assert dispatcher.messages[1]["text"].splitlines() == [
        "Application : Chorus",
        "Code ministère : MIN06",
        "Message d'erreur : Poste de pièce non reporté",
        "Réponse consultée : Poste de pièce pas encore reporté",
        "Référence de la conversation : tracker_knowledge_01",
    ]
    assert len(dispatcher.messages) == 2  # the role is known: no "if you are a CCA"
    assert events == [SlotSet("fsd_allowed", False)]


async def test_without_a_role_the_procedure_is_offered_to_cca_only(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any], api_mock: FakeApi
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


FORM = {
    "fsd_title": "EJ bloqué au workflow",
    "fsd_description": "L'EJ 4500012345 reste chez le valideur depuis lundi.",
    "fsd_severity": "2",
    "fsd_impact": "3",
    "fsd_users_blocked": "4",
    "fsd_kind": "metier",
    "fsd_object_number": "FAC-2026-12",
    "fsd_email": "cca@min06.gouv.fr",
    "domain_id": "workflow",
    "error_text": "Acteur suivant introuvable",
}


async def test_the_form_skips_the_object_number_for_a_tool_question_and_a_known_email(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any]
) -> None:
    tracker = tracker_with(
        "x", "inform", {"fsd_kind": "outil"}, metadata={"role": "CCA", "email": "a@b.gouv.fr"}
    )

    slots = await ValidateFsdForm().required_slots(list(FORM_SLOTS), dispatcher, tracker, domain)

    assert "fsd_object_number" not in slots and "fsd_email" not in slots
    business = tracker_with("x", "inform", {"fsd_kind": "metier"}, metadata={"role": "CCA"})
    slots = await ValidateFsdForm().required_slots(list(FORM_SLOTS), dispatcher, business, domain)
    assert "fsd_object_number" in slots and "fsd_email" in slots


@pytest.mark.parametrize(
    ("slot", "typed", "kept"),
    [
        ("fsd_title", "  EJ bloqué  ", "EJ bloqué"),
        ("fsd_title", "x", None),
        ("fsd_title", "/affirm", None),
        ("fsd_description", "trop court", "trop court"),
        ("fsd_description", "court", None),
        ("fsd_severity", "2", "2"),
        ("fsd_severity", "fonction importante", "2"),
        ("fsd_severity", "beaucoup", None),
        ("fsd_impact", "activité bloquée", "3"),
        ("fsd_users_blocked", "environ 12 agents", "12"),
        ("fsd_users_blocked", "aucun", None),
        ("fsd_kind", "c'est pour une facture", "metier"),
        ("fsd_kind", "outil", "outil"),
        ("fsd_kind", "je ne sais pas", None),
        ("fsd_object_number", "FAC-12", "FAC-12"),
        ("fsd_email", "camille.martin@min06.gouv.fr", "camille.martin@min06.gouv.fr"),
        ("fsd_email", "camille", None),
    ],
)
async def test_each_answer_is_checked(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any], slot: str, typed: str, kept: Any
) -> None:
    validate = getattr(ValidateFsdForm(), f"validate_{slot}")

    result = validate(typed, dispatcher, tracker_with(typed, "inform", {}), domain)

    assert result == {slot: kept}
    assert bool(dispatcher.messages) is (kept is None)  # a refusal says why, in French


async def test_the_confirmation_sums_the_form_up_and_asks_yes_or_no(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any]
) -> None:
    await ActionAskFsdConfirmation().run(dispatcher, tracker_with("4", "inform", FORM), domain)

    [message] = dispatcher.messages
    assert "Titre : EJ bloqué au workflow" in message["text"]
    assert "Numéro de l'objet : FAC-2026-12" in message["text"]
    assert "Message d'erreur collé : Acteur suivant introuvable" in message["text"]
    assert [b["payload"] for b in message["buttons"]] == ["/affirm", "/deny"]


async def test_confirming_sends_the_fsd_to_the_api_and_forgets_the_answers(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any]
) -> None:
    events = await ActionSubmitFsd().run(dispatcher, tracker_with("oui", "affirm", FORM), domain)

    assert dispatcher.messages[0]["custom"]["fsd"] == {
        "title": "EJ bloqué au workflow",
        "description": "L'EJ 4500012345 reste chez le valideur depuis lundi.",
        "severity": 2,
        "impact": 3,
        "users_blocked": 4,
        "business": True,
        "object_number": "FAC-2026-12",
        "email": "cca@min06.gouv.fr",
        "domain": "workflow",
        "pasted_error": "Acteur suivant introuvable",
    }
    assert SlotSet("fsd_title", None) in events and SlotSet("fsd_allowed", None) in events


async def test_cancelling_says_so_and_forgets_the_answers(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any]
) -> None:
    events = await ActionCancelFsd().run(
        dispatcher, tracker_with("annuler", "cancel_form", FORM), domain
    )

    assert dispatcher.messages[0]["response"] == "utter_fsd_cancelled"
    assert SlotSet("fsd_email", None) in events


@pytest.mark.parametrize(
    ("text", "custom"),
    [("où en est ma fiche 123 ?", {"fsd_status": 123}), ("où en est ma fiche ?", None)],
)
async def test_the_status_question_needs_a_number(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any], text: str, custom: Any
) -> None:
    await ActionFsdStatus().run(dispatcher, tracker_with(text, "fsd_status", {}), domain)

    if custom:
        assert dispatcher.messages[0]["custom"] == custom
    else:
        assert "Quel est le numéro de la fiche" in dispatcher.messages[0]["text"]


async def test_the_fsd_procedure_offers_the_assistants_form(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any]
) -> None:
    entry = {
        "id": "fsd-creation",
        "title": "Processus de création d'une FSD",
        "version": 2,
        "answer": "Dans Chorus Desk, cliquez sur Créer incident.",
        "buttons": [{"title": "Cycle de vie", "entry_id": "fsd-cycle-de-vie"}],
        "incident": None,
        "follow_up": None,
    }

    utter_entry(dispatcher, entry, from_error=False)

    assert dispatcher.messages[0]["buttons"][-1] == {
        "title": "Ouvrir la fiche avec l'assistant",
        "payload": "/request_fsd",
    }
