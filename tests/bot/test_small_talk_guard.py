"""Unsure small talk that uses other words goes to the knowledge base; real small talk stays."""

from pathlib import Path

from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components.small_talk_guard import SmallTalkGuard


def trained(tmp_path: Path) -> SmallTalkGuard:
    storage = LocalModelStorage(tmp_path)
    resource = Resource("small_talk_guard")
    context = ExecutionContext(GraphSchema({}), "test")
    config = SmallTalkGuard.get_default_config()
    component = SmallTalkGuard.create(config, storage, resource, context)
    examples = [
        Message(data={"text": "non merci", "intent": "deny"}),
        Message(data={"text": "merci beaucoup, bonne journée", "intent": "thanks"}),
        Message(data={"text": "lien vers le portail", "intent": "connexion"}),
    ]
    component.train(TrainingData(examples))
    return SmallTalkGuard.load(config, storage, resource, context)


def parsed(text: str, intent: str, confidence: float) -> Message:
    return Message(data={"text": text, "intent": {"name": intent, "confidence": confidence}})


def test_unsure_small_talk_with_other_words_becomes_a_question(tmp_path: Path) -> None:
    guard = trained(tmp_path)
    question = parsed("lien diapason ?", "deny", 0.43)
    unsure_no = parsed("non merci", "deny", 0.45)
    sure_thanks = parsed("merci pour le lien diapason", "thanks", 0.9)
    domain = parsed("lien diapason ?", "connexion", 0.3)
    button = parsed("/deny", "deny", 0.1)

    guard.process([question, unsure_no, sure_thanks, domain, button])

    assert question.get("intent")["name"] == "nlu_fallback"
    assert [m.get("intent")["name"] for m in (unsure_no, sure_thanks, domain, button)] == [
        "deny",
        "thanks",
        "connexion",
        "deny",
    ]
