"""PostgreSQL: list_entries is one table again, not a partition per list version

Partitions made every look-up across the active lists cost one index probe, and planning, per partition:
the self-check took 1.7 ms against 20 active lists and 45 ms against 200 (measured), and a deployment holds
a supporter list per candidate, hundreds per election. One table answers a NIK with one probe of
``ix_list_entries_nik_version`` whatever the number of lists. Loading a large list is slower again (every
row updates seven indexes), but a load is a background job with visible progress, and a look-up is a
person waiting.

The foreign keys dropped with the partitions stay dropped (see 8c4e1f0a2b67: SQLite's bulk insert skips the
per-row check, and only ingestion writes entries, into the version it has just made).

Revision ID: 3f7a9c2d4e18
Revises: 8c4e1f0a2b67
Create Date: 2026-12-02 07:00:00.000000+00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3f7a9c2d4e18"
down_revision: str | Sequence[str] | None = "8c4e1f0a2b67"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_INDEXES = {
    "ix_list_entries_k1": ("nik_k1", "version_id"),
    "ix_list_entries_k2": ("nik_k2", "version_id"),
    "ix_list_entries_k3": ("nik_k3", "version_id"),
    "ix_list_entries_k4": ("nik_k4", "version_id"),
    "ix_list_entries_nik_version": ("nik", "version_id"),
    "ix_list_entries_person_key": ("person_key", "version_id"),
    "ix_list_entries_version_id": ("version_id",),
}


def _rebuild(*, partitioned: bool) -> None:
    """Move every row of ``list_entries`` into a new table of the same columns, partitioned or plain."""
    op.execute("ALTER TABLE list_entries RENAME TO list_entries_old")
    for name in _INDEXES:
        op.execute(f"DROP INDEX {name}")
    op.execute("ALTER TABLE list_entries_old DROP CONSTRAINT pk_list_entries")
    op.execute("ALTER SEQUENCE list_entries_id_seq OWNED BY NONE")
    partition_by = " PARTITION BY LIST (version_id)" if partitioned else ""
    op.execute(f"CREATE TABLE list_entries (LIKE list_entries_old INCLUDING DEFAULTS){partition_by}")
    key = "id, version_id" if partitioned else "id"
    if partitioned:
        versions = op.get_bind().execute(sa.text("SELECT DISTINCT version_id FROM list_entries_old"))
        for (version_id,) in versions.all():
            op.execute(
                f"CREATE TABLE list_entries_v{int(version_id)} PARTITION OF list_entries "
                f"FOR VALUES IN ({int(version_id)})"
            )
    # Rows first, indexes after: one sort per index instead of millions of random inserts.
    op.execute("INSERT INTO list_entries SELECT * FROM list_entries_old")
    op.execute(f"ALTER TABLE list_entries ADD CONSTRAINT pk_list_entries PRIMARY KEY ({key})")
    for name, columns in _INDEXES.items():
        op.create_index(name, "list_entries", list(columns))
    op.execute("ALTER SEQUENCE list_entries_id_seq OWNED BY list_entries.id")
    op.execute("DROP TABLE list_entries_old")  # with its partitions, on the way up


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _rebuild(partitioned=False)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _rebuild(partitioned=True)
