"""A file's rows as Netra's tables store them, computed without a database.

:func:`read_file` reads and validates a list or roster file a chunk at a time (:mod:`app.ingest.batch`) and
turns each chunk into the columns of ``list_entries`` / ``roster_entries`` and the rows of ``rejections``.
It touches no database, so :mod:`app.services.ingestion` may run it in a child process
(:mod:`app.ingest.offload`) while it stores the previous chunk; this module imports nothing heavier than
:mod:`matching` to keep that child's start cheap.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from operator import itemgetter
from pathlib import Path
from typing import Any, Literal

from app.ingest.batch import Chunk, collector_paused, iter_chunks
from app.ingest.readers import Limits, open_table
from app.ingest.rows import Record, Rejection, RowValidator, Summary
from matching import blocking
from matching import matcher as m
from matching.regions import regency_code_for_name

Source = Literal["list", "roster"]

LIST_COLUMNS: tuple[str, ...] = (
    "version_id",
    "line",
    "nik",
    "nik_raw",
    "name",
    "birth_date",
    "gender",
    "regency",
    "flags",
    "numeric_cell",
    "nik_k1",
    "nik_k2",
    "nik_k3",
    "nik_k4",
    "nik15",
    "person_key",
    "address",
    "kta",
    "occupation",
)
ROSTER_COLUMNS: tuple[str, ...] = (*LIST_COLUMNS[:16], "nip", "unit")
REJECTION_COLUMNS: tuple[str, ...] = ("source", "version_id", "line", "reason", "message", "raw")


def stored_nik_key(key: str | None) -> int | None:
    """A key of :func:`matching.blocking.nik_block_keys` as ``nik_k1``..``nik_k4`` store it."""
    return None if key is None else int(key)


@functools.lru_cache(maxsize=4096)
def regency_code(text: str | None) -> str | None:
    """The Kemendagri code of a list's stated regency: written as a code ("3271", "32.71"), or by a name that
    names exactly one regency ("Kota Bandung", "KAB. BADUNG") — lists without NIKs often give the name.

    Cached: a list repeats a few hundred regency cells over millions of rows."""
    if not text:
        return None
    digits = "".join(ch for ch in text if ch.isdigit())
    if len(digits) == 4 and len(digits) * 2 >= len(text.replace(" ", "")):
        return digits
    return regency_code_for_name(text)


def _numeric_cell(record: Record) -> bool:
    # Only a numeric-cell NIK ending in 0 is treated differently by matching.nik (possibly truncated), and the
    # validator already flagged exactly those: storing the flag reproduces the parse from ``nik_raw``.
    return record.nik_info is not None and record.nik_info.possibly_truncated


def list_entry(record: Record, ref: int | str | None = None) -> m.ListEntry:
    """The matcher's view of an accepted list row; the database stores exactly these values."""
    raw = record.nik_info.raw if record.nik_info is not None else None
    return m.ListEntry(
        ref=record.line if ref is None else ref,
        nik=raw or None,
        name=record.name,
        birth_date=record.birth_date,
        regency=regency_code(record.regency),
        gender=record.gender,
        numeric_cell=_numeric_cell(record),
    )


def roster_person(record: Record, ref: int | str | None = None) -> m.RosterPerson:
    """The matcher's view of an accepted roster row; the database stores exactly these values."""
    raw = record.nik_info.raw if record.nik_info is not None else ""
    return m.RosterPerson(
        ref=record.line if ref is None else ref,
        nik=raw,
        name=record.name,
        nip=record.nip,
        numeric_cell=_numeric_cell(record),
    )


def list_keys(record: Record) -> blocking.BlockKeys:
    """``blocking.entry_keys`` from the validator's parse (parsing a NIK twice doubles ingestion time)."""
    nik = record.nik_info
    if nik is not None and nik.usable and nik.digits is not None:
        person = blocking.person_block_key(nik.birth_date, nik.gender, record.name) if nik.trusted else None
        return _with_nik(nik.digits, person)
    return blocking.BlockKeys(
        person_key=blocking.birth_region_key(record.birth_date, regency_code(record.regency), record.name)
    )


def roster_keys(record: Record) -> blocking.BlockKeys:
    """``blocking.roster_keys`` from the validator's parse."""
    nik, nip = record.nik_info, record.nip_info
    if nik is not None and nik.usable and nik.digits is not None:
        birth = blocking.roster_birth_date(nik, nip)
        return _with_nik(nik.digits, blocking.birth_region_key(birth, nik.regency, record.name))
    if nip is not None and nip.ok:
        return blocking.BlockKeys(
            person_key=blocking.person_block_key(nip.birth_date, nip.gender, record.name)
        )
    return blocking.BlockKeys()


def _with_nik(digits: str, person_key: str | None) -> blocking.BlockKeys:
    k1, k2, k3, k4 = blocking.nik_block_keys(digits)
    return blocking.BlockKeys(digits, k1, k2, k3, k4, blocking.nik_prefix15(digits), person_key)


