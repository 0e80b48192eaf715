"""misuse_reports: a receipt code kept only hashed, and the list row reported, so findings and reports link

Revision ID: d4a9b2c6e8f1
Revises: c3f8a1d5e9b2
Create Date: 2026-12-07 15:00:00.000000+00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d4a9b2c6e8f1"
down_revision: str | Sequence[str] | None = "c3f8a1d5e9b2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("misuse_reports") as batch_op:
        batch_op.add_column(sa.Column("receipt_hash", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_misuse_reports_receipt_hash"), ["receipt_hash"])
        batch_op.add_column(sa.Column("list_entry_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("list_line", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_misuse_reports_list_entry_id"), ["list_entry_id"])


def downgrade() -> None:
    with op.batch_alter_table("misuse_reports") as batch_op:
        batch_op.drop_index(batch_op.f("ix_misuse_reports_list_entry_id"))
        batch_op.drop_column("list_line")
        batch_op.drop_column("list_entry_id")
        batch_op.drop_constraint(batch_op.f("uq_misuse_reports_receipt_hash"), type_="unique")
        batch_op.drop_column("receipt_hash")
