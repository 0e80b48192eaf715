"""Read an XLSX workbook into the same string columns as a CSV, plus each cell's type.

Engine: python-calamine, chosen by measurement (``python -m bench.readers``: about nine times openpyxl
read-only's rate on a 200,000-row roster). Calamine loads the whole sheet into a dense Rust array (~95 bytes
per cell) and trusts the zip, so before it sees a byte every zip member is inflated once here with a bound
(zip bombs, lying size headers, bad CRCs) and the worksheet XML is scanned for its real extent; sheets whose
dense extent exceeds ``Limits.max_cells_in_memory``, or whose XML is unusual enough that the extent cannot be
bounded cheaply, are streamed with openpyxl read-only instead: slow, but constant memory.

A batch holds, per column ``i``, ``c{i}``: the cell as ``str()`` shows it (null for an empty cell), and
``t{i}``: what the cell held (:data:`CELL_TYPES`). The type matters to the column rules: a NIK typed into a
numeric cell may have lost its 16th digit, a number in a birth-date column is an Excel date serial.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import IO, TYPE_CHECKING

import polars as pl

from app.ingest.errors import (
    ColumnMappingError,
    CorruptFileError,
    EmptyFileError,
    EncryptedFileError,
    ZipBombError,
    too_many_columns,
)
from app.ingest.formats import unsupported
from app.ingest.headers import CellValue, SourceRow
from app.ingest.limits import Limits

if TYPE_CHECKING:
    from python_calamine import CalamineSheet

__all__ = ["CELL_TYPES", "TEXT", "XlsxFile", "open_xlsx", "type_column", "visible_sheets"]

TEXT, INT, FLOAT, DATE, DATETIME, BOOL, OTHER = range(7)
CELL_TYPES: dict[type, int] = {
    str: TEXT,
    type(None): TEXT,
    int: INT,
    float: FLOAT,
    dt.date: DATE,
    dt.datetime: DATETIME,
    bool: BOOL,
    dt.time: OTHER,
    dt.timedelta: OTHER,
}
"""Cell type codes (``t{i}`` columns): an empty cell counts as text, with a null ``c{i}``."""

BATCH_ROWS = 100_000


def type_column(index: int) -> str:
    """The name of the ``index``-th (0-based) cell-type column in an XLSX batch: ``t0``, ``t1``, …"""
    return f"t{index}"


# Bare or namespace-prefixed cells and rows (a false hit in text only costs speed: the streaming reader).
_UNUSUAL_MARKERS = (b"<c>", b"<c/>", b"<row>", b":c ", b":row ")
_ROW_REF = re.compile(rb"<row r=\"([0-9]+)\"")
_WIDE_CELL_REF = re.compile(rb"<c r=\"([A-Z]{2,3})[0-9]")
_LOCAL_HEADER = struct.Struct("<4s22xHH")


def _column_number(letters: bytes) -> int:
    number = 0
    for byte in letters:
        number = number * 26 + byte - 64
    return number


@dataclass(slots=True)
class _SheetExtent:
    """Upper bound of a worksheet's dense extent, from one pass over its XML."""

    rows: int = 0
    columns: int = 0
    unusual: bool = False
    """Cells or rows without a leading ``r=`` reference: the extent cannot be bounded cheaply."""

    @property
    def cells(self) -> int:
        return self.rows * self.columns


def _bomb(message: str, message_id: str, **detail: object) -> ZipBombError:
    return ZipBombError(message, message_id=message_id, detail=detail)


def _corrupt(why: str) -> CorruptFileError:
    return CorruptFileError(
        f"The XLSX file is damaged ({why}). Open it in Excel and save it again.",
        message_id="Berkas XLSX rusak. Buka di Excel lalu simpan ulang.",
        detail={"reason": why},
    )


def _inflate_member(fp: IO[bytes], info: zipfile.ZipInfo, budget: int) -> Iterator[bytes]:
    """Inflate one member from its raw bytes, never past its declared size nor ``budget``; check its CRC.

    Python's ``zipfile`` silently stops at the declared size, and calamine's Rust reader does not stop at all,
    so a member whose header understates what it inflates to is caught here rather than downstream.
    """
    fp.seek(info.header_offset)
    header = fp.read(_LOCAL_HEADER.size)
    if len(header) != _LOCAL_HEADER.size:
        raise _corrupt(f"truncated member {info.filename}")
    signature, name_length, extra_length = _LOCAL_HEADER.unpack(header)
    if signature != b"PK\x03\x04":
        raise _corrupt(f"bad local header for {info.filename}")
    fp.seek(info.header_offset + _LOCAL_HEADER.size + name_length + extra_length)
    if info.flag_bits & 0x1:
        raise _corrupt(f"member {info.filename} is zip-encrypted")
    if info.compress_type == zipfile.ZIP_STORED:
        inflater = None
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    else:
        raise _corrupt(f"member {info.filename} uses unsupported compression {info.compress_type}")
    allowed = min(info.file_size, budget)
    try:
        yield from _inflate_checked(fp, info, inflater, allowed, budget)
    except zlib.error as exc:
        raise _corrupt(f"member {info.filename}: {exc}") from exc


