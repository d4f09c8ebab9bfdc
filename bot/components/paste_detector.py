"""Recognise a pasted Chorus error message by its shape, whatever the classifier said.

A paste starts with an error prefix ("Erreur dans le système de gestion", "Message :"), or uses
Chorus's error wording ("n'existe pas", "non valide", "inexistant"…) with a code or number, or is
introduced as a message ("j'ai ce message : …"). Questions that merely talk about an error are left
to the classifier.
"""

import re
import unicodedata
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.training_data.message import Message

from knowledge_base.vocabulary import CHORUS_ERROR_PREFIXES, PASTE_LABELS, QUESTION_START_PATTERN

PASTE_INTENT = "paste_error"


def _alternatives(words: "tuple[str, ...]") -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


# Chorus's own prefix marks a paste by itself; a label ("Message :", "Erreur -", "Message n° 12 :")
# only with a separator after it.
_PREFIX = re.compile(
    rf"^\W*(?:{_alternatives(CHORUS_ERROR_PREFIXES)}"
    rf"|(?:{_alternatives(PASTE_LABELS)})\s*(?:n\W*\s*\w+\s*)?[:.-])"
)
_WORDING = (
    "n'existe pas",
    "n existe pas",
    "inexistant",
    "non valide",
    "n'est pas valable",
    "n est pas valable",
    "non autoris",
    "aucune autoris",
    "interdit",
    "bloque pour",
    "n'a pas encore ete",
    "n a pas encore ete",
    "est verrouill",
    "contraintes de securite",
    "erreur est survenue",
    "ont ete detectees",
    "imputations erronees",
    "est obligatoire",
    "n'est pas autorise",
    "n'est pas defini",
    "non admis",
    "est inactif",
    "deja solde",
    "votre compte est bloque",
    "est incompatible",
    "depasse",
)
_CODE = re.compile(r"\d{3,}|\b[A-Z0-9]{2,}(?:-[A-Z0-9]{2,})+\b|\b(?=[A-Z]*\d)[A-Z0-9]{3,}\b")
_INTRODUCED = re.compile(r"(message|erreur|obtiens|affiche|j'ai)[^:\n]{0,60}[:\n]")
_QUESTION_START = re.compile(QUESTION_START_PATTERN)


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.replace("’", "'"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower().strip()


# A statement that only uses Chorus's error wording (no prefix, code or "message :") is taken for
# a paste only when the classifier is not confident it is a question about something else.
CONFIDENT_CLASSIFIER = 0.8


def paste_shape(text: str) -> str | None:
    """Return "strong" or "weak" when the text has the shape of a pasted error message."""
    if not text or text.startswith("/"):
        return None
    plain = _plain(text)
    if _PREFIX.match(plain.replace("'", " ")):
        return "strong"
    if not any(w in plain for w in _WORDING):
        return None
    if _INTRODUCED.search(plain) or _CODE.search(text):
        return "strong"
    spaced = re.sub(r"['-]", " ", plain)
    return "weak" if "?" not in plain and not _QUESTION_START.match(spaced) else None


def looks_like_paste(text: str) -> bool:
    """Return whether the text has the shape of a pasted error message."""
    return paste_shape(text) is not None


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class ErrorPasteDetector(GraphComponent):
    """Set the intent to paste_error for messages shaped like a pasted error message."""

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "ErrorPasteDetector":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text: Optional[str] = message.get("text")
            shape = paste_shape(text or "")
            confidence = float((message.get("intent") or {}).get("confidence") or 0.0)
            if shape == "strong" or (shape == "weak" and confidence < CONFIDENT_CLASSIFIER):
                message.set("intent", {"name": PASTE_INTENT, "confidence": 1.0}, add_to_output=True)
        return messages
