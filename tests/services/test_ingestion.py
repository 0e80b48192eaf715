"""Storing versions: keys identical to matching's, atomic activation, the activation hook, kill -9 safety."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import inspect
from sqlmodel import Session, col, func, select

from app import db
from app.ingest import csv_reader, entries
from app.ingest.headers import SourceRow
from app.ingest.limits import DEFAULT_LIMITS
from app.ingest.table import open_table
from app.models import Job, ListEntry, ListVersion, WatchList
from app.services import ingestion, jobs, lists
from app.services.principals import Principal
from app.worker import Worker
from tests.ingest.reference import Record, RowValidator

STEWARD = Principal(kind="key", id=1, name="test", role="steward")


def nik(i: int, district: str = "327105") -> str:
    """A distinct, well-formed NIK for each ``i``."""
    day, month = 1 + i % 28, 1 + (i // 28) % 12
    year, serial = 60 + (i // 336) % 40, 1 + i // 13_440
    return f"{district}{day:02d}{month:02d}{year:02d}{serial:04d}"


def write_list(path: Path, rows: int, *, start: int = 0) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["NIK", "Nama", "Tanggal Lahir", "Kabupaten/Kota"])
        for i in range(start, start + rows):
            writer.writerow([nik(i), f"Warga Nomor {i}", "", ""])
        writer.writerow(["", "Tanpa NIK", "17-08-1985", "3273"])  # found by birth date + regency
    return path


def store_supporter_list(session: Session, path: Path) -> lists.ListUpload:
    """Store ``path`` as a new supporter list, inline."""
    return lists.create_list(
        session,
        STEWARD,
        list_type="supporter",
        owner="Calon",
        election="Pilkada",
        region=None,
        upload=ingestion.describe_file(path),
        inline=True,
        keep_file=True,
    )


def records(path: Path, kind: str) -> Iterator[Record]:
    """The accepted rows of a CSV as the row-by-row reference decides them (``csv`` module, no Polars)."""
    with open_table(path, kind=kind) as table:  # type: ignore[arg-type]
        columns, delimiter, encoding = table.columns, table.delimiter, table.encoding
    with path.open(encoding=encoding, newline="") as handle:
        reader = csv.reader(handle, delimiter=delimiter or ",")
        rows, previous = [], 0
        for cells in reader:
            rows.append(SourceRow(previous + 1, tuple(cells)))
            previous = reader.line_num
    validator = RowValidator(columns, kind)  # type: ignore[arg-type]
    for outcome in validator.run(row for row in rows if row.line > columns.header_line):
        if isinstance(outcome, Record):
            yield outcome


def stored_frame(path: Path, kind: str) -> list[dict[str, object]]:
    """What :func:`app.ingest.entries.read_file` gives the entry table for ``path``, row by row."""
    rows: list[dict[str, object]] = []
    for item in entries.read_file(kind, 1, path, None, DEFAULT_LIMITS, False):  # type: ignore[arg-type]
        if isinstance(item, entries.Batch):
            rows += item.entries.to_dicts()
    return rows


def reference_entry_row(source: str, version_id: int, record: Record) -> tuple[object, ...]:
    """A stored row as the row-by-row reference computes it: ``nik`` holds the digits of a usable NIK."""
    info = record.nik_info
    raw = info.raw if info is not None else ""
    truncated = info is not None and info.possibly_truncated
    usable = info.digits if info is not None and info.usable else None
    regency = entries.regency_code(record.regency)
    common = (
        version_id, record.line, usable, raw[:64], record.name[:255], record.birth_date, record.gender,
        regency, ",".join(sorted(record.flags))[:200], truncated,
    )  # fmt: skip
    if source == "list":
        return (*common, record.address, record.kta, record.occupation)
    return (*common, record.nip, record.unit)


def test_stored_rows_are_the_reference_rows(tmp_path: Path) -> None:
    listed = tmp_path / "l.csv"
    listed.write_text(
        "NIK;Nama;Tanggal Lahir;Kab/Kota\n"
        "3271055203850001;Siti Aminah;;\n"
        "3271059999990004;Tanggal Mustahil;;\n"
        "2222222222222222;Placeholder;12-03-1985;3271\n"
        ";Tanpa NIK;12-03-1985;32.71\n"
        "3271056203850002;Perempuan Lain;;Kota Bandung\n",
        encoding="utf-8",
    )
    expected = [reference_entry_row("list", 1, r) for r in records(listed, "list")]
    assert [tuple(row.values()) for row in stored_frame(listed, "list")] == expected
    roster = tmp_path / "r.csv"
    roster.write_text(
        "NIK,NIP,Nama\n"
        "3271055203850001,198503122010012001,Siti Aminah\n"
        ",198503122010011002,Budi\n"
        "3271051203850010,,Nol Di Akhir\n"
        "3271056203010003,,Lahir 2001\n"
        "9999056203850003,,Wilayah Asing\n",
        encoding="utf-8",
    )
    expected = [reference_entry_row("roster", 1, r) for r in records(roster, "roster")]
    assert [tuple(row.values()) for row in stored_frame(roster, "roster")] == expected


def test_a_regency_given_by_name_is_stored_as_its_code(session: Session, tmp_path: Path) -> None:
    listed = tmp_path / "pendukung.csv"
    listed.write_text(
        "NIK,Nama,Tanggal Lahir,Kab/Kota\n"
        ",Tanpa NIK Kota,12-03-1985,KOTA BANDUNG\n"
        ",Tanpa NIK Kabupaten,12-03-1985,Kab. Bandung\n"
        ",Nama Ambigu,12-03-1985,Bandung\n",
        encoding="utf-8",
    )
    result = store_supporter_list(session, listed)
    stored = session.exec(
        select(ListEntry.regency)
        .where(col(ListEntry.version_id) == result.version.id)
        .order_by(col(ListEntry.line))
    ).all()
    # The same codes, and so the same name+birth date+regency candidates, as `netra match` uses.
    assert list(stored) == ["3273", "3204", None]


def test_activation_hook_runs_in_the_activating_transaction(session: Session, tmp_path: Path) -> None:
    seen: list[tuple[int, int, str | None]] = []

    def hook(hook_session: Session, list_id: int, version_id: int) -> None:
        watch_list = hook_session.get(WatchList, list_id)
        assert watch_list is not None
        version = hook_session.get(ListVersion, version_id)
        seen.append((list_id, version_id, version.status if version else None))
        assert watch_list.active_version_id == version_id

    ingestion.on_list_version_activated(hook)
    try:
        result = store_supporter_list(session, write_list(tmp_path / "a.csv", 5))
    finally:
        ingestion.remove_activation_hook(hook)
    assert seen == [(result.view.watch_list.id, result.version.id, "active")]


def test_failing_hook_fails_the_version_and_keeps_the_previous_one(session: Session, tmp_path: Path) -> None:
    first = store_supporter_list(session, write_list(tmp_path / "a.csv", 5))
    list_id = first.view.watch_list.id
    assert list_id is not None

    def broken(hook_session: Session, list_id: int, version_id: int) -> None:
        raise ingestion.IngestFailed("screening could not be scheduled")

    ingestion.on_list_version_activated(broken)
    try:
        with pytest.raises(ingestion.IngestFailed):
            lists.add_version(
                session,
                STEWARD,
                list_id,
                ingestion.describe_file(write_list(tmp_path / "b.csv", 7, start=100)),
                inline=True,
                keep_file=True,
            )
    finally:
        ingestion.remove_activation_hook(broken)
    view = lists.get_list(session, STEWARD, list_id)
    assert [(v.version, v.status) for v in view.versions] == [(2, "failed"), (1, "active")]
    assert view.watch_list.active_version_id == first.version.id
    failed_entries = session.exec(
        select(func.count()).where(col(ListEntry.version_id) == view.versions[0].id)
    ).one()
    assert failed_entries == 0


KILL_SCRIPT = textwrap.dedent(
    """
    import sys
    from app import db
    from app.services import ingestion, lists
    from app.services.principals import Principal

    url, list_id, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    def report(rows):
        print(rows, flush=True)
    ingestion.PROGRESS_SECONDS = 0.0
    with db.new_session(url) as session:
        lists.add_version(
            session, Principal("key", 1, "killed", "steward"), list_id,
            ingestion.describe_file(ingestion.Path(path)), inline=True, keep_file=True, on_progress=report,
        )
    print("finished", flush=True)
    """
)


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_killed_ingestion_leaves_the_previous_version_active(fresh_database_url: str, tmp_path: Path) -> None:
    engine = db.create_engine(fresh_database_url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            first = lists.create_list(
                session,
                STEWARD,
                list_type="party_member",
                owner="Partai",
                election="Pemilu",
                region=None,
                upload=ingestion.describe_file(write_list(tmp_path / "v1.csv", 50)),
                inline=True,
                keep_file=True,
            )
        list_id, first_version = first.view.watch_list.id, first.version.id
        big = write_list(tmp_path / "v2.csv", 150_000, start=1_000)

        env = {**os.environ, "NETRA_DATABASE_URL": fresh_database_url}
        child = subprocess.Popen(
            [sys.executable, "-c", KILL_SCRIPT, fresh_database_url, str(list_id), str(big)],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        assert child.stdout is not None
        for line in child.stdout:  # wait until the child is well into the file, then kill it hard
            if line.strip().isdigit() and int(line) >= 30_000:
                break
            assert line.strip() != "finished", "the ingestion ended before it could be killed"
        with Session(engine) as session:  # while the child beats, its version is processing, not interrupted
            beating = lists.get_list(session, STEWARD, list_id)
            assert beating.latest is not None
            assert beating.latest.status == "processing"
            assert beating.interruption is None
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        child.stdout.close()

        with Session(engine) as session:
            watch_list = session.get(WatchList, list_id)
            assert watch_list is not None
            assert watch_list.active_version_id == first_version
            versions = session.exec(select(ListVersion).where(ListVersion.list_id == list_id)).all()
            by_number = {v.version: v for v in versions}
            assert by_number[1].status == "active"
            partial = by_number[2]
            partial_id = partial.id
            assert partial.status == "processing"
            assert (
                session.exec(select(func.count()).where(col(ListEntry.version_id) == partial.id)).one() == 0
            )
            assert (
                session.exec(select(func.count()).where(col(ListEntry.version_id) == first_version)).one()
                == 51
            )

            # A minute of missed beats later the page says so, and when another worker takes over.
            job = session.exec(
                select(Job).where(Job.target_id == partial.id, Job.kind == "ingest_list")
            ).one()
            assert job.status == "running"
            assert job.alive_until is not None
            assert job.lease_until is not None
            lease_until = job.lease_until
            job.alive_until -= jobs.alive_window(jobs.DEFAULT_LEASE) + timedelta(seconds=1)
            session.add(job)
            session.commit()
            stalled = lists.get_list(session, STEWARD, list_id)
            assert stalled.interruption is not None
            assert stalled.interruption.resumes_by == lease_until
            assert stalled.active is not None
            assert stalled.active.id == first_version
            assert stalled.active.accepted == 51

            # Once the dead process's lease runs out, any worker stores the version from the kept file.
            job.lease_until = lease_until - timedelta(hours=1)
            session.add(job)
            session.commit()
        assert Worker(engine, kinds=["ingest_list"]).drain() == 1
        with Session(engine) as session:
            watch_list = session.get(WatchList, list_id)
            assert watch_list is not None
            assert watch_list.active_version_id == partial_id
            stored = session.exec(select(func.count()).where(col(ListEntry.version_id) == partial_id)).one()
            assert stored == 150_001
            assert session.get(ListVersion, first_version).status == "superseded"  # type: ignore[union-attr]
            assert lists.get_list(session, STEWARD, list_id).interruption is None
    finally:
        engine.dispose()


def test_bulk_store_equals_row_by_row_rows_and_keeps_indexes(
    session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Chunked, bulk-decided storage gives the rows the per-row path gives; a big load into a small table
    drops and recreates the SQLite indexes inside the version's transaction."""

    monkeypatch.setattr(ingestion, "REBUILD_MIN_ROWS", 1)
    path = tmp_path / "mixed.csv"
    path.write_text(
        "NIK;Nama;Jenis Kelamin;Alamat;Kab/Kota;Tanggal Lahir\n"
        "3271055203850001;Siti Aminah;P;Jl. Melati 5;3271;\n"
        "'3171010101900002;Budi;L;Jl.\\Mawar\t2;;\n"
        "3271055203850001;Siti Lagi;P;;;\n"
        "9999055203850003;Wilayah Asing;L;;;\n"
        ";Tanpa NIK;;;32.71;17-08-1985\n"
        "2222222222222222;Placeholder;;;;12-03-1985\n"
        "3515014506000003;  Dewi  ;x;;;\n",
        encoding="utf-8",
    )
    result = store_supporter_list(session, path)
    version_id = result.version.id
    assert version_id is not None
    # Read back through SQLAlchemy's types, dates are dates on both databases.
    expected = [reference_entry_row("list", version_id, r) for r in records(path, "list")]
    stored = session.execute(
        select(*(getattr(ListEntry, c) for c in entries.LIST_COLUMNS))
        .where(col(ListEntry.version_id) == version_id)
        .order_by(col(ListEntry.line))
    ).all()
    assert [tuple(row) for row in stored] == expected
    assert result.version.rejected == 1
    indexes = {index["name"] for index in inspect(session.connection()).get_indexes("list_entries")}
    assert {"ix_list_entries_nik_version", "ix_list_entries_version_id"} <= indexes


