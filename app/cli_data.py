"""``netra lists import``, ``netra rosters import``, ``netra worker`` and the offline ``netra match``.

Imports store a local file as a new version exactly as an upload does (same checks, same transaction, an
audit event under ``cli:<user>``), processing it in this process. ``netra match`` needs no server and no
database: it reads the files with :mod:`app.ingest` and matches them in memory with :mod:`matching`.
"""

from __future__ import annotations

import bisect
import csv
import getpass
import json
import sys
import threading
import time
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from itertools import accumulate, repeat
from pathlib import Path
from typing import Annotated, Any, overload

import numpy as np
import numpy.typing as npt
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from app.ingest.batch import Chunk, collector_paused, iter_chunks
from app.ingest.readers import DEFAULT_LIMITS, IngestError, open_table
from app.ingest.rows import Record, Rejection, RowValidator
from app.services.principals import Principal
from matching import matcher as m
from matching.nik_batch import nik_values

lists_app = typer.Typer(help="Party-member and supporter lists.", no_args_is_help=True)
rosters_app = typer.Typer(help="Agency rosters.", no_args_is_help=True)

console = Console()
err = Console(stderr=True)

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
REJECTED_COLUMNS = ("file", "line", "reason", "message", "raw")
# List rows matched at a time: the roster stays in memory, the lists stream past it in batches this big.
# One index over a whole 2M-row list took the process from 340 to 840 MB; matching per batch finds the same
# pairs, since every candidate pair and its score depend on the two records alone.
MATCH_BATCH_ROWS = 250_000


def _cli_principal() -> Principal:
    # The CLI runs with the database's own credentials: whoever can run it administers the service.
    try:
        user = getpass.getuser()
    except Exception:  # no user name in some containers
        user = "unknown"
    return Principal(kind="cli", id=0, name=user, role="admin")


@contextmanager
def _row_progress(label: str) -> Iterator[Callable[[int], None]]:
    """A spinner counting rows on a terminal; silent otherwise."""
    if not console.is_terminal:
        yield lambda _rows: None
        return
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TextColumn("{task.completed:,} rows"),
        console=console,
    ) as progress:
        task = progress.add_task(label, total=None)
        yield lambda rows: progress.update(task, completed=rows)


def _print_version(kind: str, parent_id: int, version: Any) -> None:
    console.print(
        f"{kind} {parent_id} version {version.version}: {version.status} — "
        f"{version.accepted:,} accepted, {version.rejected:,} rejected, {version.flagged:,} flagged"
    )


@lists_app.command("import")
def lists_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="CSV or XLSX")],
    list_type: Annotated[str, typer.Option("--type", help="party_member or supporter")],
    owner: Annotated[str, typer.Option(help="Party or candidate")],
    election: Annotated[str, typer.Option(help="e.g. 'Pemilu 2029'")],
    region: Annotated[str | None, typer.Option(help="Region the list covers")] = None,
    replace: Annotated[int | None, typer.Option(help="Store as a new version of this list id")] = None,
) -> None:
    """Store FILE as a new list (or a new version of list --replace)."""
    from app.cli import service_session
    from app.services import ingestion, lists

    upload = ingestion.describe_file(file)
    with service_session() as session, _row_progress(f"Storing {file.name}") as progress:
        if replace is None:
            result = lists.create_list(
                session,
                _cli_principal(),
                list_type=list_type,
                owner=owner,
                election=election,
                region=region,
                upload=upload,
                inline=True,
                keep_file=True,
                on_progress=progress,
            )
        else:
            result = lists.add_version(
                session, _cli_principal(), replace, upload, inline=True, keep_file=True, on_progress=progress
            )
    assert result.view.watch_list.id is not None
    _print_version("list", result.view.watch_list.id, result.version)


@rosters_app.command("import")
def rosters_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="CSV or XLSX")],
    agency: Annotated[str, typer.Option(help="Agency code")],
    name: Annotated[str | None, typer.Option(help="Roster name (default: the file name)")] = None,
    replace: Annotated[int | None, typer.Option(help="Store as a new version of this roster id")] = None,
) -> None:
    """Store FILE as a new roster of AGENCY (or a new version of roster --replace)."""
    from app.cli import service_session
    from app.services import ingestion, rosters

    upload = ingestion.describe_file(file)
    with service_session() as session, _row_progress(f"Storing {file.name}") as progress:
        if replace is None:
            result = rosters.create_roster(
                session,
                _cli_principal(),
                name=name,
                agency_code=agency,
                upload=upload,
                inline=True,
                keep_file=True,
                on_progress=progress,
            )
        else:
            result = rosters.add_version(
                session, _cli_principal(), replace, upload, inline=True, keep_file=True, on_progress=progress
            )
    assert result.view.roster.id is not None
    _print_version("roster", result.view.roster.id, result.version)


