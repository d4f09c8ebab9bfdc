"""Statistics: the hourly activity rollup, and indexes on the timestamps periods filter on

Revision ID: 829d5e945f81
Revises: f8d4e85a99f0
Create Date: 2026-11-23 21:11:04.168854
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "829d5e945f81"
down_revision: str | None = "f8d4e85a99f0"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PROFILE_KEYS = ("application", "ministry_code")


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "activity_hours",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("application", sa.String(length=30), nullable=False),
        sa.Column("ministry_code", sa.String(length=30), nullable=False),
        sa.Column("conversations", sa.Integer(), nullable=False),
        sa.Column("messages", sa.Integer(), nullable=False),
        sa.Column("answered", sa.Integer(), nullable=False),
        sa.Column("misunderstood", sa.Integer(), nullable=False),
        sa.Column("handoffs", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity_hours")),
        sa.UniqueConstraint(
            "hour", "application", "ministry_code", name=op.f("uq_activity_hours_hour")
        ),
    )
    with op.batch_alter_table("activity_hours", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_activity_hours_hour"), ["hour"], unique=False)

    op.create_table(
        "activity_rollup",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity_rollup")),
    )
    with op.batch_alter_table("conversation_ratings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_conversation_ratings_created_at"), ["created_at"], unique=False
        )

    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_conversations_created_at"), ["created_at"], unique=False
        )

    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_feedback_created_at"), ["created_at"], unique=False)

    with op.batch_alter_table("handoffs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_handoffs_requested_at"), ["requested_at"], unique=False
        )

    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_messages_created_at"), ["created_at"], unique=False)

    with op.batch_alter_table("unanswered_messages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_unanswered_messages_created_at"), ["created_at"], unique=False
        )
    if op.get_bind().dialect.name == "postgresql":
        # The statistics filter conversations on these profile values (PostgreSQL only; the
        # single-machine SQLite configuration has too few rows to need them).
        for key in PROFILE_KEYS:
            op.execute(
                f"CREATE INDEX ix_conversations_profile_{key}"
                f" ON conversations ((profile->>'{key}'))"
            )


def downgrade() -> None:
    """Revert this revision."""
    if op.get_bind().dialect.name == "postgresql":
        for key in PROFILE_KEYS:
            op.execute(f"DROP INDEX ix_conversations_profile_{key}")
    with op.batch_alter_table("unanswered_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_unanswered_messages_created_at"))

    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_messages_created_at"))

    with op.batch_alter_table("handoffs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_handoffs_requested_at"))

    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feedback_created_at"))

    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conversations_created_at"))

    with op.batch_alter_table("conversation_ratings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conversation_ratings_created_at"))

    op.drop_table("activity_rollup")
    with op.batch_alter_table("activity_hours", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_activity_hours_hour"))

    op.drop_table("activity_hours")
