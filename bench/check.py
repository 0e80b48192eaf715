"""Benchmark: ``python -m bench.check [--roster N] [--list N] [--pg-url URL] [--skip-sqlite]``.

A check run of a 50,000-person roster against 2,000,000 stored list entries (four lists), on SQLite and on
PostgreSQL, executed by a real ``netra`` worker in its own process. Prints, per database: time from the run's
start to its completion, findings per second, the worker's peak memory, and whether the findings equal the
in-memory :class:`matching.ListIndex` on the same data, timed in the same process; then the latency of
``POST /api/v1/match`` with 1,000 people against the same 2M entries (median and p95 of 20 requests).

Targets (issue 5, not asserted anywhere): run under 30 s on PostgreSQL, /match median under 300 ms.

Loading the data (COPY on PostgreSQL, executemany on SQLite) is set-up, reported but not part of the run.
PostgreSQL: ``--pg-url`` names a server database used only to create and drop ``netra_bench_<pid>``
(default ``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``); skipped when unreachable.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session

from app import db
from app.models import Agency, CheckRun, ListVersion, Roster, RosterVersion, WatchList
from app.services import checks
from app.services.principals import Principal
from bench.match import background
from matching.blocking import BlockKeys, entry_keys, roster_keys
from matching.matcher import ListEntry, ListIndex, RosterPerson
from matching.nik import parse_nik
from matching.synthetic import generate

LIST_COLUMNS = (
    "version_id", "line", "nik", "nik_raw", "name", "birth_date", "gender", "regency", "flags",
    "numeric_cell", "nik_k1", "nik_k2", "nik_k3", "nik_k4", "nik15", "person_key",
)  # fmt: skip
ROSTER_COLUMNS = (
    "version_id", "line", "nik", "nik_raw", "name", "nip", "unit", "flags", "numeric_cell",
    "nik_k1", "nik_k2", "nik_k3", "nik_k4", "nik15", "person_key",
)  # fmt: skip
LISTS = (
    ("party_member", "Partai Satu"),
    ("party_member", "Partai Dua"),
    ("supporter", "Calon A"),
    ("supporter", "Calon B"),
)

# Peak memory from VmHWM: ru_maxrss would carry over the benchmark's own peak across fork + exec.
WORKER = """
import sys
from app.db import create_engine
from app.worker import Worker
worker = Worker(create_engine(sys.argv[1]), kinds=["check"], poll_interval=0.05)
ran = worker.drain()
hwm = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(ran, int(hwm.split()[1]) / 1024)
"""


def _stored_key(key: str | None) -> int | None:
    """A NIK block key as ``nik_k1``..``nik_k4`` store it: the number the key's digits spell."""
    return None if key is None else int(key)


def _keys(keys: BlockKeys) -> tuple[Any, ...]:
    nik_keys = (_stored_key(k) for k in (keys.nik_k1, keys.nik_k2, keys.nik_k3, keys.nik_k4))
    return *nik_keys, keys.nik15, keys.person_key


def list_rows(entries: list[ListEntry]) -> list[tuple[Any, ...]]:
    """Rows as ingestion stores them (version id 0 until known), keys from matching.blocking."""
    rows = []
    for line, e in enumerate(entries, start=2):
        nik = parse_nik(e.nik, numeric_cell=e.numeric_cell) if e.nik is not None else None
        rows.append(
            (
                0,
                line,
                nik.digits if nik is not None and nik.digits else None,
                e.nik or "",
                e.name,
                e.birth_date,
                e.gender,
                e.regency,
                "",
                e.numeric_cell,
                *_keys(entry_keys(e)),
            )
        )
    return rows


def roster_rows(people: list[RosterPerson]) -> list[tuple[Any, ...]]:
    rows = []
    for line, p in enumerate(people, start=2):
        nik = parse_nik(p.nik, numeric_cell=p.numeric_cell)
        rows.append(
            (0, line, nik.digits, p.nik, p.name, p.nip, "Dinas", "", p.numeric_cell, *_keys(roster_keys(p)))
        )
    return rows


def _version(model: type[ListVersion] | type[RosterVersion], parent: dict[str, Any], rows: int) -> Any:
    return model(
        **parent, status="active", file_name="bench.csv", file_sha256="0" * 64, uploaded_by="bench",
        rows_total=rows, rows_processed=rows, accepted=rows,
    )  # fmt: skip


