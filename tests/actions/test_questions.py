"""Typed questions answered from the knowledge base, suggestions, misunderstandings."""

from typing import Any, Dict, List

from aioresponses import aioresponses
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.fsd import ActionRequestFsd
from actions.knowledge import ActionMatchError
from actions.questions import (
    ActionAnswerQuestion,
    ActionSomethingElse,
    asks_for_information,
    looks_like_question,
)
from tests.actions.conftest import REPORT_ENTRY, FakeApi, reviews, said, tracker_with

HIT = {"entry_id": "ej-report", "title": REPORT_ENTRY["title"], "domain": "ej", "score": 71.0}
OTHER = {"entry_id": "fsd-creation", "title": "Créer une FSD", "domain": "fsd", "score": 40.0}


def searched(api_mock: FakeApi) -> Dict[str, Any]:
    """The body of the last search the action sent to api/."""
    call = next(c for c in reversed(api_mock.calls) if c.path.endswith("/search"))
    return dict(call.json)


def search_answers(api_mock: FakeApi, answer: Any, suggestions: List[Any]) -> None:
    api_mock.post("/api/v1/kb/search").respond(json={"answer": answer, "suggestions": suggestions})


async def test_a_confident_match_answers_at_once_with_the_nlu_as_evidence(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any], api_mock: FakeApi
) -> None:
    search_answers(api_mock, HIT, [])
    tracker = tracker_with("je ne peux plus modifier mon poste d'EJ", "ej", {}, confidence=0.8)

    events = await ActionAnswerQuestion().run(dispatcher, tracker, domain)

    assert dispatcher.messages[0]["text"] == "La réponse dépend de la modification."
    assert dispatcher.messages[0]["custom"] == {"entry_id": "ej-report", "entry_version": 3}
    assert dispatcher.messages[1]["text"] == "Quelle est la modification apportée sur l'EJ ?"
    assert events == [SlotSet("entry_id", "ej-report"), SlotSet("misunderstandings", 0.0)]
    assert searched(api_mock) == {
        "text": "je ne peux plus modifier mon poste d'EJ",
        "intent": "ej",
        "intent_confidence": 0.8,
    }


async def test_unsure_suggests_up_to_three_entries_and_something_else(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any], api_mock: FakeApi
) -> None:
    search_answers(api_mock, None, [HIT, OTHER])

    events = await ActionAnswerQuestion().run(
        dispatcher, tracker_with("souci avec mon EJ", "nlu_fallback", {}), domain
    )

    [message] = dispatcher.messages
    assert message["response"] == "utter_suggestions"
    assert message["buttons"] == [
        {"title": REPORT_ENTRY["title"], "payload": '/open_entry{"entry_id": "ej-report"}'},
        {"title": "Créer une FSD", "payload": '/open_entry{"entry_id": "fsd-creation"}'},
        {"title": "Autre chose", "payload": "/something_else"},
    ]
    assert events == [
        SlotSet("question_text", "souci avec mon EJ"),
        SlotSet("suggested", ["ej-report", "fsd-creation"]),
    ]


async def test_nothing_found_is_a_misunderstanding_kept_for_review_with_the_menu(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any], api_mock: FakeApi
) -> None:
    search_answers(api_mock, None, [])
    tracker = tracker_with("mon écran est tout blanc", "complain", {}, confidence=0.9)

    events = await ActionAnswerQuestion().run(dispatcher, tracker, domain)

    assert said(dispatcher) == ["utter_not_understood"]
    assert [b["title"] for b in dispatcher.messages[0]["buttons"]] == [
        "Connexion",
        "Fiche service desk (FSD)",
        "Engagement juridique (EJ)",
    ]
    assert reviews(dispatcher) == [{"text": "mon écran est tout blanc", "reason": "not_understood"}]
    assert SlotSet("misunderstandings", 1.0) in events


async def test_off_topic_is_said_so_only_when_the_knowledge_base_has_nothing(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any], api_mock: FakeApi
) -> None:
    search_answers(api_mock, None, [])

    await ActionAnswerQuestion().run(
        dispatcher, tracker_with("quel temps demain ?", "out_of_scope", {}), domain
    )

    assert said(dispatcher) == ["utter_out_of_scope"]
    assert reviews(dispatcher) == [{"text": "quel temps demain ?", "reason": "out_of_scope"}]


async def test_off_topic_for_the_nlu_but_known_to_the_knowledge_base_is_answered(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any], api_mock: FakeApi
) -> None:
    search_answers(api_mock, HIT, [])

    await ActionAnswerQuestion().run(
        dispatcher,
        tracker_with("combien de temps pour reporter un poste", "out_of_scope", {}),
        domain,
    )

    assert dispatcher.messages[0]["text"] == "La réponse dépend de la modification."
    assert reviews(dispatcher) == []


async def test_a_message_naming_a_domain_or_a_menu_button_gets_the_domains_menu(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any], api_mock: FakeApi
) -> None:
    for text, intent in (("EJ", "ej"), ("engagement juridique", "nlu_fallback"), ("/ej", "ej")):
        dispatcher = CollectingDispatcher()
        await ActionAnswerQuestion().run(dispatcher, tracker_with(text, intent, {}), domain)
        assert dispatcher.messages[0]["text"] == "EJ.", text
    assert not any(c.path.endswith("/search") for c in api_mock.calls)


