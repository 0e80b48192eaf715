"""PostgreSQL loads through a staging table: appended when small, swapped in (indexes built by sorting) when
at least as large as the table. Either way the table keeps its exact schema and every row."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import Connection, Engine, make_url
from sqlmodel import Session, col, func, select

from app import db
from app.ingest import csv_reader, entries
from app.models import Agency, ListEntry, RosterEntry
from app.services import ingestion, rosters, staging
from app.services.principals import Principal
from tests.services.test_ingestion import store_supporter_list, write_list


@pytest.fixture(autouse=True)
def _postgresql_only(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("the staging table is PostgreSQL's")


def schema_of(connection: Connection, table: str) -> dict[str, Any]:
    """Everything a swap must keep: indexes, constraints, the id sequence, column collations."""

    def rows(sql: str) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in connection.exec_driver_sql(sql, (table,)).all()]

    return {
        "indexes": rows("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s ORDER BY 1"),
        "constraints": rows(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass ORDER BY 1"
        ),
        "sequence": rows("SELECT pg_get_serial_sequence(%s, 'id')"),
        "columns": rows(
            "SELECT column_name, data_type, is_nullable, collation_name, column_default "
            "FROM information_schema.columns WHERE table_name = %s ORDER BY ordinal_position"
        ),
    }


def table_oid(connection: Connection, table: str) -> int:
    return int(connection.exec_driver_sql("SELECT %s::regclass::oid", (table,)).scalar_one())


def leftover_staging_tables(connection: Connection) -> list[str]:
    return list(
        connection.exec_driver_sql(
            "SELECT relname FROM pg_class WHERE relname LIKE %s", ("%\\_load\\_%",)
        ).scalars()
    )


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks of 4 rows: a load copies in several batches."""
    monkeypatch.setattr(csv_reader, "BLOCK_BYTES", 64)


@pytest.mark.usefixtures("small_chunks")
def test_a_big_load_swaps_in_a_table_with_the_same_schema_and_every_row(
    session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ingestion, "REBUILD_MIN_ROWS", 1)
    connection = session.connection()
    before, oid = schema_of(connection, "list_entries"), table_oid(connection, "list_entries")
    store_supporter_list(session, write_list(tmp_path / "a.csv", 5))
    second = store_supporter_list(session, write_list(tmp_path / "b.csv", 30, start=100))

    assert table_oid(connection, "list_entries") != oid  # rebuilt, not appended to
    assert schema_of(connection, "list_entries") == before
    assert session.exec(select(func.count()).select_from(ListEntry)).one() == 5 + 1 + 30 + 1
    stored = session.exec(select(func.count()).where(col(ListEntry.version_id) == second.version.id)).one()
    assert stored == 31
    assert leftover_staging_tables(connection) == []
    # The sequence still serves the table: the next row gets an id no row has.
    ids = session.exec(select(ListEntry.id)).all()
    assert len(set(ids)) == len(ids)


def test_a_small_load_is_appended_to_the_table(
    session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ingestion, "REBUILD_MIN_ROWS", 1)
    connection = session.connection()
    store_supporter_list(session, write_list(tmp_path / "big.csv", 40))
    oid, before = table_oid(connection, "list_entries"), schema_of(connection, "list_entries")
    store_supporter_list(session, write_list(tmp_path / "small.csv", 5, start=100))

    assert table_oid(connection, "list_entries") == oid
    assert schema_of(connection, "list_entries") == before
    assert session.exec(select(func.count()).select_from(ListEntry)).one() == 41 + 6
    assert leftover_staging_tables(connection) == []


@pytest.mark.usefixtures("small_chunks")
def test_a_table_other_tables_point_at_is_appended_to_whatever_the_load(
    session: Session, agency: Agency, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ingestion, "REBUILD_MIN_ROWS", 1)
    connection = session.connection()
    before, oid = schema_of(connection, "roster_entries"), table_oid(connection, "roster_entries")
    # Findings point at roster entries: dropping the table would take their foreign key with it.
    rosters.create_roster(
        session,
        Principal("key", 1, "test", "admin"),
        name="Pegawai",
        upload=ingestion.describe_file(write_list(tmp_path / "roster.csv", 20)),
        inline=True,
        agency_code=agency.code,
        keep_file=True,
    )
    assert table_oid(connection, "roster_entries") == oid
    assert schema_of(connection, "roster_entries") == before
    assert leftover_staging_tables(connection) == []
    assert (
        session.exec(select(func.count()).select_from(RosterEntry)).one() == 20
    )  # the row without a NIK is rejected


def test_staged_rows_are_appended_when_the_table_grew_past_the_load(session: Session, tmp_path: Path) -> None:
    """Another load committed while this one was staging: the table is no longer the smaller one."""
    store_supporter_list(session, write_list(tmp_path / "other.csv", 20))
    connection = session.connection()
    oid = table_oid(connection, "list_entries")
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    name = staging.create(cursor, "list_entries")
    columns = ", ".join(entries.LIST_COLUMNS)  # not the id: staged rows draw their own
    cursor.execute(f"INSERT INTO {name} ({columns}) SELECT {columns} FROM list_entries LIMIT 3")
    before = session.exec(select(func.count()).select_from(ListEntry)).one()
    swapped = staging.merge(cursor, "list_entries", name, load_rows=3, min_rows=1)
    assert not swapped
    assert table_oid(connection, "list_entries") == oid
    assert session.exec(select(func.count()).select_from(ListEntry)).one() == before + 3
    assert leftover_staging_tables(connection) == []