def test_rejections_written_between_entry_batches_lose_nothing(
    session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Writing a batch of rejections ends the entries' open COPY on PostgreSQL; the next chunk opens one."""
    monkeypatch.setattr(ingestion, "REJECTIONS_BATCH", 2)
    monkeypatch.setattr(csv_reader, "BLOCK_BYTES", 64)
    path = tmp_path / "gappy.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["NIK", "Nama"])
        for i in range(30):
            writer.writerow([nik(i) if i % 3 else "12345", f"Warga Nomor {i}"])
    result = store_supporter_list(session, path)
    assert (result.version.status, result.version.accepted, result.version.rejected) == ("active", 20, 10)
    stored = session.exec(
        select(col(ListEntry.line))
        .where(col(ListEntry.version_id) == result.version.id)
        .order_by(col(ListEntry.id))
    ).all()
    assert stored == [i + 2 for i in range(30) if i % 3]
    rejected = [r.line for r in ingestion.iter_rejections(session, "list", result.version.id)]  # type: ignore[arg-type]
    assert rejected == [i + 2 for i in range(30) if not i % 3]


def test_read_ahead_yields_everything_in_order_and_raises_the_readers_error() -> None:
    assert list(ingestion.read_ahead(iter(range(50)))) == list(range(50))

    def failing() -> Iterator[int]:
        yield 1
        raise ValueError("bad row")

    got: list[int] = []
    with pytest.raises(ValueError, match="bad row"):
        got.extend(ingestion.read_ahead(failing()))
    assert got == [1]


def test_read_ahead_closed_early_stops_and_closes_the_reader() -> None:
    closed: list[bool] = []

    def endless() -> Iterator[int]:
        try:
            n = 0
            while True:
                yield n
                n += 1
        finally:
            closed.append(True)

    reader = ingestion.read_ahead(endless())
    assert [next(reader), next(reader)] == [0, 1]
    reader.close()
    assert closed == [True]


def test_postgresql_keeps_list_entries_in_one_table(session: Session, tmp_path: Path) -> None:
    """A partition per version made every look-up across the active lists cost a probe per list (45 ms a
    self-check against 200 lists): the entries of every version share one table and its indexes."""
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("partitioning is PostgreSQL's")
    first = store_supporter_list(session, write_list(tmp_path / "v1.csv", 30))
    lists.add_version(
        session,
        STEWARD,
        first.view.watch_list.id,  # type: ignore[arg-type]
        upload=ingestion.describe_file(write_list(tmp_path / "v2.csv", 40, start=30)),
        inline=True,
        keep_file=True,
    )
    connection = session.connection()
    kind = connection.exec_driver_sql("SELECT relkind FROM pg_class WHERE relname = 'list_entries'").scalar()
    children = connection.exec_driver_sql(
        "SELECT count(*) FROM pg_inherits WHERE inhparent = 'list_entries'::regclass"
    ).scalar()
    assert (kind, children) == ("r", 0)


def _copy_value(value: object) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    text = str(value)
    for char, escaped in (("\\", "\\\\"), ("\t", "\\t"), ("\n", "\\n"), ("\r", "\\r")):
        text = text.replace(char, escaped)
    return text


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.none() | st.text(), st.none() | st.integers(), st.none() | st.booleans(), st.none()),
        min_size=1,
        max_size=12,
    )
)
def test_copy_text_escapes_every_value_as_postgresql_reads_it(rows: list[tuple[object, ...]]) -> None:
    expected = "".join("\t".join(map(_copy_value, row)) + "\n" for row in rows)
    assert ingestion.copy_text(rows) == expected


