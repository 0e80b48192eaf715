"""store the four NIK blocking keys as integers

``nik_k1``..``nik_k4`` held the keys of :func:`matching.blocking.nik_block_keys` as text ("1" + 11 digits,
… "4" + 12 digits). Their four indexes were most of a list upload's cost on PostgreSQL: a 2M-row CSV took
100 s, 39 s without those four indexes, and 66 s with the keys as ``bigint`` (8-byte keys compared as
integers instead of strings under the database collation). The value is ``int(key)``: the leading tag digit
keeps the four keys apart and the length is fixed per key, so nothing is lost.

Revision ID: 6e2a1d4b9c57
Revises: 3f7a9c2d4e18
Create Date: 2026-12-02 10:30:00.000000+00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "6e2a1d4b9c57"
down_revision: str | Sequence[str] | None = "3f7a9c2d4e18"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("list_entries", "roster_entries")
COLUMNS = ("nik_k1", "nik_k2", "nik_k3", "nik_k4")


def _retype(to: sa.types.TypeEngine[object], cast: str) -> None:
    for table in TABLES:
        # PostgreSQL converts in place (USING) and rebuilds the indexes; SQLite copies the table, and a
        # column's new type affinity converts each stored value.
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in COLUMNS:
                batch_op.alter_column(
                    column,
                    existing_type=sa.String(length=16) if cast == "bigint" else sa.BigInteger(),
                    type_=to,
                    existing_nullable=True,
                    postgresql_using=f"{column}::{cast}",
                )


def upgrade() -> None:
    _retype(sa.BigInteger(), "bigint")


def downgrade() -> None:
    _retype(sa.String(length=16), "varchar(16)")
