"""``netra match`` on the corpus: ``python -m bench.match [--corpus DIR] [--no-growth]``.

Prints, each measured in a child process of its own (wall time and peak memory):

* the floor: Polars reads the roster and the six list CSVs into string columns and joins them on equal
  NIK cells (no cleaning, no validation, no near matches);
* ``netra match`` end to end, as a user runs it, and the ratio to the floor;
* the same run's steps (read and decide the rows, keys, candidates, decide) and what each stage of the
  engine produced: NIK variants, candidate pairs by source, pairs left after the gates and the name
  filter, findings;
* cost growth: the first 0.5M, 1M and all 2M list rows (the same share of each list) against the first
  10k and all 50k roster rows.

Targets (issue 15, reported, not asserted): end to end at most 3x the floor, peak memory at most 1 GB.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

from bench import corpus
from bench.measure import run_child

_NIK_HEADERS = ("nik", "no. ktp", "no ktp", "nomor ktp")


def _delimiter(path: Path) -> str:
    head = path.read_bytes()[:65536].decode("utf-8-sig", "replace").splitlines()[0]
    return ";" if head.count(";") > head.count(",") else ","


def child_floor(roster: str, lists: list[str]) -> None:
    """In the child: read every file into string columns and join on equal NIK cells; one JSON line."""
    import polars as pl

    started = time.perf_counter()

    def niks(path: str) -> pl.Series:
        frame = pl.read_csv(path, separator=_delimiter(Path(path)), infer_schema=False, encoding="utf8-lossy")
        column = next(c for c in frame.columns if c.strip().lstrip("\ufeff").lower() in _NIK_HEADERS)
        return frame[column]

    people = pl.DataFrame({"nik": niks(roster)})
    listed = pl.DataFrame({"nik": pl.concat([niks(path) for path in lists])})
    pairs = people.join(listed, on="nik").height
    print(json.dumps({"seconds": time.perf_counter() - started, "pairs": pairs, "rows": listed.height}))


def child_steps(roster: str, manifest: str) -> None:
    """In the child: what ``netra match`` does, step by step, without writing the output."""
    from dataclasses import asdict

    from app.services import offline

    started = time.perf_counter()
    items = json.loads(Path(manifest).read_text(encoding="utf-8"))
    sources = [offline.ListSource(i["file"], i["list_type"], i["owner"], i["election"]) for i in items]
    paths = [Path(manifest).parent / i["file"] for i in items]
    result = offline.match_files(Path(roster), sources, paths)
    digest = hashlib.sha256(repr(result.findings).encode()).hexdigest()[:12]
    out = {
        "seconds": time.perf_counter() - started,
        "steps": result.seconds,
        "stats": asdict(result.stats),
        "people": result.people,
        "list_rows": result.list_rows,
        "findings": len(result.findings),
        "rejected": len(result.rejected),
        "digest": digest,
    }
    print(json.dumps(out))


def _head(source: Path, target: Path, records: int | None) -> int:
    """Copy the header and the first ``records`` records of a CSV byte for byte; the records copied."""
    if records is None:
        shutil.copyfile(source, target)
        return -1
    raw = source.read_bytes()
    text = io.StringIO(raw.decode("utf-8-sig"), newline="")
    reader = csv.reader(text, delimiter=_delimiter(source))
    count = 0
    for count, _ in enumerate(reader):  # record 0 is the header
        if count >= records:
            break
    lines = raw.split(b"\n")[: reader.line_num]
    target.write_bytes(b"\n".join(lines) + b"\n")
    return count


def _subset(data: corpus.Corpus, folder: Path, share: float, roster_rows: int) -> Path:
    """A manifest of the first ``share`` of each list and the first ``roster_rows`` of the roster."""
    folder.mkdir(parents=True, exist_ok=True)
    items = json.loads(data.manifest.read_text(encoding="utf-8"))
    for item in items:
        wanted = None if share >= 1 else int(item["rows"] * share)
        _head(data.folder / item["file"], folder / item["file"], wanted)
    _head(data.roster, folder / "roster.csv", roster_rows)
    (folder / "manifest.json").write_text(json.dumps(items), encoding="utf-8")
    return folder / "manifest.json"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", type=Path, help="the unpacked corpus (default: bench.corpus.locate())")
    parser.add_argument("--no-growth", action="store_true", help="skip the cost-growth table")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        what, *args = options.child
        child_floor(args[0], args[1:]) if what == "floor" else child_steps(*args)
        return

    data = corpus.locate(options.corpus)
    lists = [str(item.path) for item in data.lists]
    roster, manifest = str(data.roster), str(data.manifest)
    print(f"corpus {data.folder}: roster 50,000 rows, {len(lists)} lists, {data.list_rows:,} rows")
    me = [sys.executable, "-m", "bench.match", "--child"]
    floor, floor_wall, floor_rss, _ = run_child([*me, "floor", roster, *lists])
    print(
        f"floor: Polars reads the files as text and joins equal NIK cells  {floor_wall:6.2f} s "
        f"({floor['pairs']:,} pairs; peak {floor_rss:,.0f} MiB)"
    )
    netra = shutil.which("netra") or str(Path(sys.executable).with_name("netra"))
    with tempfile.TemporaryDirectory() as scratch:
        output = Path(scratch) / "findings.csv"
        _, wall, rss, pss = run_child([netra, "match", roster, "--manifest", manifest, "-o", str(output)])
        digest = hashlib.sha256(output.read_bytes()).hexdigest()[:12]
        found = sum(1 for _ in output.open(encoding="utf-8")) - 1
    print(
        f"netra match end to end                                          {wall:6.2f} s "
        f"({found:,} findings, findings.csv sha256 {digest}; peak {max(rss, pss):,.0f} MiB)"
    )
    print(f"ratio netra match / floor: {wall / floor_wall:.2f}x   (target: at most 3x, peak at most 1 GB)")

    steps, *_ = run_child([*me, "steps", roster, manifest])
    s, st = steps["steps"], steps["stats"]
    print(
        f"steps: read+decide rows {s['read']:.2f} s, keys {s['keys']:.2f} s, "
        f"candidates {s['candidates']:.2f} s, decide {s['decide']:.2f} s"
    )
    print(
        f"stages: {st['variants']:,} NIK variants -> {st['nik_pairs']:,} NIK pairs + "
        f"{st['birth_region_pairs']:,} birth+region + {st['birth_gender_pairs']:,} birth+gender + "
        f"{st['district_pairs']:,} damaged NIK's district+name = {st['candidates']:,} candidates -> "
        f"{st['after_gates']:,} after gates -> {st['after_names']:,} after the name filter -> "
        f"{st['findings']:,} findings"
    )
    if options.no_growth:
        return
    print("\ncost growth (read + match, no output written):")
    print(
        f"{'list rows':>10} {'roster':>7} {'seconds':>8} {'peak MiB':>9} {'candidates':>11} {'findings':>9}"
    )
    with tempfile.TemporaryDirectory() as scratch:
        for share in (0.25, 0.5, 1.0):
            for people in (10_000, 50_000):
                sub = _subset(data, Path(scratch) / f"{share}-{people}", share, people)
                out, cell_wall, cell_rss, _ = run_child(
                    [*me, "steps", str(sub.parent / "roster.csv"), str(sub)]
                )
                print(
                    f"{out['list_rows']:>10,} {out['people']:>7,} {cell_wall:>8.2f} {cell_rss:>9,.0f} "
                    f"{out['stats']['candidates']:>11,} {out['findings']:>9,}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
