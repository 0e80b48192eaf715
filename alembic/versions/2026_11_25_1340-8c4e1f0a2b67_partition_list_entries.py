"""PostgreSQL: one partition of list_entries per list version; the foreign keys into and out of it go

A two-million-row list loaded into one table carrying seven B-tree indexes took about three minutes on
PostgreSQL: every row updates seven indexes at random places, far more pages than ``shared_buffers`` holds.
Partitioned by ``version_id``, a version is copied into its own bare table, indexed once (a sort per index)
and attached, all in the version's transaction (``app.services.partitions``).

Foreign keys go on both databases, so the models describe both alike:
- ``findings.list_entry_id``: a key into a partitioned table must name the partition key too;
  ``findings.list_version_id`` keeps its key to ``list_versions``, and purging a list deletes its findings
  before its entries.
- ``list_entries.version_id``: attaching a partition that has one locks ``list_versions`` against writes
  until the version commits (other uploads' progress included), and on SQLite the per-row check cost
  about 15 % of a bulk insert. Only ingestion writes entries, into the version row it has just made, and
  version rows are never deleted.

SQLite keeps the plain table: it has no partitions, and its loads rebuild indexes instead.

Revision ID: 8c4e1f0a2b67
Revises: 5d1c2e7a9f30
Create Date: 2026-11-25 13:40:00.000000+00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "8c4e1f0a2b67"
down_revision: str | Sequence[str] | None = "5d1c2e7a9f30"
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
_FINDINGS_FK = "fk_findings_list_entry_id_list_entries"
_VERSION_FK = "fk_list_entries_version_id_list_versions"


def _rebuild(*, partitioned: bool) -> None:
    """Move every row of ``list_entries`` into a new table of the same columns, partitioned or plain."""
    op.execute("ALTER TABLE list_entries RENAME TO list_entries_old")
    for name in _INDEXES:
        op.execute(f"DROP INDEX {name}")
    op.execute("ALTER TABLE list_entries_old DROP CONSTRAINT pk_list_entries")
    op.execute(f"ALTER TABLE list_entries_old DROP CONSTRAINT IF EXISTS {_VERSION_FK}")
    op.execute("ALTER SEQUENCE list_entries_id_seq OWNED BY NONE")
    partition_by = " PARTITION BY LIST (version_id)" if partitioned else ""
    op.execute(f"CREATE TABLE list_entries (LIKE list_entries_old INCLUDING DEFAULTS){partition_by}")
    key = "id, version_id" if partitioned else "id"
    op.execute(f"ALTER TABLE list_entries ADD CONSTRAINT pk_list_entries PRIMARY KEY ({key})")
    for name, columns in _INDEXES.items():
        op.create_index(name, "list_entries", list(columns))
    op.execute("ALTER SEQUENCE list_entries_id_seq OWNED BY list_entries.id")
    if partitioned:
        versions = op.get_bind().execute(sa.text("SELECT DISTINCT version_id FROM list_entries_old"))
        for (version_id,) in versions.all():
            op.execute(
                f"CREATE TABLE list_entries_v{int(version_id)} PARTITION OF list_entries "
                f"FOR VALUES IN ({int(version_id)})"
            )
    op.execute("INSERT INTO list_entries SELECT * FROM list_entries_old")
    op.execute("DROP TABLE list_entries_old")  # with its partitions, on the way down


def upgrade() -> None:
    with op.batch_alter_table("findings", schema=None) as batch_op:
        batch_op.drop_constraint(_FINDINGS_FK, type_="foreignkey")
    if op.get_bind().dialect.name == "postgresql":
        _rebuild(partitioned=True)
    else:
        with op.batch_alter_table("list_entries", schema=None) as batch_op:
            batch_op.drop_constraint(_VERSION_FK, type_="foreignkey")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _rebuild(partitioned=False)
    with op.batch_alter_table("list_entries", schema=None) as batch_op:
        batch_op.create_foreign_key(_VERSION_FK, "list_versions", ["version_id"], ["id"])
    with op.batch_alter_table("findings", schema=None) as batch_op:
        batch_op.create_foreign_key(_FINDINGS_FK, "list_entries", ["list_entry_id"], ["id"])
