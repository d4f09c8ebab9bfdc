"""Fall back on messages made only of words the training data never used (gibberish).

A logistic regression on n-gram counts gives such messages to the intents of short messages
(yes, goodbye) with a confidence well above the fallback threshold: "qsdfgh" was answered
"Au revoir". This component remembers the words of the training examples and, when a typed
message contains none of them, replaces the intent with `nlu_fallback` (the bot then tries the
error-message matcher and says it did not understand).
"""

import json
import unicodedata
from typing import Any, Dict, List, Optional, Set, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

FALLBACK_INTENT = "nlu_fallback"
VOCABULARY_FILE = "vocabulary.json"


def words(text: str) -> Set[str]:
    """Return the lower-case, accent-free alphabetic words of at least two letters."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(c if c.isalpha() else " " for c in decomposed if not unicodedata.combining(c))
    return {w for w in plain.split() if len(w) >= 2}


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class UnknownWordsFallback(GraphComponent):
    """Set the intent to nlu_fallback when no word of the message was seen in training."""

    def __init__(
        self, model_storage: ModelStorage, resource: Resource, vocabulary: Optional[Set[str]]
    ) -> None:
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
    ) -> "UnknownWordsFallback":
        return cls(model_storage, resource, None)

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "UnknownWordsFallback":
        try:
            with model_storage.read_from(resource) as directory:
                vocabulary = set(json.loads((directory / VOCABULARY_FILE).read_text()))
        except (ValueError, FileNotFoundError):
            vocabulary = set()
        return cls(model_storage, resource, vocabulary)

    def train(self, training_data: TrainingData) -> Resource:
        """Remember every word of the training examples."""
        self.vocabulary = set()
        for example in training_data.intent_examples:
            self.vocabulary |= words(example.get(TEXT) or "")
        with self._model_storage.write_to(self._resource) as directory:
            (directory / VOCABULARY_FILE).write_text(json.dumps(sorted(self.vocabulary)))
        return self._resource

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if not self.vocabulary or text.startswith("/"):
                continue
            found = words(text)
            if found and not found & self.vocabulary:
                confidence = float((message.get("intent") or {}).get("confidence") or 0.0)
                message.set(
                    "intent", {"name": FALLBACK_INTENT, "confidence": 1.0 - confidence},
                    add_to_output=True,
                )  # fmt: skip
        return messages
