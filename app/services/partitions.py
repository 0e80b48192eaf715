"""PostgreSQL keeps each list version's entries in a partition of ``list_entries`` of its own.

Why: loading two million rows into one table with seven indexes updates every index at random places, far
more pages than the server's buffers hold (measured: about three minutes). A version is instead copied into
a bare table, indexed once (a sort per index), and attached to ``list_entries``, all inside the version's
transaction: until the commit nobody sees the table, and a rollback or a killed process leaves nothing.
Attaching takes only a ``SHARE UPDATE EXCLUSIVE`` lock on ``list_entries``, so look-ups and check runs go
on meanwhile, and the ``CHECK`` constraint added before the copy spares the attach a scan of the rows.
``list_entries`` has no foreign keys (migration 8c4e1f0a2b67): attaching one would lock ``list_versions``
against every other upload's progress updates until this version commits.

SQLite has no partitions: :func:`ensure_partition` does nothing there, and ingestion calls the others on
PostgreSQL only (SQLite loads rebuild indexes instead, see ``app.services.ingestion``).
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Connection

from app.models import ListEntry

PARENT = "list_entries"
MAINTENANCE_WORK_MEM = "256MB"
"""Memory for each index sort while a version is indexed (PostgreSQL's default 64 MB spills to disk)."""


# Partitions (``list_entries_v7``) and their indexes (``ix_list_entries_k1_v7``), as named below.
_RUNTIME_NAME = re.compile(rf"(ix_)?{PARENT}(_\w+)?_v[0-9]+")


def include_name(name: str | None, type_: str, _parent_names: Any) -> bool:
    """For Alembic's comparison of models and database: partitions and their indexes are made at run time,
    not by migrations, so they are left out (``include_name`` hook)."""
    if name is None or type_ not in ("table", "index"):
        return True
    return not _RUNTIME_NAME.fullmatch(name)


def partitioned(connection: Connection) -> bool:
    return connection.dialect.name == "postgresql"


def partition_name(version_id: int) -> str:
    return f"{PARENT}_v{int(version_id)}"


def ensure_partition(connection: Connection, version_id: int) -> None:
    """A partition for ``version_id``, indexed as the parent is, for rows inserted one by one."""
    if partitioned(connection):
        connection.exec_driver_sql(
            f"CREATE TABLE IF NOT EXISTS {partition_name(version_id)} PARTITION OF {PARENT} "
            f"FOR VALUES IN ({int(version_id)})"
        )


def create_detached(connection: Connection, version_id: int) -> str:
    """A bare table shaped like ``list_entries`` to copy ``version_id``'s rows into; its name."""
    name = partition_name(version_id)
    connection.exec_driver_sql(f"CREATE TABLE {name} (LIKE {PARENT} INCLUDING DEFAULTS)")
    connection.exec_driver_sql(
        f"ALTER TABLE {name} ADD CONSTRAINT ck_{name}_version CHECK (version_id = {int(version_id)})"
    )
    return name


def attach(connection: Connection, version_id: int) -> None:
    """Index the table :func:`create_detached` made as the parent's indexes are, then attach it."""
    name = partition_name(version_id)
    connection.exec_driver_sql(f"SET LOCAL maintenance_work_mem = '{MAINTENANCE_WORK_MEM}'")
    connection.exec_driver_sql(f"ALTER TABLE {name} ADD CONSTRAINT pk_{name} PRIMARY KEY (id, version_id)")
    for index in sorted(ListEntry.__table__.indexes, key=lambda index: str(index.name)):  # type: ignore[attr-defined]
        columns = ", ".join(column.name for column in index.columns)
        connection.exec_driver_sql(f"CREATE INDEX {index.name}_v{int(version_id)} ON {name} ({columns})")
    connection.exec_driver_sql(
        f"ALTER TABLE {PARENT} ATTACH PARTITION {name} FOR VALUES IN ({int(version_id)})"
    )
    # Statistics now, not whenever autovacuum comes: the activation hook's check runs plan against them.
    connection.exec_driver_sql(f"ANALYZE {name}")
