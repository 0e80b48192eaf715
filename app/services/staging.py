"""PostgreSQL: a big load's rows are copied into a bare staging table, then swapped or merged in.

Every row ``COPY``-ed into an indexed table updates each of its B-trees at a random place. Measured on a
2M-row list (eight B-trees on ``list_entries``): 28 s of index upkeep on the server, against 2 s for the
bare rows and 6 s to build the same eight indexes afterwards by sorting. So a file that may hold as many
rows as the table (``ingestion._BulkWriter`` decides from its size, before the first row) is copied into
a staging table without indexes, and when it is done:

- if the table holds more rows than the load after all, the staged rows are appended with one
  ``INSERT … SELECT``;
- otherwise (the load is at least as large as what the table holds) the table's rows are copied next to
  the staged ones, the indexes and constraints built by sorting, and the staging table renamed into place.
  This is SQLite's drop-and-rebuild (``ingestion._BulkWriter``) without its price on PostgreSQL: dropping
  an index there would lock readers out for the whole load, whereas here they keep reading the old table
  until the rename, a moment before the commit. A table that another table's foreign key points at
  (``roster_entries``, from findings) cannot be dropped, so it is always appended to.

All of it happens in the version's transaction, so a rollback or a killed process leaves nothing behind. A
``SHARE ROW EXCLUSIVE`` lock keeps other writers out while the rows are copied (readers read on), so no
concurrent change can be lost by the swap. Every lock the swap takes comes with a short timeout: when
another load is writing or drawing ids meanwhile, the swap rolls back to its savepoint and appends instead,
rather than wait for it and risk a deadlock. A load reads nothing from the table before it writes (its size
comes from ``pg_class.reltuples``). The swap is not MVCC-safe for a ``REPEATABLE READ`` transaction that
started before it (the new table's rows are newer than its snapshot), as with ``TRUNCATE``; Netra reads at
``READ COMMITTED``.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any

import psycopg

SWAP_MAINTENANCE_WORK_MEM = "256MB"
WRITERS_WAIT_SECONDS = 0.5
"""How long the swap waits for any lock another transaction holds (another load writing or drawing ids)
before it gives up and appends. Below PostgreSQL's default ``deadlock_timeout`` (1 s), so that a swap and
another load waiting on each other never make PostgreSQL abort either."""
READERS_WAIT_SECONDS = 0.2
READERS_RETRY_SECONDS = 0.5
READERS_ATTEMPTS = 20
"""The ``DROP`` waits for readers (a check run reads for seconds) a short try at a time, since a waiting
exclusive lock holds up every new look-up behind it; after 20 tries (about 14 s) the swap gives up."""


@dataclass(frozen=True)
class _Rebuild:
    """How to give the staging table the real table's indexes, constraints and sequences."""

    indexes: list[tuple[str, str, bool]]  # (real name, definition after "USING", unique)
    constraints: list[tuple[str, str, bool]]  # (real name, definition, backed by an index)
    sequences: list[tuple[str, str]]  # (sequence, column)


def create(cursor: Any, table: str) -> str:
    """Create an empty staging table shaped like ``table``: same columns in the same order, types,
    collations, defaults (the same sequence), ``NOT NULL`` and checks; no indexes, no keys. Returns its name.

    Built from the catalog rather than ``CREATE TABLE … (LIKE table)``, which would hold a lock on ``table``
    until this load commits: a swap's ``DROP TABLE`` waiting for that lock while this load waited for the
    swap is a deadlock PostgreSQL detects at once.
    """
    staging = f"{table}_load_{secrets.token_hex(4)}"
    columns = cursor.execute(
        "SELECT quote_ident(a.attname), format_type(a.atttypid, a.atttypmod), "
        "CASE WHEN a.attcollation <> t.typcollation THEN quote_ident(c.collname) END, "
        "pg_get_expr(d.adbin, d.adrelid), a.attnotnull "
        "FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
        "LEFT JOIN pg_collation c ON c.oid = a.attcollation "
        "LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
        "WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
        (table,),
    ).fetchall()
    checks = cursor.execute(
        "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'c'",
        (table,),
    ).fetchall()
    definitions = [
        " ".join(
            part
            for part in (
                name,
                kind,
                f"COLLATE {collation}" if collation else "",
                f"DEFAULT {default}" if default is not None else "",
                "NOT NULL" if not_null else "",
            )
            if part
        )
        for name, kind, collation, default, not_null in columns
    ]
    definitions += [definition for (definition,) in checks]
    cursor.execute(f"CREATE TABLE {staging} ({', '.join(definitions)})")
    return staging


