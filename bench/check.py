"""Check runs and ``/match`` on the corpus: ``python -m bench.check [--only sqlite|postgresql]``.

For SQLite and for PostgreSQL (a new database next to ``--pg-url``): stores the corpus's six lists and its
roster as ``netra lists import`` / ``netra rosters import`` do (set-up, timed but not the figure), then

* a check run of the 50,000-person roster against the 2,000,000 stored rows, executed by one ``netra``
  worker process and again by two at once (the run's shards shared between them, ``FOR UPDATE SKIP
  LOCKED`` on PostgreSQL), timed from the run's start to its completion, with the workers' peak memory;
* whether the run's findings equal ``netra match``'s on the same files (pairs, kinds, classes, scores);
* ``POST /api/v1/match`` with 1,000 of the roster's people against the stored rows: median and p95 of 20
  requests after two warm-ups, and whether its findings equal ``netra match``'s for those people.

The floor printed beside them is ``netra match`` itself on the same files, measured in the same run: the
stored run reads the lists from the database instead of the files. Targets (issue 15, reported, not
asserted): a run in at most 15 s on PostgreSQL and 30 s on SQLite, two workers faster than one, ``/match``
median at most 300 ms and p95 at most 500 ms.
"""

from __future__ import annotations

import csv
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench import corpus
from bench.measure import database_options, drop_database, fresh_database, run_child

# Peak memory from VmHWM: the worker's own, not carried over from the benchmark through fork + exec.
WORKER = """
import sys
from app.db import create_engine
from app.worker import Worker
worker = Worker(create_engine(sys.argv[1]), kinds=["check"], poll_interval=0.05)
ran = worker.drain()
hwm = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(ran, int(hwm.split()[1]) / 1024)
"""
PEOPLE = 1000


def child_load(url: str, folder: str) -> None:
    """In the child: store the corpus's lists and roster as the CLI imports do; one JSON line of ids."""
    from app import db
    from app.services import ingestion, lists, rosters
    from app.services.principals import Principal

    data = corpus.locate(Path(folder))
    admin = Principal("cli", 0, "bench", "admin")
    started = time.perf_counter()
    with db.new_session(url) as session:
        agency_code = _agency(session)
        for item in data.lists:
            lists.create_list(
                session, admin, list_type=item.list_type, owner=item.owner, election=item.election,
                region=None, upload=ingestion.describe_file(item.path), inline=True, keep_file=True,
            )  # fmt: skip
        stored_lists = time.perf_counter() - started
        result = rosters.create_roster(
            session, admin, name="Pegawai", agency_code=agency_code,
            upload=ingestion.describe_file(data.roster), inline=True, keep_file=True,
        )  # fmt: skip
        roster = result.view.roster
    print(
        json.dumps(
            {
                "lists_seconds": stored_lists,
                "seconds": time.perf_counter() - started,
                "roster_id": roster.id,
                "agency_id": roster.agency_id,
            }
        )
    )


def _agency(session: Any) -> str:
    from app.models import Agency

    agency = Agency(code="BENCH", name="Bench")
    session.add(agency)
    session.commit()
    return agency.code


def run_check(url: str, ids: dict[str, Any], workers: int) -> dict[str, Any]:
    """Start a run and let ``workers`` worker processes execute it at once."""
    from sqlmodel import Session

    from app import db
    from app.models import CheckRun
    from app.services import checks
    from app.services.principals import Principal

    engine = db.create_engine(url)
    operator = Principal(kind="key", id=0, name="bench", role="operator", agency_id=ids["agency_id"])
    with Session(engine, expire_on_commit=False) as session:
        started = datetime.now(UTC)
        run = checks.start_run(session, operator, roster_id=ids["roster_id"])
    t = time.perf_counter()
    processes = [
        subprocess.Popen([sys.executable, "-c", WORKER, url], stdout=subprocess.PIPE, text=True)
        for _ in range(workers)
    ]
    outputs = [process.communicate()[0] for process in processes]
    wall = time.perf_counter() - t
    if any(process.returncode for process in processes):
        raise SystemExit(f"a worker failed: {outputs}")
    with Session(engine) as session:
        done = session.get(CheckRun, run.id)
        assert done is not None
        assert done.status == "succeeded", done.error
        assert done.finished_at is not None
        finished = done.finished_at if done.finished_at.tzinfo else done.finished_at.replace(tzinfo=UTC)
        rows = session.execute(
            sa.text(
                "SELECT r.line, w.owner, l.line, f.kind, f.match_class, f.score FROM findings f "
                "JOIN roster_entries r ON r.id = f.roster_entry_id "
                "JOIN list_entries l ON l.id = f.list_entry_id "
                "JOIN list_versions lv ON lv.id = f.list_version_id JOIN lists w ON w.id = lv.list_id "
                "WHERE f.run_id = :r AND f.change <> 'resolved'"
            ),
            {"r": run.id},
        ).all()
        shards = session.execute(
            sa.text("SELECT count(*) FROM check_shards WHERE run_id = :r"), {"r": run.id}
        ).scalar_one()
    engine.dispose()
    return {
        "seconds": (finished - started).total_seconds(),
        "wall": wall,
        "jobs": [int(out.split()[0]) for out in outputs],
        "peak_mb": max(float(out.split()[1]) for out in outputs),
        "findings": {(int(a), b, int(c), d, e, round(float(s), 4)) for a, b, c, d, e, s in rows},
        "shards": int(shards),
    }


