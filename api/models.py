"""Import every domain's models so that Base.metadata knows all tables (for Alembic)."""

from api.auth.models import User
from api.conversations.models import Conversation, Message
from api.handoff.models import Handoff
from api.knowledge.models import KnowledgeEntry, KnowledgeRevision, KnowledgeText
from api.review.models import UnansweredMessage

__all__ = [
    "Conversation",
    "Handoff",
    "KnowledgeEntry",
    "KnowledgeRevision",
    "KnowledgeText",
    "Message",
    "UnansweredMessage",
    "User",
]
