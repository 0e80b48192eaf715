"""Measure the two candidate XLSX readers on a roster-shaped 200,000-row workbook.

Run ``python -m bench.readers [--rows N] [--file PATH]``. It writes a workbook with xlsxwriter (two title
rows, then a header, then data: NIK as text, NIP as text, a date cell, names, addresses) unless ``--file`` is
given, then reads it once with python-calamine and once with openpyxl in read-only mode, each in a fresh child
process so that one engine's memory does not count against the other. Peak memory is the child's maximum
resident set size (``ru_maxrss``) minus its resident size before opening the workbook: calamine allocates in
Rust, which ``tracemalloc`` cannot see. Two more runs measure ``app.ingest.open_table`` (zip pre-flight
checks and header detection included) and ``open_table`` + ``RowValidator``, which is what ingestion pays.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GIVEN = [
    "Budi",
    "Siti",
    "Agus",
    "Sri",
    "Dewi",
    "Ahmad",
    "Nurhayati",
    "Slamet",
    "Wayan",
    "Made",
    "Rina",
    "Joko",
]
FAMILY = ["Santoso", "Wahyuni", "Siregar", "Nasution", "Lubis", "Putra", "Lestari", "Hidayat", "Saputra"]


def write_workbook(path: Path, rows: int) -> None:
    """Write a roster-shaped workbook in constant-memory mode (xlsxwriter writes rows in order)."""
    import xlsxwriter

    rng = random.Random(4)
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = workbook.add_worksheet("Pegawai")
    date_format = workbook.add_format({"num_format": "dd-mm-yyyy"})
    sheet.write_row(0, 0, ["DAFTAR PEGAWAI NEGERI SIPIL"])
    sheet.write_row(1, 0, ["Keadaan per 1 Januari 2024"])
    header = ["No", "NIK", "NIP", "Nama Lengkap", "Tanggal Lahir", "JK", "Alamat", "Unit Kerja"]
    sheet.write_row(2, 0, header)
    base = dt.date(1965, 1, 1)
    for i in range(rows):
        born = base + dt.timedelta(days=rng.randrange(0, 40 * 365))
        female = rng.random() < 0.5
        day = born.day + (40 if female else 0)
        region = f"32{rng.randrange(1, 30):02d}{rng.randrange(1, 40):02d}"
        nik = f"{region}{day:02d}{born:%m%y}{rng.randrange(1, 9999):04d}"
        nip = f"{born:%Y%m%d}{rng.randrange(1990, 2023)}{rng.randrange(1, 13):02d}{2 if female else 1}001"
        name = f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}"
        r = i + 3
        sheet.write_number(r, 0, i + 1)
        sheet.write_string(r, 1, nik)
        sheet.write_string(r, 2, nip)
        sheet.write_string(r, 3, name)
        sheet.write_datetime(r, 4, dt.datetime(born.year, born.month, born.day), date_format)
        sheet.write_string(r, 5, "P" if female else "L")
        sheet.write_string(r, 6, f"Jl. Merdeka No. {rng.randrange(1, 300)}, RT {rng.randrange(1, 20):02d}")
        sheet.write_string(r, 7, f"Dinas {rng.choice(['Pendidikan', 'Kesehatan', 'Perhubungan', 'Sosial'])}")
    workbook.close()


def _rss_kib() -> int:
    """Current resident set size in KiB, from /proc (Linux); 0 where unavailable."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _child(engine: str, path: str) -> None:
    """Read every row with one engine and print a JSON line with the measurement."""
    import openpyxl  # noqa: F401
    import python_calamine  # noqa: F401  (imported before the baseline so import cost is not "peak")

    if engine.startswith("app.ingest"):
        import app.ingest

    before = _rss_kib()
    start = time.perf_counter()
    count = 0
    if engine == "calamine":
        from python_calamine import CalamineWorkbook

        with CalamineWorkbook.from_path(path) as workbook:
            sheet = workbook.get_sheet_by_index(0)
            for _row in sheet.iter_rows():
                count += 1
    elif engine == "openpyxl":
        from openpyxl import load_workbook

        workbook = load_workbook(path, read_only=True, data_only=True)
        for _row in workbook.worksheets[0].iter_rows(values_only=True):
            count += 1
        workbook.close()
    elif engine == "app.ingest":
        with app.ingest.open_table(path, kind="roster") as table:
            for _source_row in table:
                count += 1
    else:
        with app.ingest.open_table(path, kind="roster") as table:
            validator = app.ingest.RowValidator(table.columns, "roster")
            for _outcome in validator.run(table):
                count += 1
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps({"engine": engine, "rows": count, "seconds": seconds, "peak_mib": (peak - before) / 1024})
    )


def main() -> None:
    """Generate (or take) a workbook and compare the engines in separate processes."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--file", type=Path, default=None)
    parser.add_argument(
        "--engines", nargs="+", default=["calamine", "openpyxl", "app.ingest", "app.ingest+rows"]
    )
    parser.add_argument("--child", nargs=2, metavar=("ENGINE", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(*args.child)
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = args.file
        if path is None:
            path = Path(tmp) / "roster.xlsx"
            start = time.perf_counter()
            write_workbook(path, args.rows)
            print(f"wrote {args.rows:,} rows in {time.perf_counter() - start:.1f} s", end="")
        print(f" ({path.stat().st_size / 2**20:.1f} MiB): {path}")
        for engine in args.engines:
            out = subprocess.run(
                [sys.executable, "-m", "bench.readers", "--child", engine, str(path)],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            result = json.loads(out.strip().splitlines()[-1])
            rate = result["rows"] / result["seconds"]
            print(
                f"{engine:>15}: {result['rows']:>9,} rows in {result['seconds']:6.2f} s = "
                f"{rate:>9,.0f} rows/s, peak +{result['peak_mib']:.0f} MiB"
            )


if __name__ == "__main__":
    main()
