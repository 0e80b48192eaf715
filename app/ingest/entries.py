"""What a file's rows become in Netra's tables, computed without a database.

:func:`read_file` reads a list or roster file a batch at a time (:mod:`app.ingest.table`), decides its rows
(:mod:`app.ingest.rules`) and turns each batch into the columns of ``list_entries`` / ``roster_entries``
(a ``polars.DataFrame`` in table order, ready for ``COPY`` or ``executemany``) and the rows of
``rejections``.
"""

from __future__ import annotations

import functools
from collections.abc import Generator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import polars as pl

from app.ingest.limits import Limits
from app.ingest.rules import FileRules, Summary, rejection_raw_json
from app.ingest.table import open_table
from matching.regions import regency_code_for_name

__all__ = [
    "LIST_COLUMNS",
    "REJECTION_COLUMNS",
    "ROSTER_COLUMNS",
    "Batch",
    "FileRead",
    "Source",
    "entry_columns",
    "read_file",
    "regency_code",
    "regency_codes",
]

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
    "address",
    "kta",
    "occupation",
)
ROSTER_COLUMNS: tuple[str, ...] = (*LIST_COLUMNS[:10], "nip", "unit")
REJECTION_COLUMNS: tuple[str, ...] = ("source", "version_id", "line", "reason", "message", "raw")

# Column widths of the tables (app.models): longer values are cut, as the database would refuse them.
_WIDTHS = {"nik_raw": 64, "name": 255, "flags": 200, "address": 500, "kta": 64, "occupation": 120,
           "nip": 18, "unit": 255}  # fmt: skip


@functools.lru_cache(maxsize=4096)
def regency_code(text: str | None) -> str | None:
    """The Kemendagri code of a list's stated regency: written as a code ("3271", "32.71"), or by a name that
    names exactly one regency ("Kota Bandung", "KAB. BADUNG"). Lists without NIKs often give the name.

    >>> regency_code("32.71"), regency_code("KOTA BANDUNG"), regency_code("Bandung Raya")
    ('3271', '3273', None)
    """
    if not text:
        return None
    digits = "".join(ch for ch in text if ch.isdigit())
    if len(digits) == 4 and len(digits) * 2 >= len(text.replace(" ", "")):
        return digits
    return regency_code_for_name(text)


def regency_codes(texts: pl.Series) -> pl.Series:
    """:func:`regency_code` of a column: a list repeats a few hundred regency cells over millions of rows,
    so each distinct cell is looked up once."""
    distinct = texts.drop_nulls().unique().to_list()
    mapping = {text: regency_code(text) for text in distinct}
    return texts.replace_strict(mapping, default=None, return_dtype=pl.String)


def entry_columns(source: Source, version_id: int, accepted: pl.DataFrame, *, sqlite: bool) -> pl.DataFrame:
    """Accepted rows (:data:`app.ingest.rules.ACCEPTED_COLUMNS`) as the entry table's columns, in order."""
    digits = pl.when(pl.col("nik_usable")).then(pl.col("nik"))
    regency = regency_codes(accepted["regency"]) if accepted.height else pl.Series("regency", [], pl.String)
    frame = accepted.with_columns(regency_code=regency)
    birth_date = pl.col("birth_date").dt.strftime("%Y-%m-%d") if sqlite else pl.col("birth_date")
    columns: dict[str, pl.Expr] = {
        "version_id": pl.lit(version_id, dtype=pl.Int64),
        "line": pl.col("line"),
        "nik": digits,
        "nik_raw": pl.col("nik_raw"),
        "name": pl.col("name"),
        "birth_date": birth_date,
        "gender": pl.col("gender"),
        "regency": pl.col("regency_code"),
        "flags": pl.col("flags"),
        "numeric_cell": pl.col("possibly_truncated"),
    }
    if source == "list":
        columns.update(address=pl.col("address"), kta=pl.col("kta"), occupation=pl.col("occupation"))
    else:
        columns.update(nip=pl.col("nip"), unit=pl.col("unit"))
    for name, width in _WIDTHS.items():
        if name in columns:
            columns[name] = columns[name].str.slice(0, width)
    return frame.select(**columns)


@dataclass
class Batch:
    """A batch of a file, ready for the tables: entry columns, rejection rows, and rows read so far."""

    entries: pl.DataFrame
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
) -> Generator[Batch | FileRead, None, None]:
    """Read and decide ``path`` a batch at a time, ending with a :class:`FileRead`. No database."""
    with open_table(path, kind=source, columns=columns, limits=limits) as table:
        headers = table.columns.headers
        rules = FileRules(table.columns, source)
        done = 0
        for batch in table.batches():
            checked = rules.check(batch)
            done += checked.rows
            rejections = [
                (source, version_id, r.line, r.reason[:64], r.message[:500], rejection_raw_json(r, headers))
                for r in checked.rejections
            ]
            yield Batch(entry_columns(source, version_id, checked.accepted, sqlite=sqlite), rejections, done)
        summary = rules.finish()
        column_map = {
            name: headers[index] if index < len(headers) else index
            for name, index in table.columns.fields.items()
        }
        yield FileRead(summary, column_map, table.format)