def _inflate_checked(
    fp: IO[bytes], info: zipfile.ZipInfo, inflater: zlib._Decompress | None, allowed: int, budget: int
) -> Iterator[bytes]:
    remaining = info.compress_size
    produced = 0
    crc = 0
    while True:
        raw = fp.read(min(1 << 16, remaining)) if remaining else b""
        remaining -= len(raw)
        if inflater is None:
            pieces = [raw]
        else:
            pieces = []
            data = raw
            while True:
                out = inflater.decompress(data, 1 << 20)
                if out:
                    pieces.append(out)
                data = inflater.unconsumed_tail
                if not data:
                    break
                if produced + sum(map(len, pieces)) > allowed:
                    break
        for piece in pieces:
            produced += len(piece)
            if produced > allowed:
                if produced > budget:
                    raise _bomb(
                        "The workbook inflates past the decompressed-size limit (zip bomb?).",
                        "Isi berkas XLSX terlalu besar setelah diekstrak (kemungkinan zip bomb).",
                        member=info.filename,
                    )
                raise _bomb(
                    f"Member {info.filename} inflates past its declared size of {info.file_size:,} bytes.",
                    "Berkas XLSX berisi data yang lebih besar dari yang dinyatakan (kemungkinan zip bomb).",
                    member=info.filename,
                )
            crc = zlib.crc32(piece, crc)
            yield piece
        if not raw:
            break
    if produced != info.file_size:
        raise _corrupt(f"member {info.filename} is shorter than declared")
    if crc != info.CRC:
        raise _corrupt(f"bad CRC in {info.filename}")


def _preflight_xlsx(path: Path, limits: Limits) -> dict[str, _SheetExtent]:
    """Check the zip before any XLSX library opens it; return each worksheet's extent bound.

    Declared sizes and ratios are checked first (cheap, catches the classic bomb), then every member is
    inflated once, bounded, which catches the lying ones and bad CRCs and gives the worksheet extents as a
    by-product.
    """
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise _corrupt(str(exc) or "not a readable zip") from exc
    with archive, path.open("rb") as fp:
        infos = archive.infolist()
        names = {info.filename for info in infos}
        if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
            if "mimetype" in names or "content.xml" in names:
                raise unsupported("an OpenDocument file (.ods)")
            if "word/document.xml" in names:
                raise unsupported("a Word document (.docx)")
            raise unsupported("a zip archive that is not an Excel workbook")
        if len(infos) > limits.max_zip_members:
            raise _bomb(
                f"The workbook has {len(infos):,} zip members.", "Berkas XLSX berisi terlalu banyak bagian."
            )
        declared = sum(info.file_size for info in infos)
        if declared > limits.max_decompressed_bytes:
            raise _bomb(
                f"The workbook declares {declared:,} bytes of content; the limit is "
                f"{limits.max_decompressed_bytes:,}.",
                f"Isi berkas XLSX terlalu besar setelah diekstrak: {declared:,} byte, batasnya "
                f"{limits.max_decompressed_bytes:,} byte (kemungkinan zip bomb).".replace(",", "."),
                declared=declared,
                limit=limits.max_decompressed_bytes,
            )
        for info in infos:
            if info.file_size > 1 << 20 and info.file_size > limits.max_compression_ratio * max(
                info.compress_size, 1
            ):
                raise _bomb(
                    f"Member {info.filename} compresses "
                    f"{info.file_size / max(info.compress_size, 1):,.0f}:1; "
                    f"the limit is {limits.max_compression_ratio:,.0f}:1.",
                    "Rasio kompresi berkas XLSX tidak wajar (kemungkinan zip bomb).",
                    member=info.filename,
                )
        extents: dict[str, _SheetExtent] = {}
        budget = limits.max_decompressed_bytes
        for info in infos:
            is_sheet = info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")
            extent = _SheetExtent()
            carry = b""
            for piece in _inflate_member(fp, info, budget):
                budget -= len(piece)
                if not is_sheet:
                    continue
                # Cut at the last "<" so no tag straddles two scans; "<" never occurs unescaped in text.
                data = carry + piece
                cut = data.rfind(b"<")
                data, carry = (data[:cut], data[cut:]) if cut > 0 else (data, b"")
                _scan_sheet(data, extent)
            if is_sheet:
                _scan_sheet(carry, extent)
                extents[info.filename] = extent
    return extents