async def test_something_else_asks_to_rephrase_and_keeps_the_rejected_suggestions(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any], api_mock: FakeApi
) -> None:
    tracker = tracker_with(
        "/something_else",
        "something_else",
        {"question_text": "souci avec mon EJ", "suggested": ["ej-report", "fsd-creation"]},
    )

    events = await ActionSomethingElse().run(dispatcher, tracker, domain)

    assert said(dispatcher) == ["utter_something_else"]
    assert len(dispatcher.messages[0]["buttons"]) == 3
    assert reviews(dispatcher) == [
        {
            "text": "souci avec mon EJ",
            "reason": "suggestion_rejected",
            "candidates": ["ej-report", "fsd-creation"],
        }
    ]
    assert SlotSet("question_text", None) in events
    assert SlotSet("misunderstandings", 1.0) in events


async def test_a_question_the_paste_detector_took_for_an_error_is_answered_as_a_question(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any], api_mock: FakeApi
) -> None:
    api_mock.post("/api/v1/kb/match").respond(json={"match": None, "candidates": []})
    search_answers(api_mock, None, [])
    question = "mon souci n'est pas valide depuis 2 semaines, je relance qui ?"

    await ActionMatchError().run(dispatcher, tracker_with(question, "paste_error", {}), domain)

    assert said(dispatcher) == ["utter_not_understood"]
    assert reviews(dispatcher) == [{"text": question, "reason": "not_understood"}]


async def test_the_knowledge_base_down_is_said_plainly(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any], api_down: aioresponses
) -> None:
    await ActionAnswerQuestion().run(dispatcher, tracker_with("ma question", "ej", {}), domain)

    assert said(dispatcher) == ["utter_api_unavailable"]


def test_questions_are_told_from_pastes() -> None:
    assert looks_like_question("est-ce que je peux relancer le support ?")
    assert looks_like_question("j'ai un message bizarre")
    assert not looks_like_question("Centre financier 0214-CDBU-C001 inexistant")


async def test_a_paste_the_matcher_misses_is_answered_from_the_knowledge_base(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any], api_mock: FakeApi
) -> None:
    api_mock.post("/api/v1/kb/match").respond(json={"match": None, "candidates": []})
    search_answers(api_mock, HIT, [])
    paste = "« Poste de pièce non reporté dans l'exercice » en modifiant l'EJ"

    events = await ActionMatchError().run(
        dispatcher, tracker_with(paste, "paste_error", {}), domain
    )

    assert dispatcher.messages[0]["text"] == "La réponse dépend de la modification."
    assert SlotSet("error_text", paste) in events


async def test_a_question_about_fsds_taken_for_a_request_is_answered(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any], api_mock: FakeApi
) -> None:
    search_answers(api_mock, HIT, [])
    question = "combien de pièces au maximum par FSD ?"

    events = await ActionRequestFsd().run(
        dispatcher, tracker_with(question, "request_fsd", {}, metadata={"role": "CCA"}), domain
    )

    assert dispatcher.messages[0]["text"] == "La réponse dépend de la modification."
    assert events == [SlotSet("fsd_allowed", False)]
    assert searched(api_mock) == {
        "text": question,
        "intent": "request_fsd",
        "intent_confidence": 1.0,
        "domain": "fsd",
    }


async def test_a_vague_complaint_gets_no_guesses_but_a_misunderstanding(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any], api_mock: FakeApi
) -> None:
    search_answers(api_mock, None, [HIT])

    events = await ActionAnswerQuestion().run(
        dispatcher, tracker_with("mon écran est tout blanc", "complain", {}), domain
    )

    assert said(dispatcher) == ["utter_not_understood"]
    assert SlotSet("misunderstandings", 1.0) in events


def test_questions_for_information_are_told_from_requests() -> None:
    assert asks_for_information("combien de pièces au maximum par FSD ?")
    assert asks_for_information("faut joindre une copie d'écran à la fiche ?")
    assert not asks_for_information("je veux ouvrir une fiche service desk")
    assert not asks_for_information("pouvez-vous ouvrir une fiche pour moi ?")


async def test_a_request_to_open_an_fsd_starts_the_form_for_a_cca(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any], api_mock: FakeApi
) -> None:
    search_answers(api_mock, HIT, [])

    events = await ActionRequestFsd().run(
        dispatcher,
        tracker_with(
            "je veux ouvrir une fiche service desk", "request_fsd", {}, metadata={"role": "CCA"}
        ),
        domain,
    )

    assert events == [SlotSet("fsd_allowed", True)]
    assert not any(c.path.endswith("/search") for c in api_mock.calls)


async def test_an_entry_that_lacks_the_detail_asked_is_suggested_with_that_said(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any], api_mock: FakeApi
) -> None:
    api_mock.post("/api/v1/kb/search").respond(
        json={"answer": None, "suggestions": [HIT], "confidence": 0.9, "lacks_detail": True}
    )

    await ActionAnswerQuestion().run(
        dispatcher, tracker_with("combien coûte un report de poste ?", "ej", {}), domain
    )

    assert said(dispatcher) == ["utter_lacks_detail"]
    assert dispatcher.messages[0]["buttons"][-1]["title"] == "Autre chose"
