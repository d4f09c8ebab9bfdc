"""The pasted-error and knowledge actions."""

from typing import Any, Dict

from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.knowledge import (
    ActionAnswerEntry,
    ActionAnswerOption,
    ActionConfirmError,
    ActionListDomainErrors,
    ActionListIncidents,
    ActionMatchError,
    ActionRejectError,
)
from actions.questions import ActionAnswerQuestion
from tests.actions.conftest import (
    CANDIDATES,
    REPORT_ENTRY,
    FakeApi,
    misunderstood_turn,
    reviews,
    said,
    tracker_with,
)

PASTE = "Poste de pièce 1508892764/00003 n'a pas encore été reporté dans exercice en cours"


async def test_a_confident_match_answers_and_asks_the_follow_up(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any], api_mock: FakeApi
) -> None:
    api_mock.post("/api/v1/kb/match").respond(
        json={"match": {"entry_id": "ej-report"}, "candidates": []}
    )

    events = await ActionMatchError().run(
        dispatcher, tracker_with(PASTE, "paste_error", {}), domain
    )

    assert [m["text"] for m in dispatcher.messages] == [
        "La réponse dépend de la modification.",
        "Quelle est la modification apportée sur l'EJ ?",
    ]
    assert dispatcher.messages[1]["buttons"][0] == {
        "title": "Abonnement d'un poste",
        "payload": '/choose_option{"entry_id": "ej-report", "option": "0"}',
    }
    assert SlotSet("entry_id", "ej-report") in events
    assert SlotSet("misunderstandings", 0.0) in events


async def test_candidates_of_several_domains_ask_for_the_domain(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any], api_mock: FakeApi
) -> None:
    other = {**CANDIDATES[1], "entry_id": "cnx-cf", "domain": "connexion"}
    candidates = [CANDIDATES[0], other]
    api_mock.post("/api/v1/kb/match").respond(json={"match": None, "candidates": candidates})

    events = await ActionMatchError().run(
        dispatcher, tracker_with("Centre financier X", "paste_error", {}), domain
    )

    [message] = dispatcher.messages
    assert message["response"] == "utter_ask_error_domain"
    assert message["buttons"] == [
        {
            "title": "Engagement juridique (EJ)",
            "payload": '/choose_error_domain{"domain_id": "ej"}',
        },
        {"title": "Connexion", "payload": '/choose_error_domain{"domain_id": "connexion"}'},
    ]
    assert SlotSet("candidates", candidates) in events


async def test_candidates_of_one_domain_are_listed_at_once_without_a_one_button_question(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any], api_mock: FakeApi
) -> None:
    api_mock.post("/api/v1/kb/match").respond(json={"match": None, "candidates": CANDIDATES})

    events = await ActionMatchError().run(
        dispatcher, tracker_with("Centre financier X", "paste_error", {}), domain
    )

    [message] = dispatcher.messages
    assert message["text"] == "Lequel de ces messages d'erreur avez-vous ?"
    assert [b["title"] for b in message["buttons"]] == [
        "Centre financier XXX inexistant",
        "Ctre financier XXX n'existe pas",
        "Aucun de ces messages",
    ]
    assert SlotSet("candidates", CANDIDATES) in events
    assert SlotSet("domain_id", "ej") in events


async def test_no_candidate_is_said_logged_and_counted(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any], api_mock: FakeApi
) -> None:
    api_mock.post("/api/v1/kb/match").respond(json={"match": None, "candidates": []})

    events = await ActionMatchError().run(
        dispatcher,
        tracker_with("Fournisseur bloqué", "paste_error", {"misunderstandings": 0.0}),
        domain,
    )

    assert said(dispatcher) == ["utter_error_not_recognized"]
    # "… ou choisissez un domaine dans le menu": the menu is there.
    assert [b["title"] for b in dispatcher.messages[0]["buttons"]] == [
        "Connexion",
        "Fiche service desk (FSD)",
        "Engagement juridique (EJ)",
    ]
    assert SlotSet("misunderstandings", 1.0) in events
    assert reviews(dispatcher) == [
        {"text": "Fournisseur bloqué", "reason": "unknown_error_message"}
    ]


