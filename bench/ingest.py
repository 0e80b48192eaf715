"""Ingestion benchmark: ``python -m bench.ingest [--rows N] [--xlsx-rows N] [--pg-url URL] [--only sqlite]``.

1. Generates (once, cached in ``--dir``) a ``--rows``-row list CSV (2,000,000 by default), a ``--xlsx-rows``
   XLSX list (200,000) and a ``--roster-rows`` roster CSV (50,000) sharing some NIKs with the list. The NIKs
   and names are made up here and belong to nobody.
2. For SQLite and for PostgreSQL (a new database next to ``--pg-url``), migrates a fresh database and stores
   each list file as a new list in a child process, exactly as ``netra lists import`` does (one transaction,
   COPY on PostgreSQL), printing the seconds until the version is active, rows per second and the child's
   peak RSS.
3. Runs ``netra match`` (offline, no database) on the roster against the 2M-row list, end to end.

Targets (issue 4, reported, not asserted): CSV active in < 20 s on both databases, XLSX in < 15 s, peak
memory < 500 MB (the importing process and the process it may read the file in, together),
``netra match`` 50k x 2M in < 15 s.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import sqlalchemy as sa

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
GIVEN = ("Siti", "Budi", "Agus", "Dewi", "Joko", "Sri", "Made", "Nur", "Rina", "Eko", "Ahmad", "Putu")
FAMILY = ("Santoso", "Aminah", "Wahyuni", "Siregar", "Lestari", "Saputra", "Hidayat", "Nasution", "Rahayu")
DISTRICTS = ("327105", "317101", "351501", "510301", "127101", "737101", "647201", "320101")


def nik(i: int) -> str:
    """A distinct well-formed NIK per ``i`` (district, birth date with women's day + 40, serial)."""
    female = i % 2
    day, month = 1 + (i // 2) % 28, 1 + (i // 56) % 12
    year, serial = 60 + (i // 672) % 40, 1 + (i // 26_880) % 9_999
    district = DISTRICTS[(i // 268_800_000) % len(DISTRICTS)] if i >= 268_800_000 else DISTRICTS[i % 8]
    return f"{district}{day + 40 * female:02d}{month:02d}{year:02d}{serial:04d}"


def name(rng: random.Random) -> str:
    return f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}"


def generate(folder: Path, rows: int, xlsx_rows: int, roster_rows: int) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = {
        "csv": folder / f"list-{rows}.csv",
        "xlsx": folder / f"list-{xlsx_rows}.xlsx",
        "roster": folder / f"roster-{roster_rows}.csv",
    }
    rng = random.Random(4)
    if not paths["csv"].exists():
        started = time.perf_counter()
        tmp = paths["csv"].with_suffix(".part")
        with tmp.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, delimiter=";")
            writer.writerow(["Daftar Anggota (data sintetis)"])
            writer.writerow(["No", "NIK", "Nama Lengkap", "Jenis Kelamin", "Alamat"])
            for i in range(rows):
                writer.writerow(
                    [i + 1, nik(i), name(rng), "P" if i % 2 else "L", f"Jl. Melati No. {i % 300}"]
                )
        tmp.rename(paths["csv"])
        print(f"generated {paths['csv'].name} in {time.perf_counter() - started:.1f} s")
    if not paths["xlsx"].exists():
        import xlsxwriter

        started = time.perf_counter()
        tmp = paths["xlsx"].with_suffix(".part.xlsx")
        workbook = xlsxwriter.Workbook(str(tmp), {"constant_memory": True})
        sheet = workbook.add_worksheet()
        sheet.write_row(0, 0, ["NIK", "Nama", "Tanggal Lahir", "Alamat"])
        for i in range(xlsx_rows):
            sheet.write_row(i + 1, 0, [nik(i + 10_000_000), name(rng), "", f"Jl. Mawar {i % 50}"])
        workbook.close()
        tmp.rename(paths["xlsx"])
        print(f"generated {paths['xlsx'].name} in {time.perf_counter() - started:.1f} s")
    if not paths["roster"].exists():
        with paths["roster"].open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["NIK", "NIP", "Nama", "Unit Kerja"])
            for i in range(roster_rows):
                # One in fifty is on the list; the rest are other people.
                number = rng.randrange(rows) if i % 50 == 0 else 500_000_000 + i
                writer.writerow([nik(number), "", name(rng), "Dinas Contoh"])
    return paths


def fresh_database(kind: str, pg_url: str, folder: Path) -> str:
    from app import db

    if kind == "sqlite":
        url = f"sqlite:///{folder / f'bench-{uuid.uuid4().hex[:8]}.db'}"
    else:
        base = sa.make_url(pg_url)
        name_ = f"netra_bench_{uuid.uuid4().hex[:8]}"
        admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name_}"')
        admin.dispose()
        url = base.set(database=name_).render_as_string(hide_password=False)
    db.upgrade(url)
    return url


def drop_database(url: str) -> None:
    if url.startswith("sqlite"):
        path = Path(sa.make_url(url).database or "")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    target = sa.make_url(url)
    admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)')
    admin.dispose()


