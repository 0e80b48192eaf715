"""``netra lists import``, ``netra rosters import``, ``netra worker`` and the offline ``netra match``.

Imports store a local file as a new version exactly as an upload does (same checks, same transaction, an
audit event under ``cli:<user>``), processing it in this process. ``netra match`` needs no server and no
database: it reads the files with :mod:`app.ingest` and matches them in memory with :mod:`matching`.
"""

from __future__ import annotations

import csv
import getpass
import json
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, overload

import polars as pl
import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn

from app.ingest.entries import regency_codes
from app.ingest.errors import IngestError
from app.ingest.limits import DEFAULT_LIMITS
from app.ingest.rules import FileRules, Rejection
from app.ingest.table import open_table
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


def _cli_principal() -> Principal:
    # The CLI runs with the database's own credentials: whoever can run it administers the service.
    try:
        user = getpass.getuser()
    except Exception:  # no user name in some containers
        user = "unknown"
    return Principal(kind="cli", id=0, name=user, role="admin")


@contextmanager
def _spinner(label: str, show: bool) -> Iterator[None]:
    """A spinner on a terminal while a step runs; silent otherwise."""
    if not show:
        yield
        return
    with console.status(label):
        yield


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


@dataclass
class _FileRows:
    """One file's accepted rows (:data:`app.ingest.rules.ACCEPTED_COLUMNS`) and its rejections."""

    accepted: pl.DataFrame
    rejections: list[Rejection]


def _read(path: Path, kind: str) -> _FileRows:
    """Read and decide every row of a file, keeping what matching needs (nothing is stored)."""
    with open_table(path, kind=kind, limits=DEFAULT_LIMITS) as table:  # type: ignore[arg-type]
        rules = FileRules(table.columns, kind, storing=False)  # type: ignore[arg-type]
        frames: list[pl.DataFrame] = []
        rejections: list[Rejection] = []
        for batch in table.batches():
            checked = rules.check(batch)
            frames.append(checked.accepted)
            rejections += checked.rejections
        rules.finish()
    return _FileRows(pl.concat(frames, rechunk=False), rejections)


class _ListRows(Sequence[m.ListEntry]):
    """The accepted rows of every list file as columns; a ``ListEntry`` is made when the matcher asks for
    one (2M rows as objects took over a gigabyte). A position is the entry's ``ref``; files follow each
    other in the order given."""

    def __init__(self, files: Sequence[pl.DataFrame]) -> None:
        parts = [
            frame.with_columns(source=pl.lit(index, dtype=pl.UInt16)) for index, frame in enumerate(files)
        ]
        rows = pl.concat(parts, rechunk=True) if parts else pl.DataFrame()
        self.rows = rows.with_columns(regency=regency_codes(rows["regency"])) if rows.height else rows
        self.nik_raw = self.rows["nik_raw"].to_list() if rows.height else []
        self.name = self.rows["name"].to_list() if rows.height else []
        self.line = self.rows["line"].to_list() if rows.height else []
        self.source = self.rows["source"].to_list() if rows.height else []
        self.shown = self.rows.select(pl.coalesce("nik", "nik_raw"))[:, 0].to_list() if rows.height else []

    def __len__(self) -> int:
        return self.rows.height

    def nik_values(self) -> Any:
        """Every row's NIK as :func:`matching.nik_batch.nik_values` gives it, for ``ListIndex``."""
        return nik_values(self.nik_raw)

    @overload
    def __getitem__(self, index: int) -> m.ListEntry: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[m.ListEntry]: ...
    def __getitem__(self, index: int | slice) -> m.ListEntry | Sequence[m.ListEntry]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        row = self.rows.row(index, named=True)
        return m.ListEntry(
            index,
            row["nik_raw"] or None,
            row["name"],
            row["birth_date"],
            row["regency"],
            row["gender"],
            row["possibly_truncated"],
        )


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
    files = [(roster, "roster"), *((path, "list") for path in paths)]
    try:
        with _spinner("Reading and checking the files", show):
            # Two files at a time: reading and deciding rows is mostly Polars, which releases the GIL.
            with ThreadPoolExecutor(max_workers=2) as pool:
                read = list(pool.map(lambda item: _read(*item), files))
    except IngestError as exc:
        err.print(f"[red]Error:[/red] {exc.message}")
        raise typer.Exit(1) from exc
    roster_rows, list_files = read[0], read[1:]
    rejected: list[tuple[str, Rejection]] = [(str(roster), rej) for rej in roster_rows.rejections]
    for source, rows in zip(sources, list_files, strict=True):
        rejected += [(source.file, rej) for rej in rows.rejections]
    people_frame = roster_rows.accepted
    people = [
        m.RosterPerson(ref, raw, name, nip, bool(truncated))
        for ref, (raw, name, nip, truncated) in enumerate(
            people_frame.select("nik_raw", "name", "nip", "possibly_truncated").iter_rows()
        )
    ]
    roster_shown = people_frame.select("line", pl.coalesce("nik", "nik_raw"), "name").rows()
    batch = _ListRows([rows.accepted for rows in list_files])
    list_rows = len(batch)
    # (roster position, list row number, output row): rows are written in that order once all are matched.
    matched: list[tuple[int, int, tuple[object, ...]]] = []
    with _spinner("Matching", show):
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
                batch.shown[position],
                batch.name[position],
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
