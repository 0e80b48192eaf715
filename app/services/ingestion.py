"""Store an uploaded list or roster file as a new version: atomically, in bulk, with every row accounted for.

The life of a version (``app.models.VERSION_STATUSES``)::

    create_version ──> pending ──process_version──> processing ──> active ──(next version)──> superseded
                                                             ├──> failed (reason in ``error``)
                                                             └──> held ──activate_held──> active
                                                                   └──discard_held──> failed

A version that keeps far fewer rows than the active one (``NETRA_VERSION_HOLD_BELOW``) is stored but held:
the previous version stays the one checks read until someone confirms the new one.

:func:`create_version` commits the version row and an ``ingest_<source>`` job together, so an upload that
is never processed is still visible (and a worker will pick it up). :func:`process_version` then reads the
file through :mod:`app.ingest` and, in **one transaction**, bulk-writes every accepted row (with its
normalised NIK and the blocking keys of :mod:`matching.blocking`) and every rejection, supersedes the
previous version and points the parent's ``active_version_id`` at the new one. Until that commit readers
see the previous version; if the process dies half-way the database rolls everything back and the job's
lease runs out, so another worker processes the file again. A file that cannot be read is marked
``failed`` with the reason in a separate transaction, after the rollback.

Bulk writes: PostgreSQL ``COPY … FROM STDIN`` (psycopg 3 ``cursor.copy()``), SQLite batched
``executemany`` on the same DBAPI connection, so both join the session's transaction.

Progress (``rows_processed``) is written from a second connection on PostgreSQL. SQLite lets one writer
at a time, and the version's own transaction is that writer, so there progress lives in this process
(:func:`live_progress`) and readers in the same process (the embedded worker's web app) overlay it.

After a list version becomes active, the functions registered with :func:`on_list_version_activated`
run inside the same transaction (continuous screening enqueues its re-checks there).
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import re
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack, closing
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from queue import Empty, Queue
from typing import Any, BinaryIO, TypeVar, cast

import polars as pl
from sqlalchemy import Connection, Engine, delete, func, select, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col

from app import db
from app.config import get_settings
from app.errors import Conflict, NetraError, NotFound, PayloadTooLarge, UnsupportedFile, ValidationFailed
from app.ingest.entries import (
    LIST_COLUMNS,
    REJECTION_COLUMNS,
    ROSTER_COLUMNS,
    FileRead,
    Source,
    read_file,
)
from app.ingest.errors import IngestError
from app.ingest.limits import Limits
from app.ingest.table import open_table
from app.models import (
    Finding,
    Job,
    ListEntry,
    ListVersion,
    Roster,
    RosterEntry,
    RosterVersion,
    WatchList,
    table_of,
    utcnow,
)
from app.models import Rejection as RejectionRow
from app.services import jobs, staging

log = logging.getLogger(__name__)

VersionRow = ListVersion | RosterVersion
Parent = WatchList | Roster

PROGRESS_SECONDS = 0.5
SQLITE_CACHE_KIB = 64 * 1024
REBUILD_MIN_ROWS = 200_000
MIN_BYTES_PER_ROW = 8
"""Fewer bytes than any row of a CSV or XLSX file takes (a 16-digit NIK alone is 16; XLSX compresses to
about 18 per row): a file's size divided by it bounds its rows from above."""
SQLITE_SORT_THREADS = min(os.cpu_count() or 1, 4)
"""Threads SQLite may use to sort while it rebuilds indexes (its own worker threads; measured on 2 cores,
seven indexes over 2M rows: 9.6 s -> 7.8 s on average of three)."""
REJECTIONS_BATCH = 20_000
COPY_SLICE_ROWS = 50_000


# --------------------------------------------------------------------------------------------------- errors


FILE_GONE = "The uploaded file is no longer available."


def nothing_accepted(source: str, rejected: int, reasons: dict[str, int]) -> IngestFailed:
    listed = ", ".join(
        f"{count:,} {reason}" for reason, count in sorted(reasons.items(), key=lambda r: -r[1])
    )
    return IngestFailed(
        f"No row of the file was accepted ({rejected:,} rejected: {listed or 'none'}); the {source}'s "
        "previous version stays active. Download the rejected rows to see why each was refused.",
        extra={"code": "nothing_accepted", "rejected": rejected, "reasons": reasons},
    )


class IngestFailed(ValidationFailed):
    """A file that cannot be ingested; ``extra`` carries the reader's stable ``code``."""

    slug = "ingest-failed"
    title = "File cannot be ingested"


class UploadTooLarge(PayloadTooLarge):
    slug = "upload-too-large"


def domain_error(exc: IngestError) -> NetraError:
    """The reader's file-level error as the service's problem, with its suggested HTTP status."""
    extra = {"code": exc.code, "message_id": exc.message_id, **exc.detail}
    if exc.http_status == 413:
        return PayloadTooLarge(exc.message, extra=extra)
    if exc.http_status == 415:
        return UnsupportedFile(exc.message, extra=extra)
    return IngestFailed(exc.message, status=exc.http_status, extra=extra)


# --------------------------------------------------------------------------------------------------- uploads


@dataclass(frozen=True, slots=True)
class UploadedFile:
    """A file on local disk ready to ingest, with what the version records about it."""

    path: Path
    name: str
    size: int
    sha256: str
    max_decompressed_bytes: int | None = None
    """The deployment's bound on an XLSX's inflated size when it was uploaded (None: the configured one)."""