def test_other_connections_prepared_lookups_follow_the_swapped_table(
    fresh_database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The self-check's query is a server-side prepared statement on a long-lived connection: after a swap
    is committed it reads the new table, not an error or the dropped one."""
    monkeypatch.setattr(ingestion, "REBUILD_MIN_ROWS", 1)
    url = make_url(fresh_database_url).set(drivername="postgresql")
    reader = psycopg.connect(url.render_as_string(hide_password=False), autocommit=True)
    query = "SELECT count(*) FROM list_entries WHERE nik = %s"
    try:
        first = write_list(tmp_path / "a.csv", 5)
        with db.new_session(fresh_database_url) as session:
            store_supporter_list(session, first)
        for _ in range(3):  # prepared from the first execution on
            assert reader.execute(query, ("3271050101600001",), prepare=True).fetchone() == (1,)
        oid = reader.execute("SELECT 'list_entries'::regclass::oid").fetchone()
        with db.new_session(fresh_database_url) as session:
            store_supporter_list(session, write_list(tmp_path / "b.csv", 30))
        assert reader.execute("SELECT 'list_entries'::regclass::oid").fetchone() != oid
        assert reader.execute(query, ("3271050101600001",), prepare=True).fetchone() == (2,)
    finally:
        reader.close()


def test_a_merge_appends_when_another_load_is_writing(
    session: Session, engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It cannot keep other writers out at once: rather than wait (or deadlock with a load waiting for
    it), it appends."""
    monkeypatch.setattr(ingestion, "REBUILD_MIN_ROWS", 1)
    monkeypatch.setattr(staging, "WRITERS_WAIT_SECONDS", 0.05)
    connection = session.connection()
    oid = table_oid(connection, "list_entries")
    with engine.connect() as writer, writer.begin():
        writer.exec_driver_sql("LOCK TABLE list_entries IN ROW EXCLUSIVE MODE")  # as an open COPY holds
        store_supporter_list(session, write_list(tmp_path / "big.csv", 30))
    assert table_oid(connection, "list_entries") == oid
    assert leftover_staging_tables(connection) == []


@pytest.fixture
def impatient_swap(monkeypatch: pytest.MonkeyPatch) -> None:
    """Small loads swap, and the swap tries for readers' locks in short steps."""
    monkeypatch.setattr(ingestion, "REBUILD_MIN_ROWS", 1)
    monkeypatch.setattr(staging, "READERS_WAIT_SECONDS", 0.05)
    monkeypatch.setattr(staging, "READERS_RETRY_SECONDS", 0.02)


@pytest.mark.usefixtures("impatient_swap")
def test_the_swap_waits_for_readers_a_short_try_at_a_time(
    session: Session, engine: Engine, tmp_path: Path
) -> None:
    reader = engine.connect()
    reader.begin()
    reader.exec_driver_sql("SELECT count(*) FROM list_entries")  # a check run reading
    leaves = threading.Timer(0.5, reader.close)  # ends its transaction
    leaves.start()
    oid = table_oid(session.connection(), "list_entries")
    store_supporter_list(session, write_list(tmp_path / "big.csv", 30))
    leaves.join()
    assert table_oid(session.connection(), "list_entries") != oid


@pytest.mark.usefixtures("impatient_swap")
def test_the_swap_gives_up_on_a_reader_that_stays_and_appends(
    session: Session, engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(staging, "READERS_ATTEMPTS", 2)
    connection = session.connection()
    oid = table_oid(connection, "list_entries")
    with engine.connect() as reader, reader.begin():
        reader.exec_driver_sql("SELECT count(*) FROM list_entries")
        result = store_supporter_list(session, write_list(tmp_path / "big.csv", 30))
    assert result.version.status == "active"
    assert table_oid(connection, "list_entries") == oid
    assert session.exec(select(func.count()).select_from(ListEntry)).one() == 31
    assert leftover_staging_tables(connection) == []
    assert connection.exec_driver_sql("SELECT current_setting('lock_timeout')").scalar() == "0"


def test_two_big_loads_at_once_both_succeed(
    fresh_database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two workers storing big lists into a small table at the same time: neither is lost to a deadlock."""
    monkeypatch.setattr(ingestion, "REBUILD_MIN_ROWS", 1)
    monkeypatch.setattr(csv_reader, "BLOCK_BYTES", 64)
    files = [write_list(tmp_path / f"{name}.csv", 60, start=start) for name, start in (("a", 0), ("b", 1000))]
    outcomes: list[object] = []

    def load(path: Path) -> None:
        try:
            with db.new_session(fresh_database_url) as own:
                outcomes.append(store_supporter_list(own, path).version.status)
        except Exception as exc:  # reported below
            outcomes.append(exc)

    workers = [threading.Thread(target=load, args=(path,)) for path in files]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert outcomes == ["active", "active"]
    with db.new_session(fresh_database_url) as session:
        assert session.exec(select(func.count()).select_from(ListEntry)).one() == 2 * 61
