"""Import every domain's models so that Base.metadata knows all tables (for Alembic)."""

from api.conversations.models import Conversation, Message

__all__ = ["Conversation", "Message"]