async def test_the_chosen_domain_lists_its_candidate_messages_as_izia_shows_them(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any]
) -> None:
    tracker = tracker_with(
        "/choose_error_domain", "choose_error_domain", {"domain_id": "ej", "candidates": CANDIDATES}
    )

    await ActionListDomainErrors().run(dispatcher, tracker, domain)

    assert [b["title"] for b in dispatcher.messages[0]["buttons"]] == [
        "Centre financier XXX inexistant",
        "Ctre financier XXX n'existe pas",
        "Aucun de ces messages",
    ]


async def test_confirmation_offers_yes_and_no(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any]
) -> None:
    tracker = tracker_with(
        "/choose_error", "choose_error", {"entry_id": "ej-cf", "candidates": CANDIDATES}
    )

    await ActionConfirmError().run(dispatcher, tracker, domain)

    [message] = dispatcher.messages
    assert message["text"] == "Votre message d'erreur est-il « Centre financier XXX inexistant » ?"
    assert [b["payload"] for b in message["buttons"]] == [
        '/confirm_error{"entry_id": "ej-cf"}',
        "/reject_error",
    ]


async def test_an_option_answers_with_its_buttons_and_the_restart_reminder(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any], api_mock: FakeApi
) -> None:
    tracker = tracker_with(
        "/choose_option",
        "choose_option",
        {"entry_id": "ej-report", "option": "0", "error_text": PASTE},
    )

    await ActionAnswerOption().run(dispatcher, tracker, domain)

    assert dispatcher.messages[0]["text"] == "Créez un nouveau poste."
    assert dispatcher.messages[0]["buttons"] == [
        {"title": "FSD", "payload": '/open_entry{"entry_id": "fsd-creation"}'}
    ]
    assert dispatcher.messages[1]["response"] == "utter_new_error_new_conversation"


async def test_an_out_of_range_option_is_a_misunderstanding(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any], api_mock: FakeApi
) -> None:
    tracker = tracker_with(
        "/choose_option", "choose_option", {"entry_id": "ej-report", "option": "7"}
    )

    events = await ActionAnswerOption().run(dispatcher, tracker, domain)

    assert [m["response"] for m in dispatcher.messages] == ["utter_not_understood"]
    assert SlotSet("misunderstandings", 1.0) in events


async def test_a_retired_entry_is_not_answered(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any], api_mock: FakeApi
) -> None:
    events = await ActionAnswerEntry().run(
        dispatcher, tracker_with("/open_entry", "open_entry", {"entry_id": "gone"}), domain
    )

    assert [m["response"] for m in dispatcher.messages] == ["utter_not_understood"]
    assert SlotSet("misunderstandings", 1.0) in events


async def test_rejecting_logs_the_original_paste(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any], api_mock: FakeApi
) -> None:
    tracker = tracker_with("/reject_error", "reject_error", {"error_text": "Centre financier X"})

    await ActionRejectError().run(dispatcher, tracker, domain)

    assert reviews(dispatcher) == [{"text": "Centre financier X", "reason": "candidate_rejected"}]
    assert said(dispatcher) == ["utter_error_not_recognized"]


async def test_fallback_still_answers_an_error_the_knowledge_base_knows(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any], api_mock: FakeApi
) -> None:
    api_mock.post("/api/v1/kb/search").respond(
        json={"answer": {"entry_id": "ej-report"}, "suggestions": []}
    )

    events = await ActionAnswerQuestion().run(
        dispatcher, tracker_with(PASTE, "nlu_fallback", {}), domain
    )

    assert dispatcher.messages[0]["text"] == "La réponse dépend de la modification."
    assert SlotSet("misunderstandings", 0.0) in events


