"""Client message ids: a retried message is stored once

Revision ID: 66e9f788ac2f
Revises: ba17bd4ced92
Create Date: 2026-11-24 00:03:12.922339
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "66e9f788ac2f"
down_revision: str | None = "ba17bd4ced92"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("client_message_id", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_messages_conversation_id"), ["conversation_id", "client_message_id"]
        )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_messages_conversation_id"), type_="unique")
        batch_op.drop_column("client_message_id")
