"""Conversation tokens and verified identities

Revision ID: 7c1e5b2a9d40
Revises: 66e9f788ac2f
Create Date: 2026-12-02 01:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7c1e5b2a9d40"
down_revision: str | None = "66e9f788ac2f"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("token_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("identity", sa.JSON(), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_column("identity")
        batch_op.drop_column("token_hash")
