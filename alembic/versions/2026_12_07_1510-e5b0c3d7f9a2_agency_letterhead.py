"""agencies: letterhead and signatory for the documents an agency prints

Revision ID: e5b0c3d7f9a2
Revises: d4a9b2c6e8f1
Create Date: 2026-12-07 15:10:00.000000+00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e5b0c3d7f9a2"
down_revision: str | Sequence[str] | None = "d4a9b2c6e8f1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = (("parent_body", 200), ("address", 300), ("city", 100), ("signatory_title", 200))


def upgrade() -> None:
    with op.batch_alter_table("agencies") as batch_op:
        for name, length in _COLUMNS:
            batch_op.add_column(sa.Column(name, sa.String(length=length), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("agencies") as batch_op:
        for name, _length in reversed(_COLUMNS):
            batch_op.drop_column(name)