def load(engine: Engine, roster: list[tuple[Any, ...]], lists: list[list[tuple[Any, ...]]]) -> dict[str, Any]:
    """Store the roster and the lists; returns ids (and the line -> entry id maps) for comparisons."""
    with Session(engine, expire_on_commit=False) as session:
        agency = Agency(code="BENCH", name="Bench")
        session.add(agency)
        session.flush()
        r = Roster(agency_id=agency.id or 0, name="Bench roster", created_by="bench")
        session.add(r)
        session.flush()
        rv = _version(RosterVersion, {"roster_id": r.id or 0}, len(roster))
        session.add(rv)
        versions = []
        for (list_type, owner), rows in zip(LISTS, lists, strict=True):
            wl = WatchList(list_type=list_type, owner=owner, election="Pemilu 2024", created_by="bench")
            session.add(wl)
            session.flush()
            lv = _version(ListVersion, {"list_id": wl.id or 0}, len(rows))
            session.add(lv)
            session.flush()
            wl.active_version_id = lv.id
            versions.append(lv.id)
        session.flush()
        r.active_version_id = rv.id
        session.commit()
        ids = {
            "agency_id": agency.id,
            "roster_id": r.id,
            "roster_version_id": rv.id,
            "list_versions": versions,
        }
    _bulk(engine, "roster_entries", ROSTER_COLUMNS, ids["roster_version_id"], roster)
    for version_id, rows in zip(versions, lists, strict=True):
        _bulk(engine, "list_entries", LIST_COLUMNS, version_id, rows)
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    return ids


def _bulk(
    engine: Engine, table: str, columns: tuple[str, ...], version_id: int, rows: list[tuple[Any, ...]]
) -> None:
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        if engine.dialect.name == "postgresql":
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row((version_id, *row[1:]))
        else:
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
            cursor.execute("BEGIN")
            batch = 50_000
            for start in range(0, len(rows), batch):
                cursor.executemany(
                    sql,
                    [
                        (version_id, *row[1:5], row[5].isoformat() if row[5] is not None else None, *row[6:])
                        if table == "list_entries"
                        else (version_id, *row[1:])
                        for row in rows[start : start + batch]
                    ],
                )
        raw.commit()
    finally:
        raw.close()


def run_check(url: str, engine: Engine, ids: dict[str, Any]) -> dict[str, Any]:
    """Start a run, let a worker process execute it; timings from the run row, memory from the worker."""
    operator = Principal(kind="key", id=0, name="bench", role="operator", agency_id=ids["agency_id"])
    with Session(engine, expire_on_commit=False) as session:
        started = datetime.now(UTC)
        run = checks.start_run(session, operator, roster_id=ids["roster_id"])
    t = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", WORKER, url], capture_output=True, text=True, check=True)
    wall = time.perf_counter() - t
    ran, peak = out.stdout.split()
    with Session(engine) as session:
        done = session.get(CheckRun, run.id)
        assert done is not None
        assert done.status == "succeeded", done.error
        assert done.finished_at is not None
        assert done.started_at is not None
        finished = done.finished_at if done.finished_at.tzinfo else done.finished_at.replace(tzinfo=UTC)
        rows = session.execute(
            sa.text(
                "SELECT roster_entry_id, list_entry_id, kind, match_class FROM findings WHERE run_id = :r"
            ),
            {"r": run.id},
        ).all()
    return {
        "run_id": run.id,
        "seconds": (finished - started).total_seconds(),
        "executing": (done.finished_at - done.started_at).total_seconds(),
        "worker_wall": wall,
        "peak_mb": float(peak),
        "findings": rows,
        "ran": int(ran),
    }


def id_maps(engine: Engine, ids: dict[str, Any]) -> tuple[dict[int, int], dict[int, tuple[int, int]]]:
    """Roster entry id -> line, list entry id -> (list index, line)."""
    with engine.connect() as conn:
        roster = {
            int(row_id): int(line)
            for row_id, line in conn.execute(
                sa.text("SELECT id, line FROM roster_entries WHERE version_id = :v"),
                {"v": ids["roster_version_id"]},
            )
        }
        entries: dict[int, tuple[int, int]] = {}
        for n, version in enumerate(ids["list_versions"]):
            for row_id, line in conn.execute(
                sa.text("SELECT id, line FROM list_entries WHERE version_id = :v"), {"v": version}
            ):
                entries[row_id] = (n, line)
    return roster, entries


