"""PostgreSQL: a big load's rows are copied into a bare staging table, then swapped or merged in.

Every row ``COPY``-ed into an indexed table updates each of its B-trees at a random place. Measured on a
2M-row list (eight B-trees on ``list_entries``): 28 s of index upkeep on the server, against 2 s for the
bare rows and 6 s to build the same eight indexes afterwards by sorting. So once a load has written as
many rows as the table held, the rest goes into a staging table without indexes (created ``LIKE`` the
real one), and when it is done:

- if the table meanwhile grew past the load (other loads committed), the staged rows are appended with
  one ``INSERT … SELECT``;
- otherwise (the load is at least as large as what the table holds) the table's rows are copied next to
  the staged ones, the indexes and constraints built by sorting, and the staging table renamed into place.
  This is SQLite's drop-and-rebuild (``ingestion._BulkWriter``) without its price on PostgreSQL: dropping
  an index there would lock readers out for the whole load, whereas here they keep reading the old table
  until the rename, a moment before the commit. A table that another table's foreign key points at
  (``roster_entries``, from findings) cannot be dropped, so it is always appended to.

All of it happens in the version's transaction, so a rollback or a killed process leaves nothing behind. A
``SHARE ROW EXCLUSIVE`` lock, taken at the merge, serialises merges and keeps other writers out while the
rows are copied (readers are not blocked), so no concurrent change can be lost by the swap. The swap is
not MVCC-safe for a ``REPEATABLE READ`` transaction that started before it (the new table's rows are newer
than its snapshot), as with ``TRUNCATE``; Netra reads at ``READ COMMITTED``.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

SWAP_MAINTENANCE_WORK_MEM = "256MB"


@dataclass(frozen=True)
class _Rebuild:
    """How to give the staging table the real table's indexes, constraints and sequences."""

    indexes: list[tuple[str, str]]  # (real name, definition after "USING")
    unique: set[str]
    constraints: list[tuple[str, str, bool]]  # (real name, definition, backed by an index)
    sequences: list[tuple[str, str]]  # (sequence, column)


def create(cursor: Any, table: str) -> str:
    """Create an empty staging table shaped like ``table``: same columns, defaults (the same sequence),
    collations, ``NOT NULL`` and checks; no indexes, no keys. Returns its name."""
    staging = f"{table}_load_{secrets.token_hex(4)}"
    cursor.execute(f"CREATE TABLE {staging} (LIKE {table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
    return staging


def merge(cursor: Any, table: str, staging: str, *, load_rows: int, in_table: int, min_rows: int) -> bool:
    """Move the staged rows into ``table``; True if the table was rebuilt around them (see the module).

    ``load_rows`` is the whole load's count, ``in_table`` how many of them went straight into ``table``
    before the staging table took over (a load starts there, not knowing yet how large it will be).
    """
    cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
    held = cursor.execute(f"SELECT count(*) FROM {table}").fetchone()[0] - in_table
    if load_rows < max(int(held), min_rows) or _referenced(cursor, table):
        cursor.execute(f"INSERT INTO {table} SELECT * FROM {staging}")
        cursor.execute(f"DROP TABLE {staging}")
        return False
    rebuild = _rebuild_of(cursor, table)
    cursor.execute(f"INSERT INTO {staging} SELECT * FROM {table}")
    cursor.execute(f"SET LOCAL maintenance_work_mem = '{SWAP_MAINTENANCE_WORK_MEM}'")
    renames: list[str] = []
    for name, definition, indexed in rebuild.constraints:
        if indexed:  # the index takes the constraint's name, and index names are unique per schema
            temporary = f"{staging}_c{len(renames)}"
            cursor.execute(f"ALTER TABLE {staging} ADD CONSTRAINT {temporary} {definition}")
            renames.append(f"ALTER TABLE {table} RENAME CONSTRAINT {temporary} TO {name}")
        else:
            cursor.execute(f"ALTER TABLE {staging} ADD CONSTRAINT {name} {definition}")
    for name, using in rebuild.indexes:
        temporary = f"{staging}_i{len(renames)}"
        unique = "UNIQUE " if name in rebuild.unique else ""
        cursor.execute(f"CREATE {unique}INDEX {temporary} ON {staging} USING {using}")
        renames.append(f"ALTER INDEX {temporary} RENAME TO {name}")
    for sequence, column in rebuild.sequences:
        cursor.execute(f"ALTER SEQUENCE {sequence} OWNED BY {staging}.{column}")
    cursor.execute(f"ANALYZE {staging}")
    cursor.execute(f"DROP TABLE {table}")
    cursor.execute(f"ALTER TABLE {staging} RENAME TO {table}")
    for statement in renames:
        cursor.execute(statement)
    return True


def _referenced(cursor: Any, table: str) -> bool:
    """Whether another table's foreign key points at ``table`` (then it cannot be swapped)."""
    found = cursor.execute(
        "SELECT 1 FROM pg_constraint WHERE confrelid = %s::regclass AND conrelid <> confrelid LIMIT 1",
        (table,),
    ).fetchone()
    return found is not None


def _rebuild_of(cursor: Any, table: str) -> _Rebuild:
    constraints = cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid), contype IN ('p', 'u', 'x') FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype IN ('p', 'u', 'f', 'x') ORDER BY contype DESC, conname",
        (table,),
    ).fetchall()
    backing = cursor.execute(
        "SELECT conindid FROM pg_constraint WHERE conrelid = %s::regclass AND contype IN ('p', 'u', 'x')",
        (table,),
    ).fetchall()
    indexes = cursor.execute(
        "SELECT i.relname, pg_get_indexdef(i.oid), x.indisunique FROM pg_index x "
        "JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = %s::regclass "
        "AND NOT (x.indexrelid = ANY(%s)) ORDER BY i.relname",
        (table, [oid for (oid,) in backing]),
    ).fetchall()
    sequences = cursor.execute(
        "SELECT pg_get_serial_sequence(%s, attname), attname FROM pg_attribute "
        "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped "
        "AND pg_get_serial_sequence(%s, attname) IS NOT NULL",
        (table, table, table),
    ).fetchall()
    return _Rebuild(
        indexes=[(name, definition.split(" USING ", 1)[1]) for name, definition, _ in indexes],
        unique={name for name, _, unique in indexes if unique},
        constraints=[(name, definition, bool(indexed)) for name, definition, indexed in constraints],
        sequences=[(sequence, column) for sequence, column in sequences],
    )
