"""Candidates and NLU domain of unanswered messages

Revision ID: 233038083664
Revises: de39779c6598
Create Date: 2026-11-23 17:23:30.970398
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "233038083664"
down_revision: str | None = "de39779c6598"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("unanswered_messages", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("candidates", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )
        batch_op.add_column(sa.Column("nlu_domain", sa.String(length=50), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("unanswered_messages", schema=None) as batch_op:
        batch_op.drop_column("nlu_domain")
        batch_op.drop_column("candidates")
