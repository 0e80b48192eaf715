"""versions count the NIKs they added and removed; a re-check names the list version that queued it

Revision ID: f6c1d4e8a0b3
Revises: e5b0c3d7f9a2
Create Date: 2026-12-07 15:20:00.000000+00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f6c1d4e8a0b3"
down_revision: str | Sequence[str] | None = "e5b0c3d7f9a2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for table in ("list_versions", "roster_versions"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column("rows_added", sa.Integer(), nullable=True))
            batch_op.add_column(sa.Column("rows_removed", sa.Integer(), nullable=True))
    with op.batch_alter_table("check_runs") as batch_op:
        batch_op.add_column(sa.Column("trigger_version_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_check_runs_trigger_version_id"), ["trigger_version_id"])


def downgrade() -> None:
    with op.batch_alter_table("check_runs") as batch_op:
        batch_op.drop_index(batch_op.f("ix_check_runs_trigger_version_id"))
        batch_op.drop_column("trigger_version_id")
    for table in ("roster_versions", "list_versions"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column("rows_removed")
            batch_op.drop_column("rows_added")
