"""drop the unused list_entries nik15 index

Nothing queries ``list_entries.nik15`` (candidate generation joins on ``nik_k1``..``nik_k4`` and
``person_key``, the self-check on ``nik``); its index only slowed bulk loads (one of eight B-trees updated
per stored row).

Revision ID: 5d1c2e7a9f30
Revises: 0b2bf4ab5b75
Create Date: 2026-11-25 09:20:00.000000+00:00

"""

from collections.abc import Sequence

from alembic import op

revision: str = "5d1c2e7a9f30"
down_revision: str | Sequence[str] | None = "0b2bf4ab5b75"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("list_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_list_entries_nik15")


def downgrade() -> None:
    with op.batch_alter_table("list_entries", schema=None) as batch_op:
        batch_op.create_index("ix_list_entries_nik15", ["nik15", "version_id"], unique=False)
