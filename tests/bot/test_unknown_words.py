"""Gibberish falls back; messages with any known word are left to the classifier."""

from pathlib import Path

from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components.unknown_words import UnknownWordsFallback, words


def trained(tmp_path: Path) -> UnknownWordsFallback:
    storage = LocalModelStorage(tmp_path)
    resource = Resource("unknown_words")
    context = ExecutionContext(GraphSchema({}), "test")
    component = UnknownWordsFallback.create({}, storage, resource, context)
    examples = [
        Message(data={"text": "Mot de passe refusé", "intent": "connexion"}),
        Message(data={"text": "au revoir", "intent": "goodbye"}),
    ]
    component.train(TrainingData(examples))
    return UnknownWordsFallback.load({}, storage, resource, context)


def test_words_ignore_case_accents_digits_and_single_letters() -> None:
    assert words("Mot de PASSE refusé, 3 fois : à l'écran") == {
        "mot", "de", "passe", "refuse", "fois", "ecran",
    }  # fmt: skip


def test_gibberish_falls_back_and_known_words_do_not(tmp_path: Path) -> None:
    component = trained(tmp_path)
    gibberish = Message(data={"text": "xqzt vbnm", "intent": {"name": "affirm", "confidence": 0.6}})
    typo = Message(data={"text": "mot de pase", "intent": {"name": "connexion", "confidence": 0.5}})
    payload = Message(data={"text": "/greet", "intent": {"name": "greet", "confidence": 1.0}})

    component.process([gibberish, typo, payload])

    assert gibberish.get("intent")["name"] == "nlu_fallback"
    assert typo.get("intent")["name"] == "connexion"
    assert payload.get("intent")["name"] == "greet"
