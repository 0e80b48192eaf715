"""The offline cross-check behind ``netra match``: files read and decided by :mod:`app.ingest`, matched in
memory by :mod:`matching.engine`; nothing is stored and no database is needed.

Every accepted row stays in memory as columns (2,000,000 list rows take a few hundred megabytes); the
engine turns only candidate pairs into Python objects, so the run costs the reading plus the matching,
each timed in :attr:`OfflineMatch.seconds` for the benchmark.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from app.ingest.entries import regency_codes
from app.ingest.limits import DEFAULT_LIMITS
from app.ingest.rules import FileRules, Rejection
from app.ingest.table import open_table
from matching import engine
from matching.records import RosterPerson

MATCH_COLUMNS = (
    "roster_line",
    "roster_nik",
    "roster_name",
    "list_file",
    "list_line",
    "list_nik",
    "list_name",
    "list_type",
    "owner",
    "election",
    "kind",
    "class",
    "score",
    "explanation",
)
READ_BLOCK_BYTES = 16 * 2**20
"""Every accepted row is kept in memory anyway: larger blocks than an upload's pay the per-block cost less."""

Step = Callable[[str], AbstractContextManager[object]]


@dataclass(frozen=True)
class ListSource:
    file: str  # as given on the command line or in the manifest
    list_type: str
    owner: str
    election: str


_ROSTER_FIELDS = ("line", "nik", "nik_raw", "name", "nip", "possibly_truncated")
_LIST_FIELDS = ("line", "nik", "nik_raw", "nik_usable", "name", "birth_date", "regency", "gender",
                "possibly_truncated")  # fmt: skip


@dataclass
class FileRows:
    """One file's accepted rows (the columns matching reads), its rejections and, for a list, its keys."""

    accepted: pl.DataFrame
    rejections: list[Rejection]
    keys: engine.ListKeys | None = None


@dataclass
class OfflineMatch:
    people: int
    list_rows: int
    findings: list[tuple[object, ...]]
    """Rows of :data:`MATCH_COLUMNS`, by roster then list position."""
    rejected: list[tuple[str, Rejection]]
    """Each rejected row with the file it came from, roster first."""
    stats: engine.Stats = field(default_factory=engine.Stats)
    seconds: dict[str, float] = field(default_factory=dict)
    """Wall time of each step: ``read`` (with the lists' keys), ``keys``, ``candidates``, ``decide``."""


def read_file(path: Path, kind: str) -> FileRows:
    """Read and decide every row of a file, keeping what matching needs; a list's keys too, so that they
    are built in the reading threads."""
    fields = _ROSTER_FIELDS if kind == "roster" else _LIST_FIELDS
    with open_table(path, kind=kind, limits=DEFAULT_LIMITS) as table:  # type: ignore[arg-type]
        rules = FileRules(table.columns, kind, storing=False)  # type: ignore[arg-type]
        frames: list[pl.DataFrame] = []
        rejections: list[Rejection] = []
        for batch in table.batches(block_bytes=READ_BLOCK_BYTES):
            checked = rules.check(batch)
            frames.append(checked.accepted.select(fields))
            rejections += checked.rejections
        rules.finish()
    accepted = pl.concat(frames)
    if kind == "roster":
        return FileRows(accepted, rejections)
    accepted = accepted.with_columns(regency=regency_codes(accepted["regency"]))
    usable = accepted.select(pl.when(pl.col("nik_usable")).then(pl.col("nik"))).to_series()
    keys = engine.ListKeys.build(
        usable, accepted["birth_date"], accepted["regency"], accepted["name"], accepted["nik_raw"]
    )
    return FileRows(accepted, rejections, keys)


def _no_step(_: str) -> AbstractContextManager[object]:
    return nullcontext()


