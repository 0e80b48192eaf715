"""check runs in shards: slices of the roster that several workers check at once

A run's roster is split into id ranges; each is a ``check`` job of its own, so any number of workers
(``FOR UPDATE SKIP LOCKED``) take one each, and a dead worker's shard is claimed again after its lease.
Each shard keeps its finding rows until the last one finishes; that worker writes the run's findings once.

Revision ID: a1e5c7d9b3f2
Revises: 9d4b2e6a1c73
Create Date: 2026-12-03 17:10:00.000000+00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a1e5c7d9b3f2"
down_revision: str | Sequence[str] | None = "9d4b2e6a1c73"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "check_shards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("first_id", sa.BigInteger(), nullable=False),
        sa.Column("last_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("rows_total", sa.Integer(), nullable=False),
        sa.Column("rows_done", sa.Integer(), nullable=False),
        sa.Column("findings_count", sa.Integer(), nullable=False),
        sa.Column("rows_matched", sa.Integer(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["run_id"], ["check_runs.id"], name=op.f("fk_check_shards_run_id_check_runs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_shards")),
        sa.UniqueConstraint("run_id", "number", name=op.f("uq_check_shards_run_id_number")),
    )
    op.create_index(op.f("ix_check_shards_run_id"), "check_shards", ["run_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_check_shards_run_id"), table_name="check_shards")
    op.drop_table("check_shards")
