"""Versions of knowledge entries (the editor's history); each entry starts with its current
content as an "import" version

Revision ID: f8d4e85a99f0
Revises: 92b4810863e7
Create Date: 2026-11-23 20:14:34.415590
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

CONTENT_FIELDS = (
    "application",
    "domain",
    "title",
    "keywords",
    "answer",
    "buttons",
    "follow_up",
    "proposes_fsd",
    "overview",
    "kind",
    "incident",
)
COLUMN_TYPES = {
    "keywords": sa.JSON,
    "buttons": sa.JSON,
    "follow_up": sa.JSON,
    "incident": sa.JSON,
    "proposes_fsd": sa.Boolean,
    "overview": sa.Boolean,
    "retired": sa.Boolean,
    "version": sa.Integer,
}

revision: str = "f8d4e85a99f0"
down_revision: str | None = "92b4810863e7"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


entries = sa.table(
    "knowledge_entries",
    *(
        sa.column(name, COLUMN_TYPES.get(name, sa.String))
        for name in ("id", "version", "retired", *CONTENT_FIELDS)
    ),
)
texts = sa.table(
    "knowledge_texts",
    sa.column("entry_id", sa.String),
    sa.column("text", sa.String),
    sa.column("is_error_message", sa.Boolean),
    sa.column("id", sa.Integer),
)


def _backfill(versions: sa.Table) -> None:
    """One "import" version per entry, with its content as it is now."""
    connection = op.get_bind()
    all_texts: dict[str, list[tuple[str, bool]]] = {}
    for entry_id, text, is_error in connection.execute(
        sa.select(texts.c.entry_id, texts.c.text, texts.c.is_error_message).order_by(texts.c.id)
    ):
        all_texts.setdefault(entry_id, []).append((text, bool(is_error)))
    rows = []
    for row in connection.execute(sa.select(entries)).mappings():
        entry_texts = all_texts.get(row["id"], [])
        snapshot = {name: row[name] for name in CONTENT_FIELDS}
        snapshot["error_messages"] = [t for t, is_error in entry_texts if is_error]
        snapshot["reformulations"] = [t for t, is_error in entry_texts if not is_error]
        rows.append(
            {
                "entry_id": row["id"],
                "version": row["version"],
                "action": "import",
                "actor": "migration",
                "retired": bool(row["retired"]),
                "snapshot": snapshot,
                "created_at": datetime.now(UTC),
            }
        )
    if rows:
        op.bulk_insert(versions, rows)


def upgrade() -> None:
    """Apply this revision."""
    versions = op.create_table(
        "knowledge_entry_versions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("entry_id", sa.String(length=100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("retired", sa.Boolean(), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["knowledge_entries.id"],
            name=op.f("fk_knowledge_entry_versions_entry_id_knowledge_entries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_knowledge_entry_versions")),
    )
    _backfill(versions)
    with op.batch_alter_table("knowledge_entry_versions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_knowledge_entry_versions_entry_id"), ["entry_id"], unique=False
        )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("knowledge_entry_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_knowledge_entry_versions_entry_id"))

    op.drop_table("knowledge_entry_versions")