def test_sqlite_load_gives_the_connection_its_settings_back(
    session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A load enlarges the page cache and, when it rebuilds the indexes, lets SQLite sort with threads."""
    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("the page cache is SQLite's")
    monkeypatch.setattr(ingestion, "REBUILD_MIN_ROWS", 10)  # so that this small load rebuilds the indexes
    settings = ("cache_size", "threads")

    def current() -> list[object]:
        return [session.connection().exec_driver_sql(f"PRAGMA {name}").scalar() for name in settings]

    before = current()
    store_supporter_list(session, write_list(tmp_path / "v1.csv", 30))
    assert current() == before
    indexes = {index["name"] for index in inspect(session.connection()).get_indexes("list_entries")}
    assert {str(index.name) for index in ListEntry.__table__.indexes} <= indexes  # type: ignore[attr-defined]


def test_a_version_with_no_accepted_row_fails_and_the_previous_one_stays(
    session: Session, tmp_path: Path
) -> None:
    first = store_supporter_list(session, write_list(tmp_path / "a.csv", 5))
    broken = tmp_path / "b.csv"
    broken.write_text("NIK,Nama\n3.27E+15,Siti\n3.27E+15,Budi\n", encoding="utf-8")
    list_id = first.view.watch_list.id
    assert list_id is not None
    with pytest.raises(ingestion.IngestFailed, match="No row of the file was accepted") as refused:
        lists.add_version(
            session, STEWARD, list_id, ingestion.describe_file(broken), inline=True, keep_file=True
        )
    assert refused.value.extra["rejected"] == 2
    assert refused.value.extra["code"] == "nothing_accepted"
    session.expire_all()
    watch_list = session.get(WatchList, list_id)
    assert watch_list is not None
    assert watch_list.active_version_id == first.version.id
    versions = session.exec(
        select(ListVersion).where(col(ListVersion.list_id) == list_id).order_by(col(ListVersion.version))
    ).all()
    assert [(v.status, v.accepted, v.rejected) for v in versions] == [("active", 6, 0), ("failed", 0, 2)]
    # The rejected rows stay readable: they say why.
    assert len(list(ingestion.iter_rejections(session, "list", versions[1].id or 0))) == 2


def test_an_inline_upload_is_never_taken_by_a_polling_worker(
    fresh_database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The embedded worker polls between the upload's commit and its processing: it must find nothing."""
    engine = db.create_engine(fresh_database_url)
    polled: list[bool] = []
    run_now = ingestion.run_now

    def worker_polls_first(bind: Any, job: Job, **kwargs: Any) -> ingestion.Outcome:
        polled.append(Worker(engine, kinds=["ingest_list"]).run_once())
        return run_now(bind, job, **kwargs)

    monkeypatch.setattr(ingestion, "run_now", worker_polls_first)
    try:
        with db.session_on(engine, writes=True) as session:
            result = store_supporter_list(session, write_list(tmp_path / "a.csv", 5))
        assert polled == [False]
        assert (result.version.status, result.version.accepted) == ("active", 6)
    finally:
        engine.dispose()