def worker_command(
    once: Annotated[bool, typer.Option(help="Run the queued jobs, then exit")] = False,
    poll: Annotated[float, typer.Option(help="Seconds between polls of an empty queue")] = 1.0,
) -> None:
    """Process queued uploads and check runs (any number of workers may share one PostgreSQL database)."""
    from app import db
    from app.cli import load_settings
    from app.worker import Worker

    settings = load_settings()
    worker = Worker(
        db.get_engine(settings.database_url),
        lease=timedelta(seconds=settings.worker_lease_seconds),
        poll_interval=poll,
    )
    if once:
        console.print(f"{worker.drain()} job(s) done")
        return
    stop = threading.Event()
    try:
        worker.run_until(stop)
    except KeyboardInterrupt:
        stop.set()


# ------------------------------------------------------------------------------------------ netra match


@dataclass(frozen=True)
class ListSource:
    file: str  # as given on the command line or in the manifest
    list_type: str
    owner: str
    election: str


def _read(
    path: Path, kind: str, on_chunk: Callable[[Chunk], None], on_rows: Callable[[int], None]
) -> list[Rejection]:
    """Validate every row a chunk at a time; hand each chunk's accepted rows to ``on_chunk`` (so callers keep
    only what they need: 2M full records with their parses would take gigabytes) and return the
    rejections."""
    rejections: list[Rejection] = []
    with open_table(path, kind=kind, limits=DEFAULT_LIMITS) as table:  # type: ignore[arg-type]
        validator = RowValidator(table.columns, kind)  # type: ignore[arg-type]
        done = 0
        for chunk in iter_chunks(validator, table, storage=False):  # nothing is stored
            on_chunk(chunk)
            rejections += chunk.rejections
            on_rows(validator.summary.rows - done)
            done = validator.summary.rows
    return rejections


def _in_line_order(chunk: Chunk) -> Iterator[Record | tuple[int, int]]:
    """The chunk's accepted rows in line order: each record, and runs ``(start, end)`` of its fast rows."""
    start = 0
    for record in chunk.records:
        end = bisect.bisect(chunk.fast.lines, record.line, lo=start)
        if end > start:
            yield start, end
        yield record
        start = end
    if len(chunk.fast) > start:
        yield start, len(chunk.fast)


class _ListRows(Sequence[m.ListEntry]):
    """The accepted rows of every list file, kept as compact columns; ``ListEntry`` objects are made when the
    matcher asks for them (2M rows as objects with their strings took over a gigabyte).

    A position is the entry's ``ref``; rows are appended in file order, files one after the other.
    """

    def __init__(self) -> None:
        self.nik = array("q")  # bulk-decided rows: the 16-digit NIK; -1: a record kept whole in ``slow``
        self.line = array("q")
        self.source = array("H")
        self.gender = bytearray()  # 0 None, 1 "M", 2 "F"
        self.regency: list[str | None] = []
        self.slow: dict[int, tuple[m.ListEntry, str]] = {}
        self._blobs: list[str] = []  # names, one string per run of rows ...
        self._firsts: list[int] = []  # ... starting at this position ...
        self._offsets: list[array[int]] = []  # ... and each name's start in the string (plus the end)

    def __len__(self) -> int:
        return len(self.line)

    def add(self, chunk: Chunk, source: int) -> None:
        from app.ingest.tables import regency_code

        fast = chunk.fast
        for part in _in_line_order(chunk):
            if isinstance(part, Record):
                position = len(self.line)
                self.slow[position] = (_list_entry(part, position), _nik_text(part))
                self._append(source, [-1], [part.line], [part.name], [None], [None])
            else:
                a, b = part
                regencies = fast.texts.get("regency")
                self._append(
                    source,
                    fast.nik_values[a:b].tolist(),
                    fast.lines[a:b],
                    fast.name[a:b],
                    fast.gender[a:b],
                    map(regency_code, regencies[a:b]) if regencies is not None else repeat(None, b - a),
                )

    def _append(
        self,
        source: int,
        niks: Iterable[int],
        lines: Sequence[int],
        names: Sequence[str],
        genders: Iterable[str | None],
        regencies: Iterable[str | None],
    ) -> None:
        self._firsts.append(len(self.line))
        self._blobs.append("".join(names))
        self._offsets.append(array("q", accumulate(map(len, names), initial=0)))
        self.nik.extend(niks)
        self.line.extend(lines)
        self.source.extend(repeat(source, len(lines)))
        self.gender.extend(_GENDER_CODES[g] for g in genders)
        self.regency.extend(regencies)

    def nik_values(self) -> npt.NDArray[np.int64]:
        """Every row's NIK as :func:`matching.nik_batch.nik_values` gives it, for ``ListIndex``: bulk rows
        already hold a clean 16-digit NIK; only the few rows kept whole are parsed."""
        values = np.frombuffer(self.nik, dtype=np.int64).copy()
        slow = sorted(self.slow)
        values[slow] = nik_values([self.slow[position][0].nik or "" for position in slow])
        return values

    def name(self, position: int) -> str:
        run = bisect.bisect_right(self._firsts, position) - 1
        offsets = self._offsets[run]
        at = position - self._firsts[run]
        return self._blobs[run][offsets[at] : offsets[at + 1]]

    def shown_nik(self, position: int) -> str:
        value = self.nik[position]
        return f"{value:016d}" if value >= 0 else self.slow[position][1]

    @overload
    def __getitem__(self, index: int) -> m.ListEntry: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[m.ListEntry]: ...
    def __getitem__(self, index: int | slice) -> m.ListEntry | Sequence[m.ListEntry]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        value = self.nik[index]
        if value < 0:
            return self.slow[index][0]
        return m.ListEntry(
            index,
            f"{value:016d}",
            self.name(index),
            None,
            self.regency[index],
            _GENDERS[self.gender[index]],
        )