@functools.cache
def _beyond_column(column: int) -> re.Pattern[bytes]:
    """A pattern for cell references right of ``column`` (1-based, at most 26): letters after it, or two+."""
    return re.compile(rb'<c r="([A-Z]{2,3}|[' + bytes([65 + column]) + rb"-Z])[0-9]")


def _scan_sheet(data: bytes, extent: _SheetExtent) -> None:
    """Bound rows and columns with C-speed scans only (``bytes.count``, rare regex hits).

    Excel, LibreOffice, openpyxl and xlsxwriter write ``r`` first in ``<row>`` and ``<c>`` (the last two are
    checked in the tests). Anything else — prefixed tags, cells without ``r`` placed by position — marks the
    sheet unusual, and unusual sheets go to the streaming reader rather than to a slower, cleverer scan.
    """
    rows_total = data.count(b"<row ")
    row_refs = data.count(b'<row r="')
    if (
        rows_total != row_refs
        or data.count(b"<c ") != data.count(b'<c r="')
        or any(marker in data for marker in _UNUSUAL_MARKERS)
    ):
        extent.unusual = True
    if row_refs:
        extent.rows = max(extent.rows, *map(int, _ROW_REF.findall(data)))
    extent.rows = max(extent.rows, rows_total)
    while extent.columns < 26:
        found = _beyond_column(extent.columns).search(data)
        if found is None:
            return
        extent.columns = max(extent.columns, _column_number(found.group(1)))
    if extent.columns >= 26:
        wide = _WIDE_CELL_REF.findall(data)
        if wide:
            extent.columns = max(extent.columns, *map(_column_number, wide))


def visible_sheets(path: Path) -> list[str]:
    """The visible worksheets in workbook order, as :func:`open_xlsx` picks its default from them."""
    from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

    workbook = CalamineWorkbook.from_path(str(path))
    try:
        return [
            meta.name
            for meta in workbook.sheets_metadata
            if meta.typ == SheetTypeEnum.WorkSheet and meta.visible == SheetVisibleEnum.Visible
        ]
    finally:
        workbook.close()


@dataclass
class XlsxFile:
    """An opened worksheet: its name, the engine reading it, its first rows, and then its data."""

    sheet_name: str
    engine: str
    limits: Limits
    head: list[SourceRow]
    """The first rows (up to ``Limits.header_scan_rows``) for locating the header."""
    complete: bool
    _rows: Iterator[SourceRow]
    _closers: list[object] = field(default_factory=list)

    @property
    def head_rows(self) -> list[SourceRow]:
        return self.head

    def last_line_of(self, row: SourceRow) -> int:
        return row.line  # a cell's line breaks stay inside its row

    def batches(self, after_line: int, width: int) -> Iterator[pl.DataFrame]:
        """The rows after ``after_line`` as ``line`` plus ``c{i}`` and ``t{i}`` columns, in batches."""
        pending = [row for row in self.head if row.line > after_line]
        rows = iter([*pending, *self._rows])
        while batch := list(islice(rows, BATCH_ROWS)):
            yield _frame(batch, width)

    def close(self) -> None:
        for closer in self._closers:
            close = getattr(closer, "close", None)
            if close is not None:
                try:
                    close()
                except Exception:
                    pass
        self._closers = []


def _text_of(value: CellValue) -> str | None:
    return None if value is None else str(value)


def _frame(rows: Sequence[SourceRow], width: int) -> pl.DataFrame:
    """Rows as columns. ``str()`` and ``type()`` per cell are the only per-cell work, done by ``map``."""
    widest = max(width, *(len(row.cells) for row in rows))
    padded = [row.cells + (None,) * (widest - len(row.cells)) for row in rows]
    columns = list(zip(*padded, strict=True))
    data: dict[str, pl.Series] = {"line": pl.Series("line", [row.line for row in rows], dtype=pl.Int64)}
    for index, values in enumerate(columns):
        data[f"c{index}"] = pl.Series(f"c{index}", list(map(_text_of, values)), dtype=pl.String)
        codes = list(map(CELL_TYPES.__getitem__, map(type, values)))
        data[type_column(index)] = pl.Series(type_column(index), codes, dtype=pl.UInt8)
    return pl.DataFrame(data)


