"""Overview entries (a topic without its procedures)

Revision ID: c09064abfd57
Revises: 233038083664
Create Date: 2026-11-23 18:11:20.405462
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c09064abfd57"
down_revision: str | None = "233038083664"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("knowledge_entries", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("overview", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("knowledge_entries", schema=None) as batch_op:
        batch_op.drop_column("overview")