def tree_pss_mib(pid: int) -> float:
    """Proportional set size of ``pid`` and its descendants, in MiB (shared pages counted once)."""
    total = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            rollup = Path(f"/proc/{current}/smaps_rollup").read_text()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:  # it ended meanwhile
            continue
        total += next(int(line.split()[1]) for line in rollup.splitlines() if line.startswith("Pss:"))
        pending += map(int, children)
    return total / 1024


def run_child(
    args: list[str], env: dict[str, str] | None = None
) -> tuple[dict[str, Any], float, float, float]:
    """Run a child process; its JSON line, wall seconds, peak RSS of the child alone (MiB, from wait4)
    and peak PSS of the child with its own children (sampled every 0.1 s: SQLite loads read in one)."""
    started = time.perf_counter()
    child = subprocess.Popen(args, stdout=subprocess.PIPE, env={**os.environ, **(env or {})}, text=True)
    assert child.stdout is not None
    peak = [0.0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.1):
            peak[0] = max(peak[0], tree_pss_mib(child.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output = child.stdout.read()
    child.stdout.close()
    done.set()
    sampler.join()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    if child.returncode != 0:
        raise SystemExit(f"child failed ({child.returncode}): {' '.join(args)}\n{output}")
    last = [line for line in output.splitlines() if line.startswith("{")]
    return (json.loads(last[-1]) if last else {}), wall, usage.ru_maxrss / 1024, peak[0]


def child_ingest(url: str, path: str) -> None:
    """In the child: store ``path`` as a new list, as ``netra lists import`` does; print one JSON line."""
    from app import db
    from app.services import ingestion, lists
    from app.services.principals import Principal

    started = time.perf_counter()
    upload = ingestion.describe_file(Path(path))
    with db.new_session(url) as session:
        result = lists.create_list(
            session,
            Principal("cli", 0, "bench", "admin"),
            list_type="party_member",
            owner="Partai Bench",
            election="Bench",
            region=None,
            upload=upload,
            inline=True,
            keep_file=True,
        )
    version = result.version
    print(
        json.dumps(
            {
                "seconds": time.perf_counter() - started,
                "status": version.status,
                "rows": version.rows_total,
                "accepted": version.accepted,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--xlsx-rows", type=int, default=200_000)
    parser.add_argument("--roster-rows", type=int, default=50_000)
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "netra-bench-ingest")
    parser.add_argument("--pg-url", default=os.environ.get("NETRA_BENCH_PG_URL", DEFAULT_PG))
    parser.add_argument("--only", choices=["sqlite", "postgresql", "match"], action="append")
    parser.add_argument("--child", nargs=2, metavar=("URL", "FILE"), help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        child_ingest(*options.child)
        return

    paths = generate(options.dir, options.rows, options.xlsx_rows, options.roster_rows)
    wanted = options.only or ["sqlite", "postgresql", "match"]
    for kind in ("sqlite", "postgresql"):
        if kind not in wanted:
            continue
        try:
            url = fresh_database(kind, options.pg_url, options.dir)
        except Exception as exc:  # no PostgreSQL here: report and go on
            print(f"{kind}: skipped ({type(exc).__name__}: {exc})")
            continue
        try:
            for label in ("csv", "xlsx"):
                out, _, rss, pss = run_child(
                    [sys.executable, "-m", "bench.ingest", "--child", url, str(paths[label])],
                    {"NETRA_LOG_LEVEL": "WARNING"},
                )
                if out.get("status") != "active":
                    raise SystemExit(f"{kind} {label}: version ended {out.get('status')}")
                print(
                    f"{kind:<10} {label:<5} {int(out['rows']):>10,} rows  {out['seconds']:7.1f} s  "
                    f"{out['rows'] / out['seconds']:>9,.0f} rows/s  peak RSS {rss:4.0f} MiB,"
                    f" PSS with its child processes {pss:4.0f} MiB",
                    flush=True,
                )
        finally:
            drop_database(url)
    if "match" in wanted:
        output = options.dir / "findings.csv"
        netra = Path(sys.executable).with_name("netra")
        _, wall, rss, _ = run_child(
            [str(netra), "match", str(paths["roster"]), str(paths["csv"]), "-o", str(output)]
        )
        print(
            f"netra match {options.roster_rows:,} x {options.rows:,}: {wall:.1f} s end to end, "
            f"peak RSS {rss:.0f} MiB",
            flush=True,
        )


if __name__ == "__main__":
    main()
