"""Ingestion benchmark on the corpus: ``python -m bench.ingest [--only sqlite|postgresql] [--corpus DIR]``.

For SQLite and for PostgreSQL (a new database next to ``--pg-url``), migrates a fresh database and stores
the corpus's six list CSVs (2,000,000 rows in all, ``bench.corpus``) one after the other, then its XLSX
list, each in a child process exactly as ``netra lists import`` does (one transaction per version). It
prints the seconds until each version is active, rows per second and the peak memory of the importing
process; beside them, measured in the same run, the floor: a raw ``COPY`` of the same six files into
unindexed text tables, and the ratio.

Targets (issue 14, reported, not asserted): the six lists active in at most 20 s on PostgreSQL (at most 6x
the COPY floor) and 25 s on SQLite, the 299,599-row XLSX list in at most 10 s, peak memory under 500 MB.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import polars as pl
import sqlalchemy as sa

from bench import corpus
from bench.measure import database_options, drop_database, fresh_database, run_child


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


def copy_floor(pg_url: str, files: list[Path]) -> float:
    """Seconds to ``COPY`` the files as they are into unindexed text tables (one per layout)."""
    import psycopg

    url = fresh_database("postgresql", pg_url, Path("."))
    try:
        conninfo = sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(conninfo) as connection:
            started = time.perf_counter()
            for index, path in enumerate(files):
                head = path.read_bytes()[:65536].decode("utf-8-sig", "replace").splitlines()[0]
                delimiter = ";" if head.count(";") > head.count(",") else ","
                width = pl.read_csv(path, separator=delimiter, n_rows=1, infer_schema=False).width
                table = f"floor_{index}"
                connection.execute(f"CREATE TABLE {table} ({', '.join(f'c{i} text' for i in range(width))})")
                with (
                    connection.cursor().copy(
                        f"COPY {table} FROM STDIN (FORMAT csv, HEADER true, DELIMITER '{delimiter}')"
                    ) as copy,
                    path.open("rb") as source,
                ):
                    while chunk := source.read(1 << 20):
                        copy.write(chunk)
            connection.commit()
            return time.perf_counter() - started
    finally:
        drop_database(url)


def main() -> None:
    options = database_options(__doc__, ("URL", "FILE")).parse_args()
    if options.child:
        child_ingest(*options.child)
        return

    data = corpus.locate(options.corpus)
    lists = [item.path for item in data.lists]
    print(
        f"corpus {data.folder}: {len(lists)} list CSVs, {data.list_rows:,} rows; XLSX {data.list_xlsx.name}"
    )
    floor = copy_floor(options.pg_url, lists)
    print(f"floor: raw COPY of the six CSVs into unindexed text tables (PostgreSQL) {floor:6.1f} s")
    for kind in options.only or ["sqlite", "postgresql"]:
        url = fresh_database(kind, options.pg_url, data.folder.parent)
        try:
            total, peak = 0.0, 0.0
            for path in [*lists, data.list_xlsx]:
                out, _, rss, pss = run_child(
                    [sys.executable, "-m", "bench.ingest", "--child", url, str(path)],
                    {"NETRA_LOG_LEVEL": "WARNING"},
                )
                if out.get("status") != "active":
                    raise SystemExit(f"{kind} {path.name}: version ended {out.get('status')}")
                seconds = float(out["seconds"])
                if path != data.list_xlsx:
                    total += seconds
                peak = max(peak, rss, pss)
                print(
                    f"{kind:<10} {path.name:<40} {int(out['rows']):>9,} rows {seconds:6.1f} s "
                    f"{out['rows'] / seconds:>9,.0f} rows/s  peak {max(rss, pss):4.0f} MiB",
                    flush=True,
                )
            print(
                f"{kind:<10} six lists active in {total:.1f} s: {total / floor:.1f}x the COPY floor; "
                f"peak memory {peak:.0f} MiB",
                flush=True,
            )
        finally:
            drop_database(url)


if __name__ == "__main__":
    main()