async def test_fallback_says_not_understood_logs_and_counts(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any], api_mock: FakeApi
) -> None:
    api_mock.post("/api/v1/kb/search").respond(json={"answer": None, "suggestions": []})

    events = await ActionAnswerQuestion().run(
        dispatcher, tracker_with("xqzw plouf", "nlu_fallback", {"misunderstandings": 0.0}), domain
    )

    assert said(dispatcher) == ["utter_not_understood"]
    assert events == [SlotSet("misunderstandings", 1.0)]
    assert reviews(dispatcher) == [{"text": "xqzw plouf", "reason": "not_understood"}]


async def test_a_second_unknown_error_in_a_row_offers_a_human(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any], api_mock: FakeApi
) -> None:
    api_mock.post("/api/v1/kb/match").respond(json={"match": None, "candidates": []})
    tracker = tracker_with(
        "Fournisseur bloqué",
        "paste_error",
        {"misunderstandings": 1.0},
        events=misunderstood_turn("blabla", 1.0),
    )

    events = await ActionMatchError().run(dispatcher, tracker, domain)

    assert said(dispatcher) == [
        "utter_error_not_recognized",
        "utter_offer_human_after_misunderstandings",
    ]
    assert [b["title"] for b in dispatcher.messages[-1]["buttons"]] == [
        "Support outil Chorus",
        "Support outil Chorus Formulaires",
        "Support outil Chorus Pro",
        "Question métier (facture, mémoire, dossier)",
        "Non merci",
    ]
    assert SlotSet("misunderstandings", 0.0) in events  # counting starts again


async def test_an_understood_message_in_between_breaks_the_row(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any], api_mock: FakeApi
) -> None:
    """The slot still says 1, but the previous turn was understood: this is the first miss."""
    understood_then_now = [
        {"event": "user", "text": "/ej"},
        {"event": "action", "name": "utter_greet"},
        {"event": "user", "text": "now"},
    ]
    tracker = tracker_with(
        "zzz", "nlu_fallback", {"misunderstandings": 1.0}, events=understood_then_now
    )
    api_mock.post("/api/v1/kb/search").respond(json={"answer": None, "suggestions": []})

    events = await ActionAnswerQuestion().run(dispatcher, tracker, domain)

    assert said(dispatcher) == ["utter_not_understood"]
    assert reviews(dispatcher) == [{"text": "zzz", "reason": "not_understood"}]
    assert SlotSet("misunderstandings", 1.0) in events


async def test_knowledge_answers_carry_their_entry_for_feedback(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any], api_mock: FakeApi
) -> None:
    await ActionAnswerEntry().run(
        dispatcher, tracker_with("/open_entry", "open_entry", {"entry_id": "ej-report"}), domain
    )

    assert dispatcher.messages[0]["custom"] == {"entry_id": "ej-report", "entry_version": 3}


async def test_the_incidents_of_a_domain_are_listed_as_buttons(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any], api_mock: FakeApi
) -> None:
    incident = {**REPORT_ENTRY, "id": "ej-panne", "title": "Lenteurs sur les EJ"}
    api_mock["entries"].respond(json=[incident])

    await ActionListIncidents().run(
        dispatcher, tracker_with("/list_incidents", "list_incidents", {"domain_id": "ej"}), domain
    )

    [message] = dispatcher.messages
    assert message["text"] == "Les anomalies concernent les sujets suivants :"
    assert message["buttons"] == [
        {"title": "Lenteurs sur les EJ", "payload": '/open_entry{"entry_id": "ej-panne"}'}
    ]
    request = api_mock["entries"].calls[-1]
    assert (request.params["domain"], request.params["kind"]) == ("ej", "major_incident")


async def test_a_domain_without_incidents_says_so(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any], api_mock: FakeApi
) -> None:
    api_mock["entries"].respond(json=[])

    await ActionListIncidents().run(
        dispatcher, tracker_with("/list_incidents", "list_incidents", {"domain_id": "fsd"}), domain
    )

    assert dispatcher.messages[0]["text"] == "Aucune anomalie connue n'est signalée sur ce domaine."