class UploadSink:
    """Receives an upload chunk by chunk: counts, hashes and writes it, refusing more than ``max_bytes``.

    Nothing past the limit is written, so a client cannot fill the disk by lying about its size.
    """

    def __init__(
        self, directory: Path, *, max_bytes: int, file_name: str, max_decompressed_bytes: int | None = None
    ) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix="upload-", suffix=".bin", dir=directory)
        self.path = Path(name)
        self._file: BinaryIO = os.fdopen(fd, "wb")
        self._hash = hashlib.sha256()
        self.size = 0
        self.max_bytes = max_bytes
        self.file_name = file_name
        self.max_decompressed_bytes = max_decompressed_bytes

    def write(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.max_bytes:
            self.discard()
            raise UploadTooLarge(
                f"The upload exceeds the limit of {self.max_bytes:,} bytes.",
                extra={"limit": self.max_bytes},
            )
        self._hash.update(chunk)
        self._file.write(chunk)

    def finish(self) -> UploadedFile:
        self._file.close()
        return UploadedFile(
            self.path, self.file_name, self.size, self._hash.hexdigest(), self.max_decompressed_bytes
        )

    def discard(self) -> None:
        self._file.close()
        self.path.unlink(missing_ok=True)


def describe_file(path: Path, name: str | None = None) -> UploadedFile:
    """Size and SHA-256 of a local file (the CLI's imports), read in chunks."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return UploadedFile(path, name or path.name, size, digest.hexdigest())


# --------------------------------------------------------------------------------------------------- bulk


class _BulkWriter:
    """Appends rows to a table on the session's own DBAPI connection, inside its transaction.

    ``rebuild_indexes`` lets a big load into a small table build the indexes once, by sorting, rather than
    insert millions of random keys into seven B-trees (several times slower). On SQLite, once the load has
    written as many rows as the table held (and at least ``REBUILD_MIN_ROWS``), it drops the table's
    indexes and :meth:`finish` creates them again (under WAL, readers keep using the old ones until the
    commit). On PostgreSQL, a file that may hold that many rows (``source_bytes``, at
    ``MIN_BYTES_PER_ROW``) is copied into a staging table from its first row, which :meth:`finish` swaps
    in or appends (:mod:`app.services.staging`); decided up front, so that the load never holds a lock on
    the table that a swap would wait for. Either way it happens in the version's transaction, so a
    rollback (or a kill) leaves the table as it was.
    """

    def __init__(
        self,
        session: Session,
        table: str,
        columns: tuple[str, ...],
        *,
        rebuild_indexes: bool = False,
        source_bytes: int = 0,
    ) -> None:
        connection = session.connection()
        self.postgres = connection.dialect.name == "postgresql"
        raw: Any = connection.connection.driver_connection
        self.raw = raw
        self.table = table
        self.columns = columns
        self.written = 0
        self._stack: ExitStack | None = None
        self._stream: Any = None
        self.dropped: list[str] = []
        self.staging_table: str | None = None
        self.rebuild_after: int | None = None
        if rebuild_indexes and self.postgres:
            # An estimate, and no lock on the table; the merge counts exactly.
            held_sql = f"SELECT reltuples FROM pg_class WHERE oid = '{table}'::regclass"
            held = raw.execute(held_sql).fetchone()[0]
            if source_bytes // MIN_BYTES_PER_ROW >= max(int(held), REBUILD_MIN_ROWS):
                with raw.cursor() as cursor:
                    self.staging_table = staging.create(cursor, table)
        elif rebuild_indexes:
            held = raw.execute(f"SELECT max(rowid) FROM {table}").fetchone()[0] or 0
            self.rebuild_after = max(int(held), REBUILD_MIN_ROWS)
        names = ", ".join(columns)
        self.copy_sql = f"COPY {self.staging_table or table} ({names}) FROM STDIN"
        self.copy_csv_sql = f"{self.copy_sql} (FORMAT csv, NULL '\\N')"
        self.insert_sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(columns))})"

    def _drop_indexes(self) -> None:
        found = self.raw.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
            (self.table,),
        ).fetchall()
        for name, sql in found:
            self.raw.execute(f'DROP INDEX "{name}"')
            self.dropped.append(sql)

    def finish(self) -> None:
        """End the load: complete the open ``COPY``, move staged rows in, create dropped indexes again."""
        self.pause()
        if self.staging_table is not None:
            with self.raw.cursor() as cursor:
                staging.merge(
                    cursor,
                    self.table,
                    self.staging_table,
                    load_rows=self.written,
                    min_rows=REBUILD_MIN_ROWS,
                )
            self.staging_table = None
        if not self.dropped:
            return
        previous = self.raw.execute("PRAGMA threads").fetchone()[0]
        self.raw.execute(f"PRAGMA threads={SQLITE_SORT_THREADS}")
        try:
            for sql in self.dropped:
                self.raw.execute(sql)
        finally:
            self.raw.execute(f"PRAGMA threads={int(previous)}")
        self.dropped = []

    def write_frame(self, frame: pl.DataFrame) -> None:
        """Append a batch of rows; on PostgreSQL the ``COPY`` stays open for the next batch."""
        if not frame.height:
            return
        if self.postgres:
            # Polars writes the rows as CSV on all cores, a slice at a time to bound memory; every string is
            # quoted, so only the unquoted \N marker is NULL.
            for part in frame.iter_slices(COPY_SLICE_ROWS):
                buffer = io.BytesIO()
                part.write_csv(buffer, include_header=False, null_value="\\N", quote_style="non_numeric")
                self._copy(buffer.getbuffer())
            self.written += frame.height
        else:
            self.write(frame.iter_rows())

    def _copy(self, text: str | memoryview, *, csv: bool = True) -> None:
        # One pre-formatted block per batch: several times faster than write_row() per row.
        if self._stream is None:
            from psycopg.copy import QueuedLibpqWriter

            stack = ExitStack()
            cursor = stack.enter_context(self.raw.cursor())
            # A thread sends the data, so the server copies one batch while this one reads the next.
            sql = self.copy_csv_sql if csv else self.copy_sql
            self._stream = stack.enter_context(cursor.copy(sql, writer=QueuedLibpqWriter(cursor)))
            self._stack = stack
        self._stream.write(text)

    def pause(self) -> None:
        """End the open ``COPY``, if any, so the connection can run another statement."""
        self.__exit__(None, None, None)

    def __enter__(self) -> _BulkWriter:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        """End the open ``COPY``; on an error, abort it (so the transaction can roll back) and re-raise."""
        stack, self._stack, self._stream = self._stack, None, None
        if stack is not None:
            stack.__exit__(*exc_info)

    def write(self, rows: Iterable[tuple[Any, ...]]) -> None:
        """Append rows; on PostgreSQL as one ``COPY`` of its own (text format)."""
        if self.postgres:
            block = list(rows)
            if not block:
                return
            self.written += len(block)
            self._copy(copy_text(block), csv=False)
            self.pause()
        else:
            before = self.raw.total_changes
            self.raw.executemany(self.insert_sql, rows)
            self.written += self.raw.total_changes - before
            if self.rebuild_after is not None and self.written >= self.rebuild_after:
                self.rebuild_after = None
                self._drop_indexes()


_COPY_SPECIAL = re.compile(r"[\\\t\n\r]")
# dict.get(value, value) through map() swaps None for the COPY marker at C speed, other values untouched.
_NULL_AS_MARKER = {None: "\\N"}
_NULL_AS_EMPTY = {None: ""}
_BOOL_TEXT = {None: "\\N", True: "t", False: "f"}


def _copy_column(values: Sequence[Any]) -> list[str]:
    """One column in PostgreSQL COPY text format (``\\N`` for NULL, backslash escapes).

    Every pass is a C-level ``map`` or ``join``: a comprehension per value cost a third of storing a
    two-million-row list on PostgreSQL.
    """
    kinds = set(map(type, values))
    kinds.discard(type(None))
    nulls = None in values
    if kinds <= {str}:
        if _COPY_SPECIAL.search("".join(map(_NULL_AS_EMPTY.get, values, values) if nulls else values)):
            return [
                "\\N"
                if value is None
                else value.replace("\\", "\\\\")
                .replace("\t", "\\t")
                .replace("\n", "\\n")
                .replace("\r", "\\r")
                for value in values
            ]
        return list(map(_NULL_AS_MARKER.get, values, values)) if nulls else list(values)
    if kinds == {bool}:
        return list(map(_BOOL_TEXT.__getitem__, values))
    if kinds == {int}:
        return (
            ["\\N" if value is None else str(value) for value in values] if nulls else list(map(str, values))
        )
    if kinds <= {date}:
        return ["\\N" if value is None else value.isoformat() for value in values]
    raise TypeError(f"no COPY text format for {kinds}")


def copy_text(rows: list[tuple[Any, ...]]) -> str:
    """Rows as one block of PostgreSQL COPY text format, built column by column.

    >>> copy_text([(1, "a\\tb", None, True), (2, "c", date(2020, 1, 2), False)])
    '1\\ta\\\\tb\\t\\\\N\\tt\\n2\\tc\\t2020-01-02\\tf\\n'
    """
    return copy_text_of_columns(list(zip(*rows, strict=True)))


def copy_text_of_columns(columns: Sequence[Sequence[Any]]) -> str:
    """Columns (each a value per row) as one block of PostgreSQL COPY text format."""
    texts = [_copy_column(column) for column in columns]
    return "\n".join(map("\t".join, zip(*texts, strict=True))) + "\n"


T = TypeVar("T")
_DONE = object()


def read_ahead(items: Iterator[T]) -> Generator[T, None, None]:
    """Yield what ``items`` yields, producing the next item in a thread meanwhile.

    Storing a batch (SQLite's inserts, the COPY text) holds this thread; reading and deciding the next one
    is mostly Polars, which releases the GIL, so the two use both cores. One item waits at most, so memory
    stays bounded by two batches. Closing the generator stops the producer after its current item.
    """
    queue: Queue[Any] = Queue(maxsize=1)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                queue.put((item, None))
                if stop.is_set():
                    break
            queue.put((_DONE, None))
        except BaseException as exc:  # handed to the consumer, who raises it
            queue.put((_DONE, exc))
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()

    thread = threading.Thread(target=produce, name="netra-read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            item, error = queue.get()
            if error is not None:
                raise error
            if item is _DONE:
                return
            yield item
    finally:
        stop.set()
        while thread.is_alive():  # unblock a producer waiting to put its item
            try:
                queue.get(timeout=0.05)
            except Empty:
                pass
        thread.join()


# --------------------------------------------------------------------------------------------------- hooks

ActivationHook = Callable[[Session, int, int], None]
_activation_hooks: list[ActivationHook] = []


def on_list_version_activated(hook: ActivationHook) -> ActivationHook:
    """Register ``hook(session, list_id, version_id)`` to run in the activating transaction (a decorator).

    An exception from a hook rolls the activation back and fails the version, so hooks should only record
    follow-up work (enqueue jobs), not do it.
    """
    if hook not in _activation_hooks:
        _activation_hooks.append(hook)
    return hook


def remove_activation_hook(hook: ActivationHook) -> None:
    if hook in _activation_hooks:
        _activation_hooks.remove(hook)


# --------------------------------------------------------------------------------------------------- progress

_progress_lock = threading.Lock()
_live: dict[tuple[str, int], int] = {}


def live_progress(source: Source, version_id: int) -> int | None:
    """Rows processed so far by a version being stored in this process, or ``None``."""
    with _progress_lock:
        return _live.get((source, version_id))


class _Progress:
    """Publishes rows processed: to this process always, to the database from a second connection on
    PostgreSQL (SQLite's single writer is busy with the version itself)."""

    def __init__(
        self, bind: Engine | Connection, source: Source, version_id: int, model: type[VersionRow]
    ) -> None:
        self.key = (source, version_id)
        self.model = model
        self.version_id = version_id
        self.engine = bind if isinstance(bind, Engine) and bind.dialect.name == "postgresql" else None
        self.last = 0.0
        self.callbacks: list[Callable[[int], None]] = []

    def __call__(self, rows: int, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.last < PROGRESS_SECONDS:
            return
        self.last = now
        with _progress_lock:
            _live[self.key] = rows
        for callback in self.callbacks:
            callback(rows)
        if self.engine is not None:
            try:
                with Session(self.engine) as side:
                    side.execute(
                        update(self.model)
                        .where(col(self.model.id) == self.version_id)
                        .values(rows_processed=rows)
                    )
                    side.commit()
            except Exception:  # progress is informative; never fail a version over it
                log.debug("progress update failed", exc_info=True)

    def done(self) -> None:
        with _progress_lock:
            _live.pop(self.key, None)


# --------------------------------------------------------------------------------------------------- versions


@dataclass(frozen=True, slots=True)
class _Spec:
    source: Source
    version: type[ListVersion] | type[RosterVersion]
    parent: type[WatchList] | type[Roster]
    parent_fk: str
    entry: type[ListEntry] | type[RosterEntry]
    columns: tuple[str, ...]
    job_kind: str


SPECS: dict[str, _Spec] = {
    "list": _Spec("list", ListVersion, WatchList, "list_id", ListEntry, LIST_COLUMNS, "ingest_list"),
    "roster": _Spec(
        "roster", RosterVersion, Roster, "roster_id", RosterEntry, ROSTER_COLUMNS, "ingest_roster"
    ),
}


def get_version(session: Session, spec: _Spec, version_id: int, *, fresh: bool = False) -> VersionRow | None:
    return cast(VersionRow | None, session.get(spec.version, version_id, populate_existing=fresh))


def parent_id_of(version: VersionRow) -> int:
    return version.list_id if isinstance(version, ListVersion) else version.roster_id


def configured_limits(max_decompressed_bytes: int | None = None) -> Limits:
    """The file limits of this deployment: the reader's defaults with the sizes ``NETRA_*`` sets (an
    upload carries the inflation bound it was accepted under, so its job's worker applies the same)."""
    settings = get_settings()
    return Limits(
        max_bytes=settings.max_upload_bytes,
        max_decompressed_bytes=max_decompressed_bytes or settings.max_decompressed_bytes,
    )


def probe(
    path: Path,
    source: Source,
    *,
    columns: Mapping[str, str | int] | None = None,
    limits: Limits | None = None,
) -> None:
    """Refuse a file that cannot be ingested (type, corruption, zip bomb, no header or NIK column) before
    anything is created; reads only the file's head (and bounds an XLSX's inflated size)."""
    try:
        with open_table(path, kind=source, columns=columns, limits=limits or configured_limits()):
            pass
    except IngestError as exc:
        raise domain_error(exc) from exc


def create_version(
    session: Session,
    source: Source,
    parent_id: int,
    upload: UploadedFile,
    *,
    uploaded_by: str,
    columns: Mapping[str, str | int] | None = None,
    delete_file_after: bool = True,
    claimed_by: str | None = None,
) -> tuple[VersionRow, Job]:
    """Add a pending version and the job that will store it to the caller's transaction (no commit);
    ``claimed_by``: the job is that worker's from the start (see :func:`app.services.jobs.enqueue`)."""
    spec = SPECS[source]
    fk = getattr(spec.version, spec.parent_fk)
    latest = session.execute(select(func.max(spec.version.version)).where(fk == parent_id)).scalar()
    version: VersionRow = spec.version(
        **{spec.parent_fk: parent_id},  # type: ignore[arg-type]
        version=(latest or 0) + 1,
        status="pending",
        file_name=upload.name[:255],
        file_size=upload.size,
        file_sha256=upload.sha256,
        uploaded_by=uploaded_by[:120],
    )
    session.add(version)
    session.flush()
    assert version.id is not None
    payload: dict[str, Any] = {
        "path": str(upload.path),
        "columns": dict(columns or {}),
        "delete_file_after": delete_file_after,
        "max_decompressed_bytes": upload.max_decompressed_bytes,
    }
    job = jobs.enqueue(session, spec.job_kind, version.id, payload, claimed_by=claimed_by)
    return version, job


@dataclass
class Outcome:
    """What became of a version (the committed row's values, safe to read after the session closes)."""

    version: VersionRow
    error: NetraError | None = None
    accepted: int = 0
    rejected: int = 0
    flagged: int = 0
    blank: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


def _session(bind: Engine | Connection) -> Session:
    # Each of these transactions reads, then writes: see jobs.session_for.
    return db.session_on(bind, writes=True)


def _lock_parent(session: Session, spec: _Spec, parent_id: int) -> Parent | None:
    # Serialises versions of one parent: a re-run of the same version (lease expired while its first worker
    # still ran) waits here and then finds the version already finished.
    query = select(spec.parent).where(col(spec.parent.id) == parent_id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return cast(Parent | None, session.scalars(query).one_or_none())


def estimate_rows(path: Path) -> int | None:
    """About how many data rows a CSV holds, from its line ends, so the progress bar can show a percentage
    while the rows are read; the exact count replaces it once the version is stored.

    An upper bound (title rows, the header and line breaks inside quoted fields count too); ``None`` for a
    workbook, whose rows are not lines, or a file that is gone. Counting runs at disk speed, a fraction of
    a second for the largest list.
    """
    try:
        with path.open("rb") as handle:
            if handle.read(4).startswith(b"PK"):
                return None
            handle.seek(0)
            lines = sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
    except OSError:
        return None
    return max(lines - 1, 1)


def process_version(
    bind: Engine | Connection,
    source: Source,
    version_id: int,
    path: Path,
    *,
    columns: Mapping[str, str | int] | None = None,
    limits: Limits | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> Outcome:
    """Read ``path`` and store it as version ``version_id``, activating it; idempotent (see module doc)."""
    spec = SPECS[source]
    with _session(bind) as session:
        version = get_version(session, spec, version_id)
        if version is None:
            raise NetraError(f"{source} version {version_id} does not exist")
        if version.status in ("held", "active", "superseded", "failed"):
            return Outcome(
                version, accepted=version.accepted, rejected=version.rejected, flagged=version.flagged
            )
        version.status = "processing"
        version.rows_processed = 0
        version.rows_total = estimate_rows(path)
        version.error = None
        session.add(version)
        session.commit()

    progress = _Progress(bind, source, version_id, spec.version)
    if on_progress is not None:
        progress.callbacks.append(on_progress)
    try:
        return _store(bind, spec, version_id, path, columns, limits or configured_limits(), progress)
    except IngestError as exc:
        return _mark_failed(bind, spec, version_id, domain_error(exc))
    except NetraError as exc:
        return _mark_failed(bind, spec, version_id, exc)
    except FileNotFoundError:  # never the server's path in an answer or a version's error
        return _mark_failed(bind, spec, version_id, IngestFailed(FILE_GONE))
    finally:
        progress.done()


def _store(
    bind: Engine | Connection,
    spec: _Spec,
    version_id: int,
    path: Path,
    columns: Mapping[str, str | int] | None,
    limits: Limits,
    progress: _Progress,
) -> Outcome:
    with _session(bind) as session:
        version = get_version(session, spec, version_id)
        assert version is not None
        parent = _lock_parent(session, spec, parent_id_of(version))
        session.refresh(version)
        if version.status != "processing":  # another worker finished it while this one waited
            session.rollback()
            return Outcome(
                version, accepted=version.accepted, rejected=version.rejected, flagged=version.flagged
            )
        if parent is None or parent.deleted_at is not None:
            raise IngestFailed(f"The {spec.source} was deleted before its file was stored.")

        sqlite = session.get_bind().dialect.name == "sqlite"
        if sqlite:
            # Index inserts at random keys thrash SQLite's default 2 MB page cache; a larger cache for this
            # connection's big transaction, restored below, sized to leave room for the batches being read
            # within the 500 MB a load may take.
            previous_cache = session.connection().exec_driver_sql("PRAGMA cache_size").scalar()
            session.connection().exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
        else:
            # Atomicity does not depend on it: a crash still rolls the whole version back.
            session.connection().exec_driver_sql("SET LOCAL synchronous_commit = off")
        rejections = _BulkWriter(session, "rejections", REJECTION_COLUMNS)
        size = path.stat().st_size
        read: FileRead | None = None
        batches = read_file(spec.source, version_id, path, columns, limits, sqlite)
        if sqlite:  # the inserts run in this process: read the next batch meanwhile, on the other core
            batches = read_ahead(batches)
        with (
            _BulkWriter(
                session, table_of(spec.entry).name, spec.columns, rebuild_indexes=True, source_bytes=size
            ) as entries,
            closing(batches),
        ):
            # Rejections wait in batches: writing them ends the entries' open COPY (one per connection).
            rejected: list[tuple[Any, ...]] = []
            for item in batches:
                if isinstance(item, FileRead):
                    read = item
                    continue
                entries.write_frame(item.entries)
                rejected += item.rejections
                if len(rejected) >= REJECTIONS_BATCH:
                    entries.pause()
                    rejections.write(rejected)
                    rejected = []
                progress(item.rows)
            if sqlite:
                # Rebuilding dropped indexes sorts faster with the default cache than with the large one
                # (measured on a 2M-row list: 46 s -> 43 s end to end).
                session.connection().exec_driver_sql(f"PRAGMA cache_size={int(previous_cache or -2000)}")
            entries.finish()
            rejections.write(rejected)
        assert read is not None, "read_file ends with what it read"
        summary = read.summary
        progress(summary.rows, force=True)

        now = utcnow()
        version.column_map = read.column_map
        version.rows_total = summary.rows
        version.rows_processed = summary.rows
        version.accepted = summary.accepted
        version.rejected = summary.rejected
        version.flagged = summary.flagged
        version.blank = summary.blank
        version.finished_at = now
        extra = {"reasons": dict(summary.reasons), "flags": dict(summary.flags), "format": read.format}
        if summary.accepted == 0:
            # Activating it would silently empty the list (and every later check): it fails instead, its
            # rejected rows kept for the steward to read, the previous version still active.
            refused = nothing_accepted(spec.source, summary.rejected, dict(summary.reasons))
            version.status = "failed"
            version.error = refused.message
            session.add(version)
            session.commit()
            return Outcome(
                version, error=refused, rejected=summary.rejected, blank=summary.blank, extra=extra
            )
        if _shrinks_too_much(session, spec, parent, summary.accepted):
            version.status = "held"
            session.add(version)
        else:
            _activate(session, spec, parent, version)
        session.commit()
        log.info(
            "%s %s version %s stored (%s): %s accepted, %s rejected, %s flagged",
            spec.source,
            parent_id_of(version),
            version.version,
            version.status,
            summary.accepted,
            summary.rejected,
            summary.flagged,
        )
        return Outcome(
            version,
            accepted=summary.accepted,
            rejected=summary.rejected,
            flagged=summary.flagged,
            blank=summary.blank,
            extra=extra,
        )


def _shrinks_too_much(session: Session, spec: _Spec, parent: Parent, accepted: int) -> bool:
    """Whether a version of ``accepted`` rows must wait for confirmation before replacing the active one."""
    hold_below = get_settings().version_hold_below
    if hold_below <= 0 or parent.active_version_id is None:
        return False
    current = session.get(spec.version, parent.active_version_id)
    return current is not None and accepted < hold_below * current.accepted


def _activate(session: Session, spec: _Spec, parent: Parent, version: VersionRow) -> None:
    """Make ``version`` the parent's active one, unless a newer version is active already; older held
    versions are superseded with the version they were held against."""
    current = session.get(spec.version, parent.active_version_id) if parent.active_version_id else None
    if current is not None and current.version > version.version:
        version.status = "superseded"  # an older upload finished after a newer one
        session.add(version)
        return
    if current is not None:
        current.status = "superseded"
        session.add(current)
        assert version.id is not None
        previous_id = cast(VersionRow, current).id
        jobs.enqueue(session, CHANGES_JOB, version.id, {"source": spec.source, "previous": previous_id})
    fk = getattr(spec.version, spec.parent_fk)
    session.execute(
        update(spec.version)
        .where(
            fk == parent.id, col(spec.version.status) == "held", col(spec.version.version) < version.version
        )
        .values(status="superseded")
        .execution_options(synchronize_session=False)
    )
    version.status = "active"
    parent.active_version_id = version.id
    session.add(version)
    session.add(parent)
    session.flush()
    if spec.source == "list":
        assert parent.id is not None
        assert version.id is not None
        for hook in list(_activation_hooks):
            hook(session, parent.id, version.id)


CHANGES_JOB = "version_changes"


def count_changes(session: Session, source: Source, version_id: int, previous_id: int) -> tuple[int, int]:
    """(NIKs in ``version_id`` not in ``previous_id``, NIKs in ``previous_id`` not in ``version_id``): what
    a replacement brought and dropped. Two anti-joins on the (nik, version_id) index."""
    entry = table_of(SPECS[source].entry)

    def only_in(ours: int, theirs: int) -> int:
        other = entry.alias("other")
        query = select(func.count(func.distinct(entry.c.nik))).where(
            entry.c.version_id == ours,
            entry.c.nik.is_not(None),
            ~select(other.c.nik).where(other.c.version_id == theirs, other.c.nik == entry.c.nik).exists(),
        )
        return int(session.execute(query).scalar_one())

    return only_in(version_id, previous_id), only_in(previous_id, version_id)


@jobs.handler(CHANGES_JOB)
def version_changes_job(ctx: jobs.JobContext) -> None:
    """After a version replaced another: count what changed, for the pages to say so."""
    source: Source = "list" if ctx.payload.get("source") == "list" else "roster"
    with _session(ctx.engine) as session:
        version = get_version(session, SPECS[source], ctx.target_id)
        if version is None:
            return
        added, removed = count_changes(session, source, ctx.target_id, int(ctx.payload["previous"]))
        version.rows_added, version.rows_removed = added, removed
        session.add(version)
        session.commit()


def _held_version(
    session: Session, source: Source, parent_id: int, version_id: int
) -> tuple[Parent, VersionRow]:
    spec = SPECS[source]
    parent = _lock_parent(session, spec, parent_id)
    version = get_version(session, spec, version_id, fresh=True)
    if parent is None or version is None or parent_id_of(version) != parent_id:
        raise NotFound(f"No such version of this {source}")
    if version.status != "held":
        raise Conflict(f"Version {version.version} is {version.status}, not held: nothing to confirm")
    return parent, version


def activate_held(session: Session, source: Source, parent_id: int, version_id: int) -> VersionRow:
    """Make a held version the active one, as if it had not been held (no commit)."""
    parent, version = _held_version(session, source, parent_id, version_id)
    _activate(session, SPECS[source], parent, version)
    return version


def discard_held(
    session: Session, source: Source, parent_id: int, version_id: int, reason: str
) -> VersionRow:
    """Give up a held version: it fails with ``reason`` and its stored rows go (no commit)."""
    _parent, version = _held_version(session, source, parent_id, version_id)
    version.status = "failed"
    version.error = reason[:2000]
    session.add(version)
    delete_stored_rows(session, source, [version.id])
    return version


def _mark_failed(bind: Engine | Connection, spec: _Spec, version_id: int, error: NetraError) -> Outcome:
    with _session(bind) as session:
        version = get_version(session, spec, version_id, fresh=True)
        assert version is not None
        version.status = "failed"
        version.error = error.message[:2000]
        version.rows_total = None  # only the progress's estimate: the file was not read to its end
        version.finished_at = utcnow()
        session.add(version)
        session.commit()
        log.info("%s version %s failed: %s", spec.source, version_id, error.message)
        return Outcome(version, error=error)


def mark_failed(session: Session, source: Source, version_id: int, reason: str) -> None:
    """Fail a version inside the caller's transaction (a job given up for good)."""
    version = get_version(session, SPECS[source], version_id)
    if version is not None and version.status in ("pending", "processing"):
        version.status = "failed"
        version.error = reason[:2000]
        version.finished_at = utcnow()
        session.add(version)


# --------------------------------------------------------------------------------------------------- jobs


def run_ingest_job(
    ctx: jobs.JobContext, source: Source, on_progress: Callable[[int], None] | None = None
) -> Outcome:
    path = Path(str(ctx.payload["path"]))
    columns = ctx.payload.get("columns") or None
    try:
        if not path.exists():
            with _session(ctx.engine) as session:
                mark_failed(session, source, ctx.target_id, FILE_GONE)
                session.commit()
            with _session(ctx.engine) as session:
                version = get_version(session, SPECS[source], ctx.target_id)
                assert version is not None
                return Outcome(version)
        limits = configured_limits(ctx.payload.get("max_decompressed_bytes"))
        return process_version(
            ctx.engine, source, ctx.target_id, path, columns=columns, limits=limits, on_progress=on_progress
        )
    finally:
        if ctx.payload.get("delete_file_after") and path.exists():
            path.unlink(missing_ok=True)


def _failure_handler(source: Source) -> jobs.FailureHandler:
    def on_failure(session: Session, job: Job, error: str) -> None:
        mark_failed(session, source, job.target_id, f"Processing stopped: {error}")
        path = job.payload.get("path")
        if job.payload.get("delete_file_after") and path:
            Path(str(path)).unlink(missing_ok=True)

    return on_failure


@jobs.handler("ingest_list", on_failure=_failure_handler("list"))
def ingest_list_job(ctx: jobs.JobContext) -> None:
    run_ingest_job(ctx, "list")


@jobs.handler("ingest_roster", on_failure=_failure_handler("roster"))
def ingest_roster_job(ctx: jobs.JobContext) -> None:
    run_ingest_job(ctx, "roster")


def run_now(
    bind: Engine | Connection, job: Job, *, worker: str, on_progress: Callable[[int], None] | None = None
) -> Outcome:
    """Process ``job``, created claimed by ``worker`` (small uploads, CLI imports), at once.

    The job stays in the table while running, so if this process dies a worker finishes the version once
    the lease expires.
    """
    assert job.id is not None
    source: Source = "list" if job.kind == "ingest_list" else "roster"
    if job.worker != worker or job.status != "running":
        raise NetraError(f"job {job.id} is not claimed by {worker}")
    ctx = jobs.JobContext(
        engine=bind,
        job_id=job.id,
        kind=job.kind,
        target_id=job.target_id,
        payload=dict(job.payload),
        attempt=job.attempts,
        worker=worker,
    )
    try:
        with jobs.kept_alive(bind, job.id, worker=worker):
            outcome = run_ingest_job(ctx, source, on_progress)
    except BaseException:
        with _session(bind) as session:
            session.rollback()
            jobs.fail(session, job.id, worker=worker, error="processing was interrupted", retry_in=None)
        raise
    with _session(bind) as session:
        jobs.complete(session, job.id, worker=worker)
    return outcome


def iter_rejections(
    session: Session, source: Source, version_id: int, *, batch: int = 5000
) -> Iterator[RejectionRow]:
    """Every rejection of a version in line order, fetched in batches."""
    last = -1
    while True:
        rows = session.scalars(
            select(RejectionRow)
            .where(
                col(RejectionRow.source) == source,
                col(RejectionRow.version_id) == version_id,
                col(RejectionRow.id) > last,
            )
            .order_by(col(RejectionRow.id))
            .limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].id or last


# ------------------------------------------------------------------------------------------------- use cases


@dataclass
class Submitted:
    """An accepted upload: its version (pending when queued) and the job that stores it."""

    version: VersionRow
    job_id: int | None
    queued: bool


def submit(
    session: Session,
    source: Source,
    parent_id: int,
    upload: UploadedFile,
    *,
    uploaded_by: str,
    inline: bool,
    columns: Mapping[str, str | int] | None = None,
    delete_file_after: bool = True,
    worker: str | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> Submitted:
    """Commit the caller's pending changes with a new version and its job, then store it now if ``inline``.

    The caller has added the parent (for a new list or roster) and its audit event to ``session``; they
    commit together with the version, so an upload is never half-registered. A file refused while being
    stored inline raises its domain error after the failed version has been recorded.
    """
    # An inline job is this request's from the start: the embedded worker must not take it meanwhile.
    owner = worker or f"inline:{os.getpid()}:{uuid.uuid4().hex[:6]}"
    version, job = create_version(
        session,
        source,
        parent_id,
        upload,
        uploaded_by=uploaded_by,
        columns=columns,
        delete_file_after=delete_file_after,
        claimed_by=owner if inline else None,
    )
    session.commit()
    if not inline:
        return Submitted(version, job.id, queued=True)
    outcome = run_now(session.get_bind(), job, worker=owner, on_progress=on_progress)
    if outcome.error is not None:
        outcome.error.extra.update({f"{source}_id": parent_id, "version_id": version.id})
        raise outcome.error
    return Submitted(outcome.version, job.id, queued=False)


def purge(session: Session, source: Source, parent: Parent) -> dict[str, int]:
    """Delete every stored row of ``parent``'s versions, and the findings citing them (no commit).

    Version rows stay, as the record of which files were uploaded; pending ones are failed so no worker
    stores them afterwards.
    """
    spec = SPECS[source]
    fk = getattr(spec.version, spec.parent_fk)
    version_ids = list(session.scalars(select(col(spec.version.id)).where(fk == parent.id)).all())
    counts = {"entries": 0, "rejections": 0, "findings": 0}
    if version_ids:
        if source == "list":  # findings carry the list version (their only key into the list side)
            citing = col(Finding.list_version_id).in_(version_ids)
        else:
            entry_ids = select(col(spec.entry.id)).where(col(spec.entry.version_id).in_(version_ids))
            citing = col(Finding.roster_entry_id).in_(entry_ids)
        counts["findings"] = rowcount(session.execute(delete(Finding).where(citing)))
        counts["entries"], counts["rejections"] = delete_stored_rows(session, source, version_ids)
        session.execute(
            update(spec.version)
            .where(
                col(spec.version.id).in_(version_ids), col(spec.version.status).in_(["pending", "processing"])
            )
            .values(status="failed", error=f"The {source} was deleted.", finished_at=utcnow())
        )
    parent.active_version_id = None
    parent.deleted_at = utcnow()
    session.add(parent)
    return counts


def delete_stored_rows(
    session: Session, source: Source, version_ids: Sequence[int | None]
) -> tuple[int, int]:
    """Delete the entries and the rejected rows of these versions (no commit); findings citing the entries
    must be gone first. Returns how many of each."""
    if not version_ids:
        return 0, 0
    entry_model = SPECS[source].entry
    entries = rowcount(
        session.execute(delete(entry_model).where(col(entry_model.version_id).in_(version_ids)))
    )
    rejections = rowcount(
        session.execute(
            delete(RejectionRow).where(
                col(RejectionRow.source) == source, col(RejectionRow.version_id).in_(version_ids)
            )
        )
    )
    return entries, rejections


def rowcount(result: Any) -> int:
    """Rows a DELETE or UPDATE touched (SQLAlchemy types ``execute`` as returning any Result)."""
    return int(getattr(result, "rowcount", 0) or 0)


@dataclass(frozen=True, slots=True)
class Interruption:
    """A version still being stored whose worker stopped beating: it crashed or lost the database.

    The version's rows are not stored (its transaction rolled back) and the parent's previous version is
    still the one checks use. ``resumes_by`` is when the job's lease runs out and another worker may take
    the file over; ``None`` when the file has used all its attempts and will be marked failed instead.
    ``rows_seen`` is the last progress recorded before the worker stopped.
    """

    since: datetime
    resumes_by: datetime | None
    rows_seen: int


def interruptions(
    session: Session, source: Source, versions: Sequence[VersionRow]
) -> dict[int, Interruption]:
    """The interrupted ones among ``versions``, by version id."""
    busy = {v.id: v for v in versions if v.status in ("pending", "processing") and v.id is not None}
    if not busy:
        return {}
    spec = SPECS[source]
    stalled = session.scalars(
        select(Job).where(
            col(Job.kind) == spec.job_kind,
            col(Job.target_id).in_(list(busy)),
            col(Job.status) == "running",
            col(Job.alive_until) < utcnow(),
        )
    ).all()
    found: dict[int, Interruption] = {}
    for job in stalled:
        assert job.alive_until is not None
        retries = job.attempts < jobs.max_attempts_of(job.kind)
        found[job.target_id] = Interruption(
            since=job.alive_until,
            resumes_by=job.lease_until if retries else None,
            rows_seen=busy[job.target_id].rows_processed,
        )
    return found


def versions_of(session: Session, source: Source, parent_id: int) -> list[VersionRow]:
    """A parent's versions, newest first, with live progress overlaid on one being stored here."""
    spec = SPECS[source]
    fk = getattr(spec.version, spec.parent_fk)
    rows = cast(
        list[VersionRow],
        list(
            session.scalars(
                select(spec.version)
                .where(fk == parent_id)
                .order_by(col(spec.version.version).desc())
                .execution_options(populate_existing=True)  # other sessions stored them
            )
        ),
    )
    for row in rows:
        if row.status == "processing" and row.id is not None:
            live = live_progress(source, row.id)
            if live is not None and live > row.rows_processed:
                set_committed_value(row, "rows_processed", live)  # shown, never written back
    return rows
