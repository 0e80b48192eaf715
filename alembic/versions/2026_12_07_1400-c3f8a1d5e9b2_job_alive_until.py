"""jobs.alive_until: when a running job's heartbeat is overdue, so pages can say it was interrupted

Revision ID: c3f8a1d5e9b2
Revises: b7d2f4a6c8e1
Create Date: 2026-12-07 14:00:00.000000+00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c3f8a1d5e9b2"
down_revision: str | Sequence[str] | None = "b7d2f4a6c8e1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch_op:
        batch_op.add_column(sa.Column("alive_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch_op:
        batch_op.drop_column("alive_until")
