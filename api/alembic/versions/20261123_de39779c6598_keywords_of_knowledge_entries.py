"""Keywords of knowledge entries (retrieval)

Revision ID: de39779c6598
Revises: e21ccf862119
Create Date: 2026-11-23 17:16:54.346412
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "de39779c6598"
down_revision: str | None = "e21ccf862119"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("knowledge_entries", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("keywords", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("knowledge_entries", schema=None) as batch_op:
        batch_op.drop_column("keywords")
