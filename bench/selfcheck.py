"""Load benchmark of the public self-check: ``python -m bench.selfcheck [--db sqlite|postgresql]``.

1. Creates a fresh database (a SQLite file, or a new PostgreSQL database next to ``--pg-url``), migrates it
   and bulk-loads ``--entries`` synthetic list entries (2,000,000 by default; COPY on PostgreSQL) spread over
   active party-member and supporter lists. The NIKs are generated here and belong to nobody.
2. Starts uvicorn on loopback with the self-check limits raised and the challenge off.
3. Drives ``POST /api/v1/self-check`` with ``wrk`` (Debian: ``apt-get install -y wrk``) and a Lua script that
   posts NIKs, half of them listed.

Rate control, honestly: Debian has no wrk2, so wrk is open-loop only per connection. Each of ``--connections``
connections waits ``connections / rate`` seconds (wrk's ``delay()``) after every response, so the offered
rate is slightly *below* ``--rate`` by the response time; the script prints the rate actually achieved. With
mostly idle connections, a stalled server shows up in the latencies instead of being hidden by fewer sends.

Each request comes on a new connection (``Connection: close``), as people checking their own NIK do; with
``--keep-alive`` wrk's connections persist. Persistent connections are accepted once, and uvicorn's workers
took them unevenly (seen: one worker at 69 % CPU, the other at 6 %), so one worker served most of the load.

Targets (issue 6): p50 < 10 ms, p99 < 50 ms at 200 requests/s, zero 5xx.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from app import db

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
LISTS = 20
GIVEN = ["Siti", "Budi", "Agus", "Dewi", "Rina", "Wayan", "Made", "Nur", "Slamet", "Sri", "Ahmad", "Putri"]
FAMILY = ["Aminah", "Santoso", "Wahyuni", "Siregar", "Lubis", "Hidayat", "Saputra", "Lestari", "Nasution"]
ENTRY_COLUMNS = ("version_id", "line", "nik", "nik_raw", "name", "flags", "numeric_cell")

LUA = """
local niks = {}
for line in io.lines("%(niks)s") do niks[#niks + 1] = line end
local headers = {["Content-Type"] = "application/json"%(connection)s}
local threads = {}
local interval = %(interval_ms)d

function setup(thread) table.insert(threads, thread) end
function init(args) fivexx = 0; other = 0; math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16)) end
function delay() return interval end
function request()
  local nik = niks[math.random(#niks)]
  return wrk.format("POST", "/api/v1/self-check", headers, '{"nik":"' .. nik .. '"}')
end
function response(status, headers, body)
  if status >= 500 then fivexx = fivexx + 1 elseif status >= 300 then other = other + 1 end
end
function done(summary, latency, requests)
  local f, o = 0, 0
  for _, t in ipairs(threads) do f = f + t:get("fivexx"); o = o + t:get("other") end
  io.write(string.format(
    'WRKJSON {"requests": %%d, "duration_us": %%d, "p50_us": %%d, "p90_us": %%d, "p99_us": %%d, '
    .. '"max_us": %%d, "mean_us": %%.1f, "non2xx": %%d, "fivexx": %%d, "connect_errors": %%d, '
    .. '"read_errors": %%d, '
    .. '"write_errors": %%d, "timeouts": %%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, latency.mean, f + o, f, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.timeout))
end
"""


def nik_for(i: int) -> str:
    """A unique, well-formed synthetic NIK for every i < 2,150,400 × 9999 (Kota Bekasi, 32 75)."""
    district = 1 + i % 40
    day = 1 + (i // 40) % 28
    month = 1 + (i // 1120) % 12
    year = (60 + (i // 13440) % 40) % 100
    serial = 1 + i // 537600
    if (i // 7) % 2:
        day += 40  # women: day + 40
    return f"3275{district:02d}{day:02d}{month:02d}{year:02d}{serial:04d}"


def entry_rows(entries: int, versions: list[int], seed: int) -> Iterator[tuple[object, ...]]:
    rng = random.Random(seed)
    for i in range(entries):
        nik = nik_for(i)
        name = f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}"
        yield (versions[i % len(versions)], i // len(versions) + 2, nik, nik, name, "", False)


def create_database(kind: str, pg_url: str, workdir: Path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{workdir / 'bench.db'}"
    base = make_url(pg_url)
    name = f"netra_bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def drop_database(kind: str, url: str, pg_url: str) -> None:
    db.dispose_engines()
    if kind != "postgresql":
        return
    admin = sa.create_engine(make_url(pg_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')
    admin.dispose()


def create_lists(url: str) -> list[int]:
    """LISTS active lists (half party-member, half supporter), one version each; returns the version ids."""
    engine = db.create_engine(url)
    versions: list[int] = []
    with engine.begin() as conn:
        for n in range(LISTS):
            party = n % 2 == 0
            list_id = conn.execute(
                sa.text(
                    "INSERT INTO lists (list_type, owner, election, region, created_by, created_at) "
                    "VALUES (:t, :o, :e, :r, 'bench', CURRENT_TIMESTAMP) RETURNING id"
                ),
                {
                    "t": "party_member" if party else "supporter",
                    "o": f"Partai Uji {n}" if party else f"Calon Uji {n}",
                    "e": "Pemilu 2024" if party else "Pilkada 2024",
                    "r": "Kota Bekasi",
                },
            ).scalar_one()
            version_id = conn.execute(
                sa.text(
                    "INSERT INTO list_versions (list_id, version, status, file_name, file_size, "
                    "file_sha256, uploaded_by, uploaded_at, rows_processed, accepted, rejected, flagged, "
                    "blank, column_map) VALUES (:l, 1, 'active', 'bench.csv', 0, :sha, 'bench', "
                    "CURRENT_TIMESTAMP, 0, 0, 0, 0, 0, '{}') RETURNING id"
                ),
                {"l": list_id, "sha": "0" * 64},
            ).scalar_one()
            conn.execute(
                sa.text("UPDATE lists SET active_version_id = :v WHERE id = :l"),
                {"v": version_id, "l": list_id},
            )
            versions.append(version_id)
    engine.dispose()
    return versions


def load_sqlite(url: str, rows: Iterator[tuple[object, ...]]) -> None:
    path = make_url(url).database
    assert path is not None
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    placeholders = ", ".join("?" for _ in ENTRY_COLUMNS)
    with conn:
        conn.executemany(
            f"INSERT INTO list_entries ({', '.join(ENTRY_COLUMNS)}) VALUES ({placeholders})", rows
        )
    conn.execute("ANALYZE")
    conn.close()


def load_postgresql(url: str, rows: Iterator[tuple[object, ...]]) -> None:
    import psycopg

    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn) as conn:
        with (
            conn.cursor() as cur,
            cur.copy(f"COPY list_entries ({', '.join(ENTRY_COLUMNS)}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        conn.commit()
        # Steady state, as the service meets it long after a list was stored: vacuumed (else autovacuum
        # of two million fresh rows lands in the measurement), analysed, checkpointed.
        conn.autocommit = True
        conn.execute("VACUUM (ANALYZE) list_entries")
        conn.execute("ANALYZE lists")
        conn.execute("CHECKPOINT")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_ready(base: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(f"{base}/readyz", timeout=2) as response:
                if response.status == 200:
                    return
        time.sleep(0.25)
    raise SystemExit(f"uvicorn did not become ready at {base}")


def probe(base: str, nik: str) -> dict[str, object]:
    request = urllib.request.Request(
        f"{base}/api/v1/self-check",
        data=json.dumps({"nik": nik}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        result: dict[str, object] = json.loads(response.read())
        return result


def run_wrk(base: str, script: Path, *, threads: int, connections: int, duration: int) -> dict[str, float]:
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{duration}s",
        "--timeout",
        "5s",
        "--latency",
        "-s",
        str(script),
        base,
    ]
    completed = subprocess.run(command, capture_output=True, text=True, check=True)
    for line in completed.stdout.splitlines():
        if line.startswith("WRKJSON "):
            result: dict[str, float] = json.loads(line.removeprefix("WRKJSON "))
            return result
    raise SystemExit(f"wrk printed no result:\n{completed.stdout}\n{completed.stderr}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--pg-url", default=os.environ.get("NETRA_BENCH_PG_URL", DEFAULT_PG))
    parser.add_argument("--entries", type=int, default=2_000_000)
    parser.add_argument("--rate", type=int, default=200, help="target requests per second")
    parser.add_argument("--duration", type=int, default=30, help="seconds of measured load")
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument(
        "--keep-alive", action="store_true", help="reuse wrk's connections instead of one per request"
    )
    args = parser.parse_args(argv)
    args.threads = max(1, min(args.threads, args.connections))  # wrk needs a connection per thread

    if shutil.which("wrk") is None:
        print("wrk is not installed. On Debian/Ubuntu: sudo apt-get install -y wrk", file=sys.stderr)
        return 2

    workdir = Path(tempfile.mkdtemp(prefix="netra-bench-"))
    url = create_database(args.db, args.pg_url, workdir)
    server: subprocess.Popen[bytes] | None = None
    try:
        started = time.perf_counter()
        db.upgrade(url)
        versions = create_lists(url)
        rows = entry_rows(args.entries, versions, args.seed)
        (load_sqlite if args.db == "sqlite" else load_postgresql)(url, rows)
        load_seconds = time.perf_counter() - started
        # The load leaves a gigabyte of dirty pages for the kernel to write back; flush them now so that
        # the write-back of the set-up does not land in the measured latencies (every look-up commits).
        os.sync()
        print(f"[{args.db}] loaded {args.entries:,} list entries in {load_seconds:.1f} s")

        # Half of the NIKs asked are listed, half are valid but absent (serials beyond the loaded range).
        rng = random.Random(args.seed + 1)
        listed = [nik_for(rng.randrange(args.entries)) for _ in range(5000)]
        absent = [nik_for(args.entries + 537600 * 4 + rng.randrange(1_000_000)) for _ in range(5000)]
        niks_file = workdir / "niks.txt"
        niks_file.write_text("\n".join(listed + absent) + "\n")
        interval_ms = max(1, round(args.connections * 1000 / args.rate))
        connection = "" if args.keep_alive else ', ["Connection"] = "close"'
        script = workdir / "selfcheck.lua"
        script.write_text(LUA % {"niks": niks_file, "interval_ms": interval_ms, "connection": connection})

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {
            **os.environ,
            "NETRA_DATABASE_URL": url,
            "NETRA_SECRET_KEY": uuid.uuid4().hex + uuid.uuid4().hex,
            "NETRA_SELFCHECK_RATE_LIMITS": "1000000/second",
            "NETRA_SELFCHECK_REPORT_RATE_LIMITS": "1000000/second",
            "NETRA_SELFCHECK_CHALLENGE_AFTER": "0",
            "NETRA_LOG_LEVEL": "WARNING",
        }
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "app.main:create_app",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(args.workers),
                "--no-access-log",
                "--log-level",
                "warning",
            ],
            env=env,
            start_new_session=True,
        )
        wait_ready(base)
        sample = probe(base, listed[0])
        assert sample["listed"] is True, sample
        assert probe(base, absent[0])["listed"] is False

        # Warm-up (connection pools, page cache), not measured. Its mean response time calibrates the pause
        # so that pause + response time per connection matches the target rate.
        load_before = open("/proc/loadavg").read().split()[0] if Path("/proc/loadavg").exists() else "?"
        warm = run_wrk(base, script, threads=args.threads, connections=args.connections, duration=5)
        nominal = args.connections * 1000 / args.rate
        # Bounded, so a slow warm-up (cold cache) cannot push the offered rate far past the target.
        interval_ms = max(round(nominal * 0.8), round(nominal - warm["mean_us"] / 1000))
        script.write_text(LUA % {"niks": niks_file, "interval_ms": interval_ms, "connection": connection})
        result = run_wrk(
            base, script, threads=args.threads, connections=args.connections, duration=args.duration
        )
        rate = result["requests"] / (result["duration_us"] / 1e6)
        report = io.StringIO()
        senders = "connections" if args.keep_alive else "clients, a connection per request,"
        report.write(
            f"[{args.db}] {args.entries:,} entries, target {args.rate} req/s "
            f"({args.connections} {senders} "
            f"× 1 per {interval_ms} ms + response time), "
            f"{args.workers} uvicorn workers, load average before the run {load_before}\n"
        )
        report.write(
            f"  throughput {rate:.1f} req/s over {result['duration_us'] / 1e6:.1f} s "
            f"({int(result['requests']):,} requests)\n"
        )
        report.write(
            f"  latency p50 {result['p50_us'] / 1000:.2f} ms · p90 {result['p90_us'] / 1000:.2f} ms · "
            f"p99 {result['p99_us'] / 1000:.2f} ms · max {result['max_us'] / 1000:.2f} ms\n"
        )
        report.write(
            f"  non-2xx {int(result['non2xx'])} (5xx {int(result['fivexx'])}) · socket errors "
            f"connect {int(result['connect_errors'])} read {int(result['read_errors'])} "
            f"write {int(result['write_errors'])} timeout {int(result['timeouts'])}\n"
        )
        print(report.getvalue(), end="")
        return 0 if result["fivexx"] == 0 else 1
    finally:
        if server is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        drop_database(args.db, url, args.pg_url)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
