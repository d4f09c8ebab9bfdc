"""bot.serve: the compiled validation of action-server responses behaves as Rasa's own."""

from typing import Any

import numpy as np
import pytest
import scipy.sparse
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, FEATURE_TYPE_SEQUENCE, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message

from bot import serve

# Rasa's own, kept before the module's fixture installs the replacement.
_original_create_x = LogisticRegressionClassifier._create_X


@pytest.fixture(scope="module", autouse=True)
def installed() -> None:
    serve.install()


def action() -> RemoteAction:
    return RemoteAction("action_show_menu", None)


def test_a_valid_response_passes() -> None:
    response: dict[str, Any] = {
        "events": [{"event": "slot", "name": "misunderstandings", "value": 0.0}],
        "responses": [{"text": "Bonjour", "buttons": [{"title": "EJ", "payload": "/ej"}]}],
    }
    assert action()._validate_action_result(response) is True


def test_an_invalid_response_is_refused_as_rasa_does() -> None:
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        action()._validate_action_result({"events": "not a list"})


async def test_calls_to_an_endpoint_share_one_session() -> None:
    """Two requests reuse the connection instead of opening one each."""
    from aiohttp import web
    from rasa.utils.endpoints import EndpointConfig

    peers = []

    async def handler(request: web.Request) -> web.Response:
        peers.append(request.transport.get_extra_info("peername") if request.transport else None)
        return web.json_response({"events": [], "responses": []})

    app = web.Application()
    app.router.add_post("/webhook", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        endpoint = EndpointConfig(url=f"http://127.0.0.1:{port}/webhook")
        assert await endpoint.request(json={"a": 1}) == {"events": [], "responses": []}
        assert await endpoint.request(json={"a": 2}) == {"events": [], "responses": []}
    finally:
        await runner.cleanup()
    assert len(peers) == 2 and peers[0] == peers[1]  # same client socket: kept alive


class _BrokenStore:
    """A tracker store whose database does not answer."""

    domain = None
    event_broker = None

    async def retrieve(self, sender_id: str) -> None:
        raise ConnectionError("the database system is shutting down")

    async def save(self, tracker: Any) -> None:
        raise ConnectionError("the database system is shutting down")


async def test_a_failing_tracker_store_fails_the_message_instead_of_forgetting_it() -> None:
    """Rasa's fail-safe store answered from an empty tracker: a form in progress was lost."""
    from rasa.core.tracker_store import FailSafeTrackerStore
    from rasa.shared.core.trackers import DialogueStateTracker

    store = FailSafeTrackerStore(_BrokenStore())  # type: ignore[arg-type]

    with pytest.raises(ConnectionError):
        await store.retrieve("conv-db-restart")
    with pytest.raises(ConnectionError):
        await store.save(DialogueStateTracker("conv-db-restart", []))


def test_a_short_text_is_parsed_once_and_each_caller_gets_its_own_copy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from rasa.core.channels.channel import UserMessage
    from rasa.shared.core.trackers import DialogueStateTracker

    calls: list[str] = []

    def graph_parse(processor: Any, message: Any, tracker: Any, only: bool = True) -> dict:
        calls.append(message.text)
        return {"text": message.text, "intent": {"name": "affirm", "confidence": 0.9}}

    monkeypatch.setattr(serve, "_original_parse", graph_parse)

    class Processor:
        """Stands for Rasa's MessageProcessor (one per loaded model)."""

    processor, tracker = Processor(), DialogueStateTracker("conv", [])
    question = "comment créer une fiche service desk ?"
    first = serve._parse_short_once(processor, UserMessage("oui"), tracker)  # type: ignore[arg-type]
    first["intent"]["name"] = "changed by the caller"
    second = serve._parse_short_once(processor, UserMessage("oui"), tracker)  # type: ignore[arg-type]
    for _ in range(2):
        serve._parse_short_once(processor, UserMessage(question), tracker)  # type: ignore[arg-type]
        serve._parse_short_once(processor, UserMessage("/affirm"), tracker)  # type: ignore[arg-type]
    serve._parse_short_once(Processor(), UserMessage("oui"), tracker)  # type: ignore[arg-type]

    assert second["intent"]["name"] == "affirm"
    # "oui" once per processor (model); a question and a payload every time.
    assert calls == ["oui", question, "/affirm", question, "/affirm", "oui"]


def _message(*features: Features) -> Message:
    message = Message(data={"text": "bonjour"})
    for feature in features:
        message.add_features(feature)
    return message


def test_the_classifier_input_is_the_one_rasa_builds() -> None:
    """Sentence features of both featurizers side by side, dense ones after; sequence features
    (and another attribute's) left out, as in Rasa's own matrix."""
    rng = np.random.default_rng(3)

    def sparse(rows: int, columns: int) -> scipy.sparse.coo_matrix:
        return scipy.sparse.coo_matrix(rng.integers(0, 3, size=(rows, columns)).astype(float))

    messages = [
        _message(
            Features(sparse(4, 7), FEATURE_TYPE_SEQUENCE, TEXT, "words"),
            Features(sparse(1, 7), FEATURE_TYPE_SENTENCE, TEXT, "words"),
            Features(sparse(4, 11), FEATURE_TYPE_SEQUENCE, TEXT, "chars"),
            Features(sparse(1, 11), FEATURE_TYPE_SENTENCE, TEXT, "chars"),
            Features(sparse(1, 5), FEATURE_TYPE_SENTENCE, "intent", "words"),
        ),
        _message(
            Features(sparse(1, 7), FEATURE_TYPE_SENTENCE, TEXT, "words"),
            Features(sparse(1, 11), FEATURE_TYPE_SENTENCE, TEXT, "chars"),
            Features(sparse(2, 7), FEATURE_TYPE_SEQUENCE, TEXT, "words"),
        ),
    ]
    classifier = object.__new__(LogisticRegressionClassifier)
    ours = serve.sentence_matrix(classifier, messages)
    theirs = _original_create_x(classifier, messages)
    assert ours.shape == theirs.shape == (2, 18)
    assert (ours != theirs).nnz == 0


def test_action_calls_are_the_json_rasa_would_send() -> None:
    """ujson writes the tracker Rasa sends to the action server: the same JSON once read."""
    import json

    from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity

    parse = {
        "intent": {"name": "ej", "confidence": 0.8123456789012345},
        "intent_ranking": [{"name": "ej", "confidence": 0.8123456789012345}],
        "entities": [],
        "text": "l'EJ n°12/3 « bloqué » ?",
    }
    tracker = DialogueStateTracker.from_events(
        "json-check",
        [
            ActionExecuted("action_listen"),
            UserUttered(parse["text"], parse["intent"], [], parse),
            SlotSet("domain_id", "ej"),
        ],
    )
    body = {
        "next_action": "action_answer_question",
        "tracker": tracker.current_state(EventVerbosity.ALL),
    }
    written = serve._dumps(body)
    assert json.loads(written) == json.loads(json.dumps(body))
    assert "« bloqué »" in written  # not escaped: fewer bytes on the wire


def _responses() -> list[Any]:
    """Action-server responses, valid and not: every event type Rasa knows, then each field
    given a wrong type, unknown or missing types, events that are not objects."""
    from rasa.shared.core.events import (
        ActionExecuted,
        ActiveLoop,
        AllSlotsReset,
        BotUttered,
        FollowupAction,
        Restarted,
        SessionStarted,
        SlotSet,
        UserUttered,
    )

    events = [
        e.as_dict()
        for e in [
            ActionExecuted("action_listen"),
            ActiveLoop("fsd_form"),
            AllSlotsReset(),
            BotUttered("Bonjour", {"buttons": [{"title": "EJ", "payload": "/ej"}]}),
            FollowupAction("action_listen"),
            Restarted(),
            SessionStarted(),
            SlotSet("misunderstandings", 1.0),
            UserUttered("oui", {"name": "affirm", "confidence": 0.9}),
        ]
    ]
    wrong: list[Any] = [None, 3, "x", [], {}, 1.5, True]
    cases: list[Any] = [{"events": events, "responses": [{"text": "Bonjour"}]}, {}, []]
    for event in events:
        for key in event:
            for value in wrong:
                cases.append({"events": [{**event, key: value}]})
    cases += [
        {"events": [{"event": "nope"}]},
        {"events": [{"name": "x"}]},
        {"events": ["slot"]},
        {"events": None},
        {"events": "x"},
        {"responses": "x"},
        {"responses": [{"text": 3}]},
        "x",
        None,
    ]
    return cases


def test_the_event_by_event_check_agrees_with_the_full_schema() -> None:
    from jsonschema.validators import validator_for

    schema = RemoteAction.action_response_format_spec()
    full = validator_for(schema)(schema)
    check = serve.response_checker(schema)
    cases = _responses()
    verdicts = [(check(case), full.is_valid(case)) for case in cases]
    assert len(cases) > 200
    assert [ours for ours, _ in verdicts] == [theirs for _, theirs in verdicts]
    assert {theirs for _, theirs in verdicts} == {True, False}
