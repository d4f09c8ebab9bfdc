"""The vocabulary both Python environments share: the action server and Rasa's components (Python
3.10) and api/ (Python 3.12) import these values from here, so they cannot disagree.

Pure Python, no third-party import, compatible with Python 3.10.
"""

# Applications an entry, a profile or an FSD is about.
APPLICATIONS: dict[str, str] = {
    "chorus": "Chorus",
    "chorus_formulaires": "Chorus Formulaires",
    "chorus_pro": "Chorus Pro",
}

# LiveChat categories, as ClaudIA proposes them (seeds: "Sélectionnez une catégorie").
HANDOFF_CATEGORIES: dict[str, str] = {
    "support_chorus": "Support outil Chorus",
    "support_chorus_formulaires": "Support outil Chorus Formulaires",
    "support_chorus_pro": "Support outil Chorus Pro",
    "question_metier": "Question métier (facture, mémoire, dossier)",
}

# The FSD's priority criteria (seeds: severity, impact, users blocked), each scored 1 to 3: the
# seeds name them but not their scale, so the labels are the assistant's convention.
FSD_SEVERITY_LABELS: dict[int, str] = {
    1: "Fonction secondaire",
    2: "Fonction importante",
    3: "Fonction essentielle (paiement, engagement, clôture)",
}
FSD_IMPACT_LABELS: dict[int, str] = {
    1: "Gêne, un contournement existe",
    2: "Dysfonctionnement partiel de l'activité",
    3: "Activité bloquée",
}
# Tool question (support) or business question about a file (business service, object number).
FSD_KIND_LABELS: dict[str, str] = {
    "outil": "L'utilisation de l'outil",
    "metier": "Un dossier (facture, mémoire, demande de remboursement)",
}
FSD_TITLE_LENGTH: tuple[int, int] = (3, 200)
FSD_DESCRIPTION_LENGTH: tuple[int, int] = (10, 5000)
FSD_OBJECT_NUMBER_MAX_LENGTH = 60
FSD_USERS_BLOCKED_MAX = 1_000_000
EMAIL_MAX_LENGTH = 254
# An address the FSD form, the widget's profile and the FSD API all accept.
EMAIL_PATTERN = r"^[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+$"

# A variable part of a canonical error message, e.g. "Poste de pièce {piece} ...".
PLACEHOLDER_PATTERN = r"\{[a-z_]+\}"

# How a pasted error message may start, in plain form (lower case, no accents, apostrophes as
# spaces). Chorus's own prefixes mark a paste by themselves; the labels users put before a message
# ("Message : ...", "Erreur - ...") only when a separator follows them.
CHORUS_ERROR_PREFIXES: tuple[str, ...] = ("erreur dans le systeme de gestion", "erreur systeme")
PASTE_LABELS: tuple[str, ...] = (
    "message d erreur",
    "message derreur",
    "erreur",
    "message",
    "error",
)
# How a question starts (plain form): such a text is not taken for a pasted error message.
QUESTION_START_PATTERN = (
    r"^(je|j |comment|pourquoi|est ce|qu|quel|quelle|quels|quelles|ou|quand|qui|"
    r"peut|puis|pouvez|avez|a qui|mon|ma|mes)\b"
)
# Stripped before matching too, but too common to mark a paste.
WARNING_LABELS: tuple[str, ...] = ("avertissement", "attention")

# Why a message goes to the support staff's review queue (the action server says which).
REVIEW_UNKNOWN_ERROR = "unknown_error_message"  # a paste no entry knows
REVIEW_NOT_UNDERSTOOD = "not_understood"  # a message the bot did not understand
REVIEW_CANDIDATE_REJECTED = "candidate_rejected"  # the user said none of the proposed errors
REVIEW_OUT_OF_SCOPE = "out_of_scope"  # off-topic, and no entry found
REVIEW_SUGGESTION_REJECTED = "suggestion_rejected"  # "Autre chose" after suggestions
REVIEW_REASONS: tuple[str, ...] = (
    REVIEW_UNKNOWN_ERROR,
    REVIEW_NOT_UNDERSTOOD,
    REVIEW_CANDIDATE_REJECTED,
    REVIEW_OUT_OF_SCOPE,
    REVIEW_SUGGESTION_REJECTED,
)

# Small talk: the NLU keeps these intents for a longer message only when it is confident
# (bot/components/small_talk_guard.py); otherwise the knowledge base gets the message.
SMALL_TALK_INTENTS: tuple[str, ...] = ("greet", "goodbye", "thanks", "affirm", "deny")

# Intents that say the NLU found no Chorus question in the message: evidence for the retrieval's
# confidence that no entry answers it (knowledge_base/retrieval.py).
OFF_TOPIC_INTENTS: tuple[str, ...] = ("out_of_scope", "complain", "nlu_fallback")

# Intents about a domain that are not the domain's own intent.
INTENT_DOMAINS: dict[str, str] = {"request_fsd": "fsd", "fsd_status": "fsd"}

# Intents that api/ sends to Rasa itself, or puts behind the buttons it writes: each must exist in
# domain.yml (tests/bot/test_vocabulary.py checks it).
INTENT_HANDOFF_CLOSED = "handoff_closed"  # the advisor closed the chat: the bot takes over
INTENT_NEGATIVE_FEEDBACK = "negative_feedback"  # a thumbs down: the bot offers a human
INTENT_CANCEL_HANDOFF = "cancel_handoff"  # "Quitter la file d'attente"
INTENT_LEAVE_MESSAGE = "leave_message"  # outside opening hours
INTENT_REQUEST_FSD = "request_fsd"
INTENT_DENY = "deny"
INTENT_SOMETHING_ELSE = "something_else"  # "Autre chose" under suggestions (actions/)
GATEWAY_INTENTS: tuple[str, ...] = (
    INTENT_HANDOFF_CLOSED,
    INTENT_NEGATIVE_FEEDBACK,
    INTENT_CANCEL_HANDOFF,
    INTENT_LEAVE_MESSAGE,
    INTENT_REQUEST_FSD,
    INTENT_DENY,
)


def payload(intent: str) -> str:
    """The button payload (or message) that triggers an intent in Rasa."""
    return f"/{intent}"