def open_xlsx(path: Path, limits: Limits, sheet: str | int | None) -> XlsxFile:
    """Check the zip, pick the sheet and its engine, and read the first rows; raises ``IngestError``."""
    name, engine, rows, closers = _open_sheet(path, limits, sheet)
    try:
        head = list(islice(rows, limits.header_scan_rows))
        complete = len(head) < limits.header_scan_rows
    except BaseException:
        for closer in closers:
            getattr(closer, "close", lambda: None)()
        raise
    return XlsxFile(name, engine, limits, head, complete, rows, closers)


def _open_sheet(
    path: Path, limits: Limits, sheet: str | int | None
) -> tuple[str, str, Iterator[SourceRow], list[object]]:
    """Return (sheet name, engine, rows, things to close)."""
    extents = _preflight_xlsx(path, limits)
    from python_calamine import (
        CalamineError,
        CalamineWorkbook,
        PasswordError,
        SheetTypeEnum,
        SheetVisibleEnum,
    )

    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except PasswordError as exc:
        raise EncryptedFileError(
            "The workbook is password-protected.", message_id="Berkas dilindungi kata sandi."
        ) from exc
    except (CalamineError, ValueError, OSError) as exc:
        raise _corrupt(str(exc)) from exc
    sheets = [
        meta.name
        for meta in workbook.sheets_metadata
        if meta.typ == SheetTypeEnum.WorkSheet and meta.visible == SheetVisibleEnum.Visible
    ] or list(workbook.sheet_names)
    if isinstance(sheet, int):
        if not 0 <= sheet < len(workbook.sheet_names):
            workbook.close()
            raise ColumnMappingError(
                f"The workbook has no sheet number {sheet}.", message_id=f"Tidak ada lembar nomor {sheet}."
            )
        name = workbook.sheet_names[sheet]
    elif isinstance(sheet, str):
        if sheet not in workbook.sheet_names:
            workbook.close()
            raise ColumnMappingError(
                f"The workbook has no sheet named {sheet!r} (sheets: {', '.join(workbook.sheet_names)}).",
                message_id=f"Tidak ada lembar bernama {sheet!r}.",
            )
        name = sheet
    elif sheets:
        name = sheets[0]
    else:
        workbook.close()
        raise EmptyFileError(
            "The workbook has no worksheets.", message_id="Berkas tidak memiliki lembar kerja."
        )
    # Extents are per worksheet XML member; without resolving workbook rels, the worst one decides.
    worst = max(extents.values(), key=lambda e: (e.unusual, e.cells), default=_SheetExtent())
    if worst.unusual or worst.cells > limits.max_cells_in_memory:
        workbook.close()
        return name, "openpyxl", _openpyxl_rows(path, name, limits), []
    try:
        calamine_sheet = workbook.get_sheet_by_name(name)
    except CalamineError as exc:
        workbook.close()
        raise _corrupt(str(exc)) from exc
    return name, "calamine", _calamine_rows(calamine_sheet, limits), [workbook]


def _calamine_rows(sheet: CalamineSheet, limits: Limits) -> Iterator[SourceRow]:
    """Calamine's ``iter_rows`` starts at row 1 but at the first *used* column: pad to absolute indexes."""
    start, end = sheet.start, sheet.end
    first_column = start[1] if start else 0
    if end and end[1] + 1 > limits.max_columns:
        raise too_many_columns(end[0] + 1, end[1] + 1, limits.max_columns)
    pad: tuple[CellValue, ...] = ("",) * first_column
    for number, cells in enumerate(sheet.iter_rows(), start=1):
        yield SourceRow(number, pad + tuple(cells))


def _openpyxl_rows(path: Path, sheet_name: str, limits: Limits) -> Iterator[SourceRow]:
    """Constant-memory fallback.

    ``reset_dimensions()`` makes openpyxl ignore the sheet's ``<dimension>`` tag (which may be missing or lie
    "A1:XFD1048576"); each row is then only as wide as its own last cell, so a stray far-right cell costs one
    long row — refused — rather than padding every row.
    """
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises a zoo of types for damaged files
        raise _corrupt(str(exc)) from exc
    try:
        worksheet = workbook[sheet_name]
        reset = getattr(worksheet, "reset_dimensions", None)
        if reset is not None:
            reset()
        for number, values in enumerate(worksheet.iter_rows(min_row=1, values_only=True), start=1):
            end = len(values)
            while end and values[end - 1] is None:
                end -= 1
            if end > limits.max_columns:
                raise too_many_columns(number, end, limits.max_columns)
            yield SourceRow(number, tuple(values[:end]))
    finally:
        workbook.close()
