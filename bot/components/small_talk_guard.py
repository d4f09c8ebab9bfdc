"""Keep small-talk intents (hello, thanks, goodbye, yes, no) only for small talk.

The classifier gives some short questions to these intents with a low confidence ("lien
diapason ?" was taken for a "no"). This component remembers the words of the small-talk training
examples: an unsure small-talk message that uses other words becomes `nlu_fallback`, so that the
knowledge base gets the question; "non merci" or "ok super" stay what they are.
"""

import json
from typing import Any, Dict, List, Optional, Set, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components.unknown_words import words
from knowledge_base.vocabulary import SMALL_TALK_INTENTS

FALLBACK_INTENT = "nlu_fallback"
VOCABULARY_FILE = "small_talk_vocabulary.json"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class SmallTalkGuard(GraphComponent):
    """Turn unsure small talk that uses words small talk never uses into nlu_fallback."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"min_confidence": 0.6}

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        vocabulary: Optional[Set[str]] = None,
    ) -> None:
        self.min_confidence = float(config.get("min_confidence", 0.6))
        self._model_storage = model_storage
        self._resource = resource
        self.vocabulary = vocabulary or set()

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "SmallTalkGuard":
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "SmallTalkGuard":
        try:
            with model_storage.read_from(resource) as directory:
                vocabulary = set(json.loads((directory / VOCABULARY_FILE).read_text()))
        except (ValueError, FileNotFoundError):
            vocabulary = set()
        return cls(config, model_storage, resource, vocabulary)

    def train(self, training_data: TrainingData) -> Resource:
        """Remember the words of the small-talk examples."""
        self.vocabulary = set()
        for example in training_data.intent_examples:
            if example.get(INTENT) in SMALL_TALK_INTENTS:
                self.vocabulary |= words(example.get(TEXT) or "")
        with self._model_storage.write_to(self._resource) as directory:
            (directory / VOCABULARY_FILE).write_text(json.dumps(sorted(self.vocabulary)))
        return self._resource

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            intent = message.get("intent") or {}
            if text.startswith("/") or intent.get("name") not in SMALL_TALK_INTENTS:
                continue
            confidence = float(intent.get("confidence") or 0.0)
            if confidence < self.min_confidence and words(text) - self.vocabulary:
                message.set(
                    "intent", {"name": FALLBACK_INTENT, "confidence": 1.0 - confidence},
                    add_to_output=True,
                )  # fmt: skip
        return messages
