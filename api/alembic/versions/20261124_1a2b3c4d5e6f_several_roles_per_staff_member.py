"""Several roles per staff member (an advisor may also be an admin)

Revision ID: 1a2b3c4d5e6f
Revises: c09064abfd57
Create Date: 2026-11-24 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "1a2b3c4d5e6f"
down_revision: str | None = "c09064abfd57"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

users = sa.table(
    "users",
    sa.column("id", sa.Integer),
    sa.column("role", sa.String),
    sa.column("roles", sa.JSON),
)


def upgrade() -> None:
    """Apply this revision: each account's role becomes its list of roles."""
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("roles", sa.JSON(), nullable=True))
    connection = op.get_bind()
    for user_id, role in connection.execute(sa.select(users.c.id, users.c.role)).all():
        connection.execute(users.update().where(users.c.id == user_id).values(roles=[role]))
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.alter_column("roles", existing_type=sa.JSON(), nullable=False)
        batch_op.drop_column("role")


def downgrade() -> None:
    """Revert this revision: each account keeps its first role."""
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("role", sa.String(length=20), nullable=True))
    connection = op.get_bind()
    for user_id, roles in connection.execute(sa.select(users.c.id, users.c.roles)).all():
        first = roles[0] if roles else "advisor"
        connection.execute(users.update().where(users.c.id == user_id).values(role=first))
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.alter_column("role", existing_type=sa.String(length=20), nullable=False)
        batch_op.drop_column("roles")
