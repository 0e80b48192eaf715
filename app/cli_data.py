"""``netra lists import``, ``netra rosters import``, ``netra worker`` and the offline ``netra match``.

Imports store a local file as a new version exactly as an upload does (same checks, same transaction, an
audit event under ``cli:<user>``), processing it in this process. ``netra match`` needs no server and no
database: :mod:`app.services.offline` reads the files and matches them in memory.
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
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn

from app.spreadsheet import escape_cell

if TYPE_CHECKING:
    from app.services.offline import ListSource
    from app.services.principals import Principal

lists_app = typer.Typer(help="Party-member and supporter lists.", no_args_is_help=True)
rosters_app = typer.Typer(help="Agency rosters.", no_args_is_help=True)

console = Console()
err = Console(stderr=True)

REJECTED_COLUMNS = ("file", "line", "reason", "message", "raw")


def _cli_principal() -> Principal:
    from app.services.principals import Principal

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


def _load_manifest(manifest: Path) -> list[ListSource]:
    from app.services.offline import ListSource

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


def _write_csv(path: Path, header: Sequence[str], rows: Iterator[Sequence[object]]) -> None:
    # Plain UTF-8 without a BOM: the CSV is for programs, whose readers would otherwise see the first
    # column as "\ufeffroster_line"; people in Excel take the .xlsx output.
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in rows:
            writer.writerow([escape_cell(value) if isinstance(value, str) else value for value in row])


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
    # Imported here: `netra match` starts in a fraction of a second, the rest of `netra` loads no Polars.
    from app.ingest.errors import IngestError
    from app.services import offline

    sources = [offline.ListSource(str(path), list_type, owner, election) for path in lists or []]
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
    try:
        result = offline.match_files(roster, sources, paths, step=lambda label: _spinner(label, show))
    except IngestError as exc:
        err.print(f"[red]Error:[/red] {exc.message}")
        raise typer.Exit(1) from exc
    rejected = result.rejected

    def rejected_rows() -> Iterator[Sequence[object]]:
        for file, rejection in rejected:
            yield (file, rejection.line, rejection.reason, rejection.message, " | ".join(rejection.raw))

    writer = _write_xlsx if output.suffix.lower() == ".xlsx" else _write_csv
    output.parent.mkdir(parents=True, exist_ok=True)
    writer(output, offline.MATCH_COLUMNS, iter(result.findings))
    rejected_path = output.with_name(f"{output.stem}.rejected{output.suffix}")
    writer(rejected_path, REJECTED_COLUMNS, rejected_rows())

    by_class = Counter(str(row[11]) for row in result.findings)
    classes = ", ".join(f"{count:,} {name}" for name, count in sorted(by_class.items())) or "none"
    elapsed = time.perf_counter() - started
    console.print(
        f"{result.people:,} roster rows × {result.list_rows:,} list rows from {len(sources)} list(s) "
        f"({total_bytes / 2**20:,.1f} MiB) in {elapsed:,.1f} s"
    )
    console.print(f"{len(result.findings):,} findings ({classes}) → {output}")
    console.print(f"{len(rejected):,} rejected rows → {rejected_path}")
    if not show:
        sys.stdout.flush()