def match_files(
    roster: Path, sources: Sequence[ListSource], paths: Sequence[Path], *, step: Step = _no_step
) -> OfflineMatch:
    """Match the roster file against the list files (``paths[i]`` is ``sources[i]``'s file).

    ``step`` wraps each step with a label (the CLI's spinner). Raises
    :class:`~app.ingest.errors.IngestError` for a file that cannot be read at all.
    """
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    with step("Reading and checking the files"):
        # Two files at a time: reading and deciding rows is mostly Polars, which releases the GIL.
        files = [(roster, "roster"), *((path, "list") for path in paths)]
        with ThreadPoolExecutor(max_workers=2) as pool:
            read = list(pool.map(lambda item: read_file(*item), files))
    seconds["read"] = time.perf_counter() - started
    roster_rows, list_files = read[0], read[1:]
    rejected: list[tuple[str, Rejection]] = [(str(roster), rej) for rej in roster_rows.rejections]
    for source, rows in zip(sources, list_files, strict=True):
        rejected += [(source.file, rej) for rej in rows.rejections]

    with step("Matching"):
        found, stats = _match(roster_rows.accepted, list_files, sources, seconds)
    return OfflineMatch(
        people=roster_rows.accepted.height,
        list_rows=sum(rows.accepted.height for rows in list_files),
        findings=found,
        rejected=rejected,
        stats=stats,
        seconds=seconds,
    )


def _match(
    people_frame: pl.DataFrame,
    list_files: Sequence[FileRows],
    sources: Sequence[ListSource],
    seconds: dict[str, float],
) -> tuple[list[tuple[object, ...]], engine.Stats]:
    stats = engine.Stats()
    started = time.perf_counter()
    entries = pl.concat(
        rows.accepted.with_columns(source=pl.lit(index, dtype=pl.UInt16))
        for index, rows in enumerate(list_files)
    )
    list_keys = engine.ListKeys.concat(
        [(rows.keys, rows.accepted.height) for rows in list_files if rows.keys]
    )
    keys = engine.roster_keys(people_frame["nik_raw"], people_frame["nip"], people_frame["name"])
    seconds["keys"] = time.perf_counter() - started

    started = time.perf_counter()
    pairs = engine.candidates(keys, list_keys, stats)
    seconds["candidates"] = time.perf_counter() - started

    started = time.perf_counter()
    people = [
        RosterPerson(ref, raw, name, nip, bool(truncated))
        for ref, (raw, name, nip, truncated) in enumerate(
            people_frame.select("nik_raw", "name", "nip", "possibly_truncated").iter_rows()
        )
    ]
    details = (
        entries.with_row_index("e")
        .with_columns(pl.col("e").cast(pl.Int64))
        .join(pairs.select("e").unique(), on="e")
        .select(
            "e", "line", "source", "name", "birth_date", "regency", "gender",
            nik=pl.when(pl.col("nik_raw") != "").then(pl.col("nik_raw")),
            shown=pl.coalesce("nik", "nik_raw"),
            numeric_cell=pl.col("possibly_truncated"),
        )
    )  # fmt: skip
    found = engine.decide(pairs, keys, people, details, stats)
    # Rows only for what is reported: the candidates are many times the findings.
    reported = pl.DataFrame({"e": [int(f.list_ref) for f in found]}, schema={"e": pl.Int64}).unique()
    listed = {row["e"]: row for row in details.join(reported, on="e").to_dicts()}
    roster_shown = people_frame.select("line", pl.coalesce("nik", "nik_raw"), "name").rows()
    matched: list[tuple[int, int, tuple[object, ...]]] = []
    for finding in found:
        person, position = int(finding.roster_ref), int(finding.list_ref)
        roster_line, roster_nik, roster_name = roster_shown[person]
        entry = listed[position]
        source = sources[entry["source"]]
        row = (
            roster_line,
            roster_nik,
            roster_name,
            source.file,
            entry["line"],
            entry["shown"],
            entry["name"],
            source.list_type,
            source.owner,
            source.election,
            finding.kind,
            finding.match_class,
            round(finding.score, 4),
            finding.explanation_text(),
        )
        matched.append((person, position, row))
    matched.sort(key=lambda item: item[:2])
    seconds["decide"] = time.perf_counter() - started
    return [row for _, _, row in matched], stats