_GENDER_CODES: dict[str | None, int] = {None: 0, "M": 1, "F": 2}
_GENDERS: tuple[str | None, ...] = (None, "M", "F")


def _load_manifest(manifest: Path) -> list[ListSource]:
    try:
        items = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise typer.BadParameter(f"cannot read the manifest: {exc}") from exc
    if not isinstance(items, list):
        raise typer.BadParameter("the manifest must be a JSON array of objects")
    sources = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("file"), str):
            raise typer.BadParameter('each manifest item needs at least {"file": ...}')
        sources.append(
            ListSource(
                item["file"],
                str(item.get("list_type", "")),
                str(item.get("owner", "")),
                str(item.get("election", "")),
            )
        )
    return sources


def _resolve(source: ListSource, manifest: Path | None) -> Path:
    path = Path(source.file)
    if not path.is_absolute() and manifest is not None and not path.exists():
        path = manifest.parent / path  # relative to the manifest, as people write them
    return path


def _safe(value: object) -> object:
    # Spreadsheets run cells starting with = + - @ as formulas.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def _write_csv(path: Path, header: Sequence[str], rows: Iterator[Sequence[object]]) -> None:
    # Plain UTF-8 without a BOM: the CSV is for programs, whose readers would otherwise see the first
    # column as "\ufeffroster_line"; people in Excel take the .xlsx output.
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in rows:
            writer.writerow([_safe(value) for value in row])


def _write_xlsx(path: Path, header: Sequence[str], rows: Iterator[Sequence[object]]) -> None:
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False})
    try:
        sheet = workbook.add_worksheet("findings")
        text = workbook.add_format({"num_format": "@"})
        sheet.write_row(0, 0, header)
        for r, row in enumerate(rows, 1):
            for c, value in enumerate(row):
                if isinstance(value, str):
                    sheet.write_string(r, c, value, text)  # NIKs as text: Excel keeps 15 digits of numbers
                else:
                    sheet.write(r, c, value)
    finally:
        workbook.close()


