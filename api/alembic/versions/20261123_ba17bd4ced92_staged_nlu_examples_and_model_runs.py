"""Staged NLU training examples and model runs (retraining from the review page)

Revision ID: ba17bd4ced92
Revises: 829d5e945f81
Create Date: 2026-11-23 22:39:23.770042
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "ba17bd4ced92"
down_revision: str | None = "829d5e945f81"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "model_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=True),
        sa.Column("requested_by", sa.String(length=64), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("examples", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(length=64), nullable=True),
        sa.Column("trained_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("live_model", sa.String(length=64), nullable=True),
        sa.Column("live_score", sa.Float(), nullable=True),
        sa.Column("heldout_total", sa.Integer(), nullable=True),
        sa.Column("detail", sa.String(length=2000), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_model_runs")),
    )
    with op.batch_alter_table("model_runs", schema=None) as batch_op:
        batch_op.create_index("uq_model_runs_active", ["active"], unique=True)

    op.create_table(
        "nlu_examples",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("text", sa.String(length=1000), nullable=False),
        sa.Column("intent", sa.String(length=64), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=True),
        sa.Column("staged_by", sa.String(length=64), nullable=False),
        sa.Column("staged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("trained_in", sa.String(length=64), nullable=True),
        sa.Column("removed_by", sa.String(length=64), nullable=True),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["review_decisions.id"],
            name=op.f("fk_nlu_examples_decision_id_review_decisions"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nlu_examples")),
    )
    with op.batch_alter_table("nlu_examples", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_nlu_examples_decision_id"), ["decision_id"], unique=False
        )
        batch_op.create_index("ix_nlu_examples_intent_text", ["intent", "text"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("nlu_examples", schema=None) as batch_op:
        batch_op.drop_index("ix_nlu_examples_intent_text")
        batch_op.drop_index(batch_op.f("ix_nlu_examples_decision_id"))

    op.drop_table("nlu_examples")
    with op.batch_alter_table("model_runs", schema=None) as batch_op:
        batch_op.drop_index("uq_model_runs_active")

    op.drop_table("model_runs")