def match_latency(
    url: str, people: list[dict[str, Any]], requests: int = 20
) -> tuple[list[float], list[Any]]:
    from fastapi.testclient import TestClient
    from sqlmodel import Session

    from app import db
    from app.config import Settings
    from app.main import create_app
    from app.models import Agency
    from app.services import auth

    engine = db.create_engine(url)
    with Session(engine) as session:
        agency = session.execute(sa.select(Agency)).scalars().first()
        assert agency is not None
        _, key = auth.create_api_key(session, role="operator", name="bench", agency_code=agency.code)
    engine.dispose()
    settings = Settings(database_url=url, secret_key="bench-" + "x" * 40, log_level="WARNING")
    body = {"people": people}
    times: list[float] = []
    found: list[Any] = []
    with TestClient(create_app(settings)) as client:
        for i in range(requests + 2):
            t = time.perf_counter()
            response = client.post("/api/v1/match", json=body, headers={"Authorization": f"Bearer {key}"})
            elapsed = time.perf_counter() - t
            assert response.status_code == 200, response.text
            if i >= 2:  # the first two read the lists' keys into the process and warm the pool
                times.append(elapsed)
            found = response.json()["findings"]
    db.dispose_engines()
    return times, found


def offline_findings(data: corpus.Corpus, folder: Path) -> tuple[set[Any], float]:
    """``netra match`` on the same files: its findings as the stored run's rows, and its wall time."""
    output = folder / "findings.csv"
    netra = str(Path(sys.executable).with_name("netra"))
    _, wall, _, _ = run_child(
        [netra, "match", str(data.roster), "--manifest", str(data.manifest), "-o", str(output)]
    )
    with output.open(encoding="utf-8", newline="") as handle:
        rows = {
            (int(r["roster_line"]), r["owner"], int(r["list_line"]), r["kind"], r["class"],
             round(float(r["score"]), 4))
            for r in csv.DictReader(handle)
        }  # fmt: skip
    return rows, wall


def sample_people(data: corpus.Corpus, seed: int = 1) -> tuple[list[int], list[dict[str, Any]]]:
    """1,000 roster rows (their spreadsheet lines) as ``/match`` takes them."""
    with data.roster.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    picked = sorted(random.Random(seed).sample(range(len(rows)), PEOPLE))
    people = [
        {
            "nik": rows[i]["NIK"],
            "name": rows[i]["NAMA"],
            **({"nip": rows[i]["NIP"]} if rows[i]["NIP"] else {}),
        }
        for i in picked
    ]
    return [i + 2 for i in picked], people


def main() -> None:
    options = database_options(__doc__, ("URL", "CORPUS")).parse_args()
    if options.child:
        child_load(*options.child)
        return

    data = corpus.locate(options.corpus)
    print(f"corpus {data.folder}: roster 50,000 rows, {len(data.lists)} lists, {data.list_rows:,} rows")
    with tempfile.TemporaryDirectory(prefix="netra-bench-") as scratch:
        expected, offline_wall = offline_findings(data, Path(scratch))
    print(f"floor: netra match on the same files {offline_wall:6.2f} s ({len(expected):,} findings)")
    lines, people = sample_people(data)
    chosen = set(lines)

    for kind in options.only or ["sqlite", "postgresql"]:
        url = fresh_database(kind, options.pg_url, data.folder.parent)
        try:
            ids, load_wall, _, _ = run_child(
                [sys.executable, "-m", "bench.check", "--child", url, str(data.folder)],
                {"NETRA_LOG_LEVEL": "WARNING"},
            )
            print(f"\n== {kind}: six lists and the roster stored in {load_wall:.1f} s (set-up)")
            for workers in (1, 2):
                run = run_check(url, ids, workers)
                same = run["findings"] == expected
                print(
                    f"check run, {workers} worker(s): {run['seconds']:6.2f} s from start to completion, "
                    f"{run['shards']} shards (jobs per worker {run['jobs']}), {len(run['findings']):,} "
                    f"findings, worker peak {run['peak_mb']:,.0f} MiB; {run['seconds'] / offline_wall:.1f}x "
                    f"the floor; equal to netra match: {same}",
                    flush=True,
                )
                if not same:
                    for item in sorted(run["findings"] ^ expected, key=str)[:6]:
                        print(
                            f"    {'stored run' if item in run['findings'] else 'netra match'} only: {item}"
                        )
            times, results = match_latency(url, people)
            median, p95 = statistics.median(times), sorted(times)[int(0.95 * (len(times) - 1))]
            got = {
                (lines[f["index"]], f["list"]["owner"], f["list_entry_line"], f["kind"], f["match_class"],
                 round(f["score"], 4))
                for f in results
            }  # fmt: skip
            want = {row for row in expected if row[0] in chosen}
            print(
                f"POST /api/v1/match, {len(people)} people: median {median * 1000:.0f} ms, "
                f"p95 {p95 * 1000:.0f} ms over {len(times)} requests; {len(got):,} findings, "
                f"equal to netra match for them: {got == want}",
                flush=True,
            )
        finally:
            drop_database(url)


if __name__ == "__main__":
    main()
