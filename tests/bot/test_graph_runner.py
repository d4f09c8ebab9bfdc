"""bot.graph_runner and bot.serve's NLU fixes: the trained model gives the same parses and
predictions as Rasa's own code (dask runner, logistic regression as shipped), and an unknown
target or a cycle is an error."""

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import rasa.core.processor
from rasa.core.agent import Agent
from rasa.core.channels.channel import UserMessage
from rasa.core.processor import MessageProcessor
from rasa.engine.exceptions import GraphRunError
from rasa.engine.graph import GraphSchema, SchemaNode
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.core.trackers import DialogueStateTracker

from bot import serve
from bot.graph_runner import SequentialGraphRunner, execution_order
from bot.heldout import ROOT, heldout

MODEL = ROOT / "models" / "current.tar.gz"
# Rasa's own code, as imported (before any test installs bot.serve's fixes).
RASA_CODE: list[tuple[Any, str, Any]] = [
    (owner, name, vars(owner)[name])
    for owner, name in [
        (LogisticRegressionClassifier, "_create_X"),
        (LogisticRegressionClassifier, "load"),
        (MessageProcessor, "_parse_message_with_graph"),
        (DialogueStateTracker, "past_states"),
    ]
]


@contextmanager
def rasa_as_shipped() -> Iterator[None]:
    """Rasa's own code while inside, bot.serve's fixes again after."""
    installed = [(owner, name, vars(owner)[name]) for owner, name, _ in RASA_CODE]
    for owner, name, original in RASA_CODE:
        setattr(owner, name, original)
    try:
        yield
    finally:
        for owner, name, fix in installed:
            setattr(owner, name, fix)


def _load(runner: type) -> Agent:
    original = rasa.core.processor.DaskGraphRunner
    rasa.core.processor.DaskGraphRunner = runner  # type: ignore[misc]
    try:
        return Agent.load(str(MODEL))
    finally:
        rasa.core.processor.DaskGraphRunner = original  # type: ignore[misc]


async def _turns(agent: Agent, texts: list[str]) -> list[tuple[Any, ...]]:
    """Each text's parse and the action predicted after it, in one conversation per text."""
    assert agent.processor is not None
    results = []
    for number, text in enumerate(texts):
        parsed = await agent.parse_message(text)
        message = UserMessage(text, sender_id=f"runner-{number}")
        tracker = await agent.processor.log_message(message)
        prediction = agent.processor.predict_next_with_tracker(tracker)
        assert prediction is not None
        best = max(prediction["scores"], key=lambda score: score["score"])
        results.append(
            (
                parsed["intent"],
                parsed.get("intent_ranking"),
                best["action"],
                prediction["policy"],
                prediction["confidence"],
                [round(score["score"], 6) for score in prediction["scores"]],
            )
        )
    return results


@pytest.fixture(scope="module")
def texts() -> list[str]:
    examples = [text for text, _ in heldout()][::4]
    return [*examples, "oui", "merci", "bonjour", "/ej", "zzkq wxv"]


def test_parses_and_predictions_are_those_of_rasa_as_shipped(texts: list[str]) -> None:
    serve.install()
    ours = asyncio.run(_turns(_load(SequentialGraphRunner), texts))
    with rasa_as_shipped():
        theirs = asyncio.run(_turns(_load(DaskGraphRunner), texts))
    assert len(ours) == len(texts) > 20
    assert ours == theirs


def _schema(**needs: dict[str, str]) -> GraphSchema:
    return GraphSchema(
        {
            name: SchemaNode(
                needs=node_needs,
                uses=WhitespaceTokenizer,
                constructor_name="create",
                fn="process",
                config={},
            )
            for name, node_needs in needs.items()
        }
    )


def test_nodes_come_after_what_they_need() -> None:
    schema = _schema(c={"x": "b", "y": "a"}, b={"x": "a"}, a={"m": "__message__"}, unused={})
    order = [name for name, _ in execution_order(schema, ["c"])]
    assert order == ["a", "b", "c"]


def test_a_cycle_or_an_unknown_target_is_an_error() -> None:
    with pytest.raises(GraphRunError, match="cycle"):
        execution_order(_schema(a={"x": "b"}, b={"x": "a"}), ["a"])
    with pytest.raises(GraphRunError, match="Unknown target"):
        execution_order(_schema(a={}), ["z"])
