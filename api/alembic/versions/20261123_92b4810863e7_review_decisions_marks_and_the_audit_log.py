"""Review decisions, marks and the audit log; the user's message of an unanswered item

No code ever set `unanswered_messages.reviewed`: the marks replace it without loss.

Revision ID: 92b4810863e7
Revises: 1a2b3c4d5e6f
Create Date: 2026-11-23 19:36:19.990992
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "92b4810863e7"
down_revision: str | None = "1a2b3c4d5e6f"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=50), nullable=False),
        sa.Column("target", sa.String(length=200), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_events_actor"), ["actor"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_audit_events_created_at"), ["created_at"], unique=False
        )

    op.create_table(
        "review_decisions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("entry_id", sa.String(length=100), nullable=True),
        sa.Column("added", sa.JSON(), nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("undone_by", sa.String(length=64), nullable=True),
        sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_decisions")),
    )
    op.create_table(
        "review_marks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("item_kind", sa.String(length=20), nullable=False),
        sa.Column("item_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["review_decisions.id"],
            name=op.f("fk_review_marks_decision_id_review_decisions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_marks")),
        sa.UniqueConstraint("item_kind", "item_id", name=op.f("uq_review_marks_item_kind")),
    )
    with op.batch_alter_table("review_marks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_review_marks_decision_id"), ["decision_id"], unique=False
        )

    with op.batch_alter_table("unanswered_messages", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "message_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
            )
        )
        batch_op.create_index(
            batch_op.f("ix_unanswered_messages_message_id"), ["message_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_unanswered_messages_message_id_messages"),
            "messages",
            ["message_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.drop_column("reviewed")


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("unanswered_messages", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reviewed", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.drop_constraint(
            batch_op.f("fk_unanswered_messages_message_id_messages"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_unanswered_messages_message_id"))
        batch_op.drop_column("message_id")

    with op.batch_alter_table("review_marks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_marks_decision_id"))

    op.drop_table("review_marks")
    op.drop_table("review_decisions")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_events_created_at"))
        batch_op.drop_index(batch_op.f("ix_audit_events_actor"))

    op.drop_table("audit_events")