def merge(cursor: Any, table: str, staging: str, *, load_rows: int, min_rows: int) -> bool:
    """Move the ``load_rows`` staged rows into ``table``; True if the table was rebuilt around them."""
    swapped = False
    if not _referenced(cursor, table):
        # Every lock the swap needs comes within a short timeout: a swap that would wait for another
        # load gives up before PostgreSQL's deadlock_timeout (1 s) could abort either, and appends.
        cursor.execute("SAVEPOINT netra_swap")
        previous = _set_lock_timeout(cursor, f"{int(WRITERS_WAIT_SECONDS * 1000)}ms")
        try:
            swapped = _swap(cursor, table, staging, load_rows=load_rows, min_rows=min_rows)
        except (psycopg.errors.LockNotAvailable, psycopg.errors.DeadlockDetected):
            swapped = False  # a deadlock, should another process's locks form one anyway: this one yields
        if swapped:
            cursor.execute("RELEASE SAVEPOINT netra_swap")
        else:  # also lets go of the locks the attempt took
            cursor.execute("ROLLBACK TO SAVEPOINT netra_swap")
        _set_lock_timeout(cursor, previous)
    if not swapped:
        cursor.execute(f"INSERT INTO {table} SELECT * FROM {staging}")
        cursor.execute(f"DROP TABLE {staging}")
    return swapped


def _swap(cursor: Any, table: str, staging: str, *, load_rows: int, min_rows: int) -> bool:
    cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
    held = cursor.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    if load_rows < max(int(held), min_rows):
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
    for name, using, unique in rebuild.indexes:
        temporary = f"{staging}_i{len(renames)}"
        cursor.execute(f"CREATE {'UNIQUE ' if unique else ''}INDEX {temporary} ON {staging} USING {using}")
        renames.append(f"ALTER INDEX {temporary} RENAME TO {name}")
    for sequence, column in rebuild.sequences:
        # Waits for no load still drawing ids from it (nextval holds a lock till commit): within the timeout.
        cursor.execute(f"ALTER SEQUENCE {sequence} OWNED BY {staging}.{column}")
    cursor.execute(f"ANALYZE {staging}")
    _lock_when_readers_allow(cursor, table)
    cursor.execute(f"DROP TABLE {table}")
    cursor.execute(f"ALTER TABLE {staging} RENAME TO {table}")
    for statement in renames:
        cursor.execute(statement)
    return True


def _lock_when_readers_allow(cursor: Any, table: str) -> None:
    """Take the exclusive lock the ``DROP`` needs, a short try at a time; raise ``LockNotAvailable`` after
    ``READERS_ATTEMPTS`` tries. A waiting exclusive lock queues every new reader behind it."""
    previous = _set_lock_timeout(cursor, f"{int(READERS_WAIT_SECONDS * 1000)}ms")
    for attempt in range(READERS_ATTEMPTS):
        cursor.execute("SAVEPOINT netra_readers")
        try:
            cursor.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
        except psycopg.errors.LockNotAvailable:
            cursor.execute("ROLLBACK TO SAVEPOINT netra_readers")
            if attempt + 1 == READERS_ATTEMPTS:
                raise
            time.sleep(READERS_RETRY_SECONDS)
            continue
        cursor.execute("RELEASE SAVEPOINT netra_readers")
        _set_lock_timeout(cursor, previous)
        return


def _set_lock_timeout(cursor: Any, value: str) -> str:
    """Set ``lock_timeout`` for the rest of the transaction (or savepoint); returns the previous value."""
    previous = str(cursor.execute("SELECT current_setting('lock_timeout')").fetchone()[0])
    cursor.execute("SELECT set_config('lock_timeout', %s, true)", (value,))
    return previous


def _referenced(cursor: Any, table: str) -> bool:
    """Whether another table's foreign key points at ``table`` (then it cannot be swapped)."""
    found = cursor.execute(
        "SELECT 1 FROM pg_constraint WHERE confrelid = %s::regclass AND conrelid <> confrelid LIMIT 1",
        (table,),
    ).fetchone()
    return found is not None


def _rebuild_of(cursor: Any, table: str) -> _Rebuild:
    constraints = cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid), contype IN ('p', 'u', 'x'), conindid FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype IN ('p', 'u', 'f', 'x') ORDER BY contype DESC, conname",
        (table,),
    ).fetchall()
    backing = [index for _, _, indexed, index in constraints if indexed]  # built with their constraints
    indexes = cursor.execute(
        "SELECT i.relname, pg_get_indexdef(i.oid), x.indisunique FROM pg_index x "
        "JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = %s::regclass "
        "AND NOT (x.indexrelid = ANY(%s)) ORDER BY i.relname",
        (table, backing),
    ).fetchall()
    sequences = cursor.execute(
        "SELECT pg_get_serial_sequence(%s, attname), attname FROM pg_attribute "
        "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped "
        "AND pg_get_serial_sequence(%s, attname) IS NOT NULL",
        (table, table, table),
    ).fetchall()
    return _Rebuild(
        indexes=[(name, definition.split(" USING ", 1)[1], unique) for name, definition, unique in indexes],
        constraints=[(name, definition, bool(indexed)) for name, definition, indexed, _ in constraints],
        sequences=[(sequence, column) for sequence, column in sequences],
    )
