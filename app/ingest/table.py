"""Open a CSV or XLSX file as a :class:`Table`: its mapped header, then its rows in columnar batches.

Every batch is a ``polars.DataFrame`` with ``line`` (the line a spreadsheet shows, 1-based, title rows and
the header counted) and one string column ``c{i}`` per file column, plus ``t{i}`` cell types for XLSX
(:data:`app.ingest.xlsx_reader.CELL_TYPES`). Nothing here validates values: that is
:mod:`app.ingest.rules`. Nothing here touches the database or FastAPI, because the service, the CLI and the
offline ``netra match`` all read files the same way::

    with open_table(path, kind="list") as table:      # raises IngestError subclasses for bad files
        table.columns                                 # ColumnMap: which column holds which field
        for batch in table.batches():
            ...
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from os import PathLike
from pathlib import Path
from types import TracebackType

import polars as pl

from app.ingest.csv_reader import CsvFile, open_csv
from app.ingest.errors import EmptyFileError, HeaderNotFoundError, MissingColumnError
from app.ingest.formats import FileFormat, detect_format
from app.ingest.headers import ColumnMap, Kind, build_column_map, check_required_columns, locate_header
from app.ingest.limits import DEFAULT_LIMITS, Limits
from app.ingest.xlsx_reader import XlsxFile, open_xlsx, visible_sheets

__all__ = ["Table", "open_table"]


class Table:
    """An opened file: its detected layout, then its data rows in batches (iterate once).

    ``columns`` is known as soon as the table is opened, so a caller can refuse a file before reading it all.
    ``width`` is the number of ``c{i}`` columns every batch has at least (a row wider than all rows before
    it widens the batches from there on).
    """

    def __init__(
        self, *, path: Path, file_format: FileFormat, columns: ColumnMap, source: CsvFile | XlsxFile
    ) -> None:
        self.path = path
        self.format = file_format
        self.columns = columns
        self._source = source
        self._after = source.last_line_of(next(r for r in source.head_rows if r.line == columns.header_line))
        self.width = max(len(row.cells) for row in source.head_rows)

    @property
    def encoding(self) -> str | None:
        return self._source.encoding if isinstance(self._source, CsvFile) else None

    @property
    def delimiter(self) -> str | None:
        return self._source.delimiter if isinstance(self._source, CsvFile) else None

    @property
    def sheet_name(self) -> str | None:
        return self._source.sheet_name if isinstance(self._source, XlsxFile) else None

    @property
    def engine(self) -> str:
        return "polars" if isinstance(self._source, CsvFile) else self._source.engine

    def batches(self, *, block_bytes: int | None = None) -> Iterator[pl.DataFrame]:
        """The rows after the header, blank ones included, in file order; a CSV ``block_bytes`` of the file
        at a time (default :data:`app.ingest.csv_reader.BLOCK_BYTES`)."""
        if isinstance(self._source, CsvFile):
            return self._source.batches(self._after, self.width, block_bytes)
        return self._source.batches(self._after, self.width)

    def close(self) -> None:
        self._source.close()

    def __enter__(self) -> Table:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def open_table(
    path: str | PathLike[str],
    *,
    kind: Kind | None = None,
    columns: Mapping[str, str | int] | None = None,
    header_line: int | None = None,
    sheet: str | int | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Table:
    """Open a CSV or XLSX file, find and map its header, and return a :class:`Table`.

    ``kind`` makes the required-column check (:func:`check_required_columns`) happen here; ``columns`` names
    columns explicitly (field → header text or 0-based index) when synonyms fail; ``header_line`` pins the
    header row; ``sheet`` picks a worksheet (default: the first visible one with a usable header, so an
    instructions sheet ("Petunjuk") placed before the data does not make the workbook unreadable).
    Raises an :class:`~app.ingest.errors.IngestError` subclass for every file-level problem, including a file
    whose header is followed by no data at all.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.csv"
    >>> text = "Daftar Anggota\\nNo;NIK;Nama Lengkap\\n1;3171234567890123;Budi\\n"
    >>> _ = p.write_text(text, encoding="utf-8")
    >>> with open_table(p, kind="list") as t:
    ...     lines = [batch["line"].to_list() for batch in t.batches()]
    ...     (t.delimiter, t.columns.header_line, dict(t.columns.fields), lines)
    (';', 2, {'nik': 1, 'name': 2}, [[3]])
    """
    file_path = Path(path)
    file_format = detect_format(file_path, limits)
    try:
        return _open(file_path, file_format, kind, columns, header_line, sheet, limits)
    except (HeaderNotFoundError, EmptyFileError, MissingColumnError):
        if sheet is not None or file_format != "xlsx":
            raise
        for other in visible_sheets(file_path)[1:]:
            try:
                return _open(file_path, file_format, kind, columns, header_line, other, limits)
            except (HeaderNotFoundError, EmptyFileError, MissingColumnError):
                continue
        raise  # no sheet has a usable header: the first sheet's error says why


def _open(
    path: Path,
    file_format: FileFormat,
    kind: Kind | None,
    columns: Mapping[str, str | int] | None,
    header_line: int | None,
    sheet: str | int | None,
    limits: Limits,
) -> Table:
    source: CsvFile | XlsxFile = (
        open_csv(path, limits) if file_format == "csv" else open_xlsx(path, limits, sheet)
    )
    try:
        header, after = locate_header(
            source.head_rows, columns=columns, header_line=header_line, limits=limits
        )
        column_map = build_column_map(header, columns)
        if kind is not None:
            check_required_columns(column_map, kind)
        if source.complete and all(row.is_blank() for row in after):
            raise EmptyFileError(
                f"The file has a header on line {header.line} but no data rows.",
                message_id=f"Berkas hanya berisi baris judul (baris {header.line}) tanpa data.",
            )
        return Table(path=path, file_format=file_format, columns=column_map, source=source)
    except BaseException:
        source.close()
        raise