def match_latency(url: str, people: list[RosterPerson], *, requests: int = 20) -> list[float]:
    from fastapi.testclient import TestClient

    from app.config import Settings
    from app.main import create_app
    from app.services import auth

    engine = db.create_engine(url)
    with Session(engine) as session:
        agency = session.execute(sa.select(Agency)).scalars().first()
        assert agency is not None
        _, key = auth.create_api_key(session, role="operator", name="bench", agency_code=agency.code)
    engine.dispose()
    settings = Settings(database_url=url, secret_key="bench-" + "x" * 40, log_level="WARNING")
    body = {"people": [{"nik": p.nik, "name": p.name, **({"nip": p.nip} if p.nip else {})} for p in people]}
    times = []
    with TestClient(create_app(settings)) as client:
        for i in range(requests + 2):
            t = time.perf_counter()
            response = client.post("/api/v1/match", json=body, headers={"Authorization": f"Bearer {key}"})
            elapsed = time.perf_counter() - t
            assert response.status_code == 200, response.text
            if i >= 2:  # the first two warm caches and the connection pool
                times.append(elapsed)
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--roster", type=int, default=50_000)
    parser.add_argument("--list", type=int, default=2_000_000)
    parser.add_argument("--plant", type=int, default=500, help="planted findings per kind")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args(argv)

    t = time.perf_counter()
    planted = generate(
        args.seed,
        roster_size=max(0, args.roster - 9 * args.plant),
        list_size=0,
        plant_per_kind=args.plant,
        decoys_per_type=args.plant,
    )
    roster = [RosterPerson(i, p.nik, p.name, p.nip, p.numeric_cell) for i, p in enumerate(planted.roster)]
    entries = background(max(0, args.list - len(planted.entries)), args.seed, 10_000_000)
    entries.extend(replace_empty(e) for e in planted.entries)
    random.Random(args.seed).shuffle(entries)
    quarter = -(-len(entries) // len(LISTS))
    parts = [entries[i * quarter : (i + 1) * quarter] for i in range(len(LISTS))]
    # Refs say where each entry is stored: "<list index>:<line>".
    parts = [
        [replace(e, ref=f"{n}:{line}") for line, e in enumerate(part, start=2)]
        for n, part in enumerate(parts)
    ]
    all_entries = [e for part in parts for e in part]
    print(f"data: {len(roster):,} roster x {len(all_entries):,} list entries in {len(LISTS)} lists "
          f"(generated in {time.perf_counter() - t:.1f} s)")  # fmt: skip

    t = time.perf_counter()
    r_rows = roster_rows(roster)
    l_rows = [list_rows(part) for part in parts]
    print(f"rows with blocking keys computed in {time.perf_counter() - t:.1f} s")
    gc.collect()
    gc.freeze()

    t = time.perf_counter()
    memory = ListIndex(all_entries).match(roster)
    in_memory_s = time.perf_counter() - t
    expected: set[Any] = {(f.roster_ref, f.list_ref, f.kind, f.match_class) for f in memory}
    print(f"in-memory ListIndex (build + match): {in_memory_s:6.2f} s, {len(memory):,} findings "
          f"({len(memory) / in_memory_s:,.0f} findings/s)")  # fmt: skip
    sample = [roster[i] for i in random.Random(args.seed).sample(range(len(roster)), min(1000, len(roster)))]

    backends: list[tuple[str, str, Any]] = []
    tmp = tempfile.TemporaryDirectory(prefix="netra-bench-")
    if not args.skip_sqlite:
        backends.append(("SQLite", f"sqlite:///{Path(tmp.name) / 'bench.db'}", None))
    if not args.skip_postgres:
        try:
            admin = sa.create_engine(make_url(args.pg_url), isolation_level="AUTOCOMMIT")
            name = f"netra_bench_{__import__('os').getpid()}"
            with admin.connect() as conn:
                conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
            backends.append(
                (
                    "PostgreSQL",
                    make_url(args.pg_url).set(database=name).render_as_string(False),
                    (admin, name),
                )
            )
        except sa.exc.OperationalError as exc:
            print(f"PostgreSQL skipped: {exc.orig}")

    for label, url, cleanup in backends:
        try:
            db.upgrade(url)
            engine = db.create_engine(url)
            t = time.perf_counter()
            ids = load(engine, r_rows, l_rows)
            print(f"\n== {label}: loaded in {time.perf_counter() - t:.1f} s")
            result = run_check(url, engine, ids)
            roster_line, entry_at = id_maps(engine, ids)
            got = set()
            for rid, lid, kind, cls in result["findings"]:
                n, line = entry_at[lid]
                got.add((roster_line[rid] - 2, f"{n}:{line}", kind, cls))
            report(result, got, expected)
            times = match_latency(url, sample)
            median, p95 = statistics.median(times), sorted(times)[int(0.95 * (len(times) - 1))]
            print(
                f"POST /api/v1/match, {len(sample)} people: median {median * 1000:.0f} ms, "
                f"p95 {p95 * 1000:.0f} ms over {len(times)} requests"
            )
            engine.dispose()
        finally:
            db.dispose_engines()
            if cleanup is not None:
                admin, name = cleanup
                with admin.connect() as conn:
                    conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                admin.dispose()
    tmp.cleanup()
    return 0


def report(result: dict[str, Any], got: set[Any], expected: set[Any]) -> None:
    n = len(result["findings"])
    print(
        f"check run: {result['seconds']:6.2f} s from start to completion (executing "
        f"{result['executing']:.2f} s; worker process incl. start-up {result['worker_wall']:.2f} s)"
    )
    print(
        f"           {n:,} findings, {n / result['executing']:,.0f} findings/s while executing, "
        f"worker peak {result['peak_mb']:,.0f} MB"
    )
    same = got == expected
    detail = (
        "" if same else f" (only in the database {len(got - expected)}, only in memory {len(expected - got)})"
    )
    print(f"findings equal to the in-memory ListIndex (pairs, kinds, classes): {same}{detail}")
    for item in sorted(got ^ expected, key=str)[:6]:
        print(f"    {'database' if item in got else 'memory'} only: {item}")


def replace_empty(e: ListEntry) -> ListEntry:
    # Stored rows cannot tell an empty NIK cell from none (see tests/services/test_candidates.py).
    return ListEntry(e.ref, e.nik or None, e.name, e.birth_date, e.regency, e.gender, e.numeric_cell)


if __name__ == "__main__":
    raise SystemExit(main())