def match_command(
    roster: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="Roster CSV or XLSX")],
    lists: Annotated[list[Path] | None, typer.Argument(help="List files (or use --manifest)")] = None,
    manifest: Annotated[
        Path | None,
        typer.Option(
            exists=True, dir_okay=False, help='JSON array of {"file", "list_type", "owner", "election"}'
        ),
    ] = None,
    output: Annotated[Path, typer.Option("--output", "-o", help="findings.csv or findings.xlsx")] = Path(
        "findings.csv"
    ),
    list_type: Annotated[str, typer.Option(help="list_type of lists named on the command line")] = "",
    owner: Annotated[str, typer.Option(help="owner of lists named on the command line")] = "",
    election: Annotated[str, typer.Option(help="election of lists named on the command line")] = "",
) -> None:
    """Cross-check a roster against lists offline (no server, no database); writes findings, rejected rows."""
    started = time.perf_counter()
    sources = [ListSource(str(path), list_type, owner, election) for path in lists or []]
    if manifest is not None:
        sources += _load_manifest(manifest)
    if not sources:
        raise typer.BadParameter("name at least one list file or a --manifest")
    if output.suffix.lower() not in (".csv", ".xlsx"):
        raise typer.BadParameter("--output must end in .csv or .xlsx")
    paths = [_resolve(source, manifest) for source in sources]
    for source, path in zip(sources, paths, strict=True):
        if not path.is_file():
            raise typer.BadParameter(f"list file not found: {source.file}")

    total_bytes = roster.stat().st_size + sum(path.stat().st_size for path in paths)
    show = console.is_terminal
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,} rows"),
        TimeElapsedColumn(),
        console=console,
        disable=not show,
    )
    rejected: list[tuple[str, Rejection]] = []
    people: list[m.RosterPerson] = []
    roster_shown: list[tuple[int, str, str]] = []
    # (roster position, list row number, output row): rows are written in that order once all are matched.
    matched: list[tuple[int, int, tuple[object, ...]]] = []
    batch = _ListRows()
    list_rows = 0

    def match_batch() -> None:
        nonlocal batch, list_rows
        for finding in m.ListIndex(batch, nik_values=batch.nik_values()).match(people):
            person, position = int(finding.roster_ref), int(finding.list_ref)
            roster_line, roster_nik, roster_name = roster_shown[person]
            source = sources[batch.source[position]]
            row = (
                roster_line,
                roster_nik,
                roster_name,
                source.file,
                batch.line[position],
                batch.shown_nik(position),
                batch.name(position),
                source.list_type,
                source.owner,
                source.election,
                finding.kind,
                finding.match_class,
                round(finding.score, 4),
                finding.explanation_text(),
            )
            matched.append((person, list_rows + position, row))
        list_rows += len(batch)
        batch = _ListRows()

    def add_list_rows(chunk: Chunk, source: int) -> None:
        batch.add(chunk, source)
        if len(batch) >= MATCH_BATCH_ROWS:
            match_batch()

    try:
        with collector_paused(), progress:
            task = progress.add_task(f"Reading {roster.name}", total=None)

            def keep_people(chunk: Chunk) -> None:
                fast = chunk.fast
                for part in _in_line_order(chunk):
                    if isinstance(part, Record):
                        people.append(_roster_person(part, len(people)))
                        roster_shown.append((part.line, _nik_text(part), part.name))
                    else:
                        a, b = part
                        refs = range(len(people), len(people) + b - a)
                        people.extend(map(m.RosterPerson, refs, fast.nik[a:b], fast.name[a:b]))
                        roster_shown.extend(zip(fast.lines[a:b], fast.nik[a:b], fast.name[a:b], strict=True))

            rejections = _read(roster, "roster", keep_people, lambda n: progress.advance(task, n))
            rejected += [(str(roster), rej) for rej in rejections]
            for index, (source, path) in enumerate(zip(sources, paths, strict=True)):
                progress.update(task, description=f"Matching {path.name}")
                rejections = _read(
                    path,
                    "list",
                    lambda chunk, index=index: add_list_rows(chunk, index),  # type: ignore[misc]
                    lambda n: progress.advance(task, n),
                )
                rejected += [(source.file, rej) for rej in rejections]
            match_batch()
    except IngestError as exc:
        err.print(f"[red]Error:[/red] {exc.message}")
        raise typer.Exit(1) from exc
    matched.sort(key=lambda item: item[:2])

    def rejected_rows() -> Iterator[Sequence[object]]:
        for file, rejection in rejected:
            yield (file, rejection.line, rejection.reason, rejection.message, " | ".join(rejection.raw))

    writer = _write_xlsx if output.suffix.lower() == ".xlsx" else _write_csv
    output.parent.mkdir(parents=True, exist_ok=True)
    writer(output, MATCH_COLUMNS, (row for _, _, row in matched))
    rejected_path = output.with_name(f"{output.stem}.rejected{output.suffix}")
    writer(rejected_path, REJECTED_COLUMNS, rejected_rows())

    by_class = Counter(str(row[11]) for _, _, row in matched)
    classes = ", ".join(f"{count:,} {name}" for name, count in sorted(by_class.items())) or "none"
    elapsed = time.perf_counter() - started
    console.print(
        f"{len(people):,} roster rows × {list_rows:,} list rows from {len(sources)} list(s) "
        f"({total_bytes / 2**20:,.1f} MiB) in {elapsed:,.1f} s"
    )
    console.print(f"{len(matched):,} findings ({classes}) → {output}")
    console.print(f"{len(rejected):,} rejected rows → {rejected_path}")
    if not show:
        sys.stdout.flush()


def _nik_text(record: Record) -> str:
    if record.nik is not None:
        return record.nik
    return record.nik_info.raw if record.nik_info is not None else ""


def _list_entry(record: Record, ref: int) -> m.ListEntry:
    from app.ingest.tables import list_entry

    return list_entry(record, ref)


def _roster_person(record: Record, ref: int) -> m.RosterPerson:
    from app.ingest.tables import roster_person

    return roster_person(record, ref)