def _clip(text: str | None, length: int) -> str | None:
    return text if text is None or len(text) <= length else text[:length]


def entry_row(source: Source, version_id: int, record: Record, sqlite: bool) -> tuple[Any, ...]:
    keys = list_keys(record) if source == "list" else roster_keys(record)
    birth: date | str | None = record.birth_date
    if sqlite and record.birth_date is not None:
        birth = record.birth_date.isoformat()  # as SQLAlchemy's SQLite Date type stores it
    raw = record.nik_info.raw if record.nik_info is not None else ""
    common = (
        version_id,
        record.line,
        keys.nik,
        raw[:64],
        record.name[:255],
        birth,
        record.gender,
        regency_code(record.regency),
        ",".join(sorted(record.flags))[:200],
        _numeric_cell(record),
        stored_nik_key(keys.nik_k1),
        stored_nik_key(keys.nik_k2),
        stored_nik_key(keys.nik_k3),
        stored_nik_key(keys.nik_k4),
        keys.nik15,
        keys.person_key,
    )
    if source == "list":
        return (*common, _clip(record.address, 500), _clip(record.kta, 64), _clip(record.occupation, 120))
    return (*common, _clip(record.nip, 18), _clip(record.unit, 255))


def _clip_all(values: list[str | None], length: int) -> list[str | None]:
    if max((len(v) for v in values if v is not None), default=0) <= length:
        return values
    return [_clip(v, length) for v in values]


def _chunk_entry_columns(source: Source, version_id: int, chunk: Chunk, sqlite: bool) -> list[list[Any]]:
    """The chunk's accepted rows as table columns in line order, the bulk-decided rows never made into rows
    (PostgreSQL's COPY text is built from columns; SQLite zips them into rows once)."""
    fast = chunk.fast
    n = len(fast)
    columns: list[list[Any]] = [
        [version_id] * n,
        fast.lines,
        fast.nik,
        _clip_all(fast.nik, 64),  # type: ignore[arg-type]
        _clip_all(fast.name, 255),  # type: ignore[arg-type]
        [None] * n,
        fast.gender,
        [regency_code(text) for text in fast.text("regency")],
        fast.flags,
        [False] * n,
        fast.nik_k1,
        fast.nik_k2,
        fast.nik_k3,
        fast.nik_k4,
        fast.nik15,
        fast.person_key,
    ]
    if source == "list":
        columns += [
            _clip_all(fast.text("address"), 500),
            _clip_all(fast.text("kta"), 64),
            _clip_all(fast.text("occupation"), 120),
        ]
    else:
        columns += [[None] * n, _clip_all(fast.text("unit"), 255)]
    if not chunk.records:
        return columns
    extra = [entry_row(source, version_id, record, sqlite) for record in chunk.records]
    extra_columns = [list(column) for column in zip(*extra, strict=True)]
    if not n:  # records come in line order
        return extra_columns
    lines = [*fast.lines, *extra_columns[1]]
    pick = itemgetter(*sorted(range(len(lines)), key=lines.__getitem__))  # two or more: a tuple
    return [list(pick([*mine, *theirs])) for mine, theirs in zip(columns, extra_columns, strict=True)]


def _rejection_row(
    source: Source, version_id: int, rejection: Rejection, headers: tuple[str, ...]
) -> tuple[Any, ...]:
    raw: dict[str, str] = {}
    for index, value in enumerate(rejection.raw):
        label = headers[index] if index < len(headers) and headers[index] else f"column {index + 1}"
        raw[label if label not in raw else f"{label} ({index + 1})"] = value[:1000]
    message = rejection.message
    return (source, version_id, rejection.line, rejection.reason[:64], message[:500], json.dumps(raw))


@dataclass
class Batch:
    """A chunk of a file, ready for the tables: entry columns, rejection rows, and rows read so far."""

    entries: list[list[Any]]
    rejections: list[tuple[Any, ...]]
    rows: int


@dataclass
class FileRead:
    """What :func:`read_file` yields last: the whole file's counts and how its columns were mapped."""

    summary: Summary
    column_map: dict[str, str | int]
    format: str


def read_file(
    source: Source,
    version_id: int,
    path: Path,
    columns: Mapping[str, str | int] | None,
    limits: Limits,
    sqlite: bool,
) -> Iterator[Batch | FileRead]:
    """Read and validate ``path`` a chunk at a time, ending with a :class:`FileRead`. No database: it may run
    in a child process (:mod:`app.ingest.offload`)."""
    with collector_paused(), open_table(path, kind=source, columns=columns, limits=limits) as table:
        headers = table.columns.headers
        validator = RowValidator(table.columns, source)
        for chunk in iter_chunks(validator, table):
            yield Batch(
                _chunk_entry_columns(source, version_id, chunk, sqlite),
                [_rejection_row(source, version_id, r, headers) for r in chunk.rejections],
                validator.summary.rows,
            )
        column_map = {
            name: headers[index] if index < len(headers) else index
            for name, index in table.columns.fields.items()
        }
        yield FileRead(validator.summary, column_map, table.format)
