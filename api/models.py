"""Import every domain's models so that Base.metadata knows all tables (for Alembic)."""

from api.audit.models import AuditEvent
from api.auth.models import User
from api.conversations.models import Conversation, Message, UnansweredMessage
from api.fsd.models import Fsd, FsdAttachment, FsdEvent
from api.handoff.models import Handoff
from api.knowledge.models import KnowledgeEntry, KnowledgeRevision, KnowledgeText
from api.notifications.models import OutboxEmail
from api.review.models import ReviewDecision, ReviewMark
from api.stats.models import ActivityHour, ActivityRollup
from api.training.models import ModelRun, NluExample

__all__ = [
    "ActivityHour",
    "ActivityRollup",
    "AuditEvent",
    "Conversation",
    "Fsd",
    "FsdAttachment",
    "FsdEvent",
    "Handoff",
    "KnowledgeEntry",
    "KnowledgeRevision",
    "KnowledgeText",
    "Message",
    "ModelRun",
    "NluExample",
    "OutboxEmail",
    "ReviewDecision",
    "ReviewMark",
    "UnansweredMessage",
    "User",
]
