"""What the benchmarks share: throw-away databases, child processes timed with their peak memory."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import sqlalchemy as sa

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


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


def database_options(doc: str | None, child: tuple[str, str]) -> argparse.ArgumentParser:
    """The options of a benchmark that measures both databases on the corpus (``--child`` is internal)."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, help="the unpacked corpus (default: bench.corpus.locate())")
    parser.add_argument("--pg-url", default=os.environ.get("NETRA_BENCH_PG_URL", DEFAULT_PG))
    parser.add_argument("--only", choices=["sqlite", "postgresql"], action="append")
    parser.add_argument("--child", nargs=2, metavar=child, help=argparse.SUPPRESS)
    return parser
