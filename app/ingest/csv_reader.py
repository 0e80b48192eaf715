"""Read a CSV the way people export them, into string columns with Polars' multi-threaded reader.

What the file is decides how it is read:

* **Encoding** from the first 64 KiB: a UTF-8 or UTF-16 byte-order mark, else UTF-8 if that sample decodes,
  else cp1252 (old Excel on Windows). UTF-16 ("Unicode Text" exports) and cp1252 are transcoded to a
  temporary UTF-8 file first, because the columnar reader reads UTF-8 only. A UTF-8 file holding a stray
  cp1252 byte far from its start (lists glued together from several exports) is transcoded too, decoding
  just those bytes as cp1252 so that the row is kept with the letter that was meant.
* **Delimiter** by a real parse of the sample per candidate (``, ; tab |``): the one that splits most lines
  into the same number of fields wins. ``csv.Sniffer`` was rejected: it guesses from character frequencies
  and is fooled by commas in titled names ("Budi, S.Pd.") inside semicolon files.
* **Header** among the first rows (:func:`app.ingest.headers.locate_header`), read with the ``csv`` module,
  which also reports the physical line on which each of those records starts and ends.
* **Data** after the header's last line, with ``polars.scan_csv`` in batches (memory stays bounded whatever
  the file's size), every column a string. Each row's line number is the line a text editor or spreadsheet
  import shows: one after the previous row's last line, so a quoted field that spans lines counts its lines.

Limits (:class:`app.ingest.limits.Limits`) are enforced on the header rows as they are read and on every
batch: a field or line longer than allowed, content beyond the column limit, NUL bytes.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import polars as pl

from app.ingest.errors import CorruptFileError, IngestError, field_too_long, line_too_long, too_many_columns
from app.ingest.headers import SourceRow
from app.ingest.limits import Limits

__all__ = ["BLOCK_BYTES", "CsvFile", "column_name", "open_csv"]

BLOCK_BYTES = 8 * 2**20
"""Bytes of the file per batch (70,000 to 120,000 rows of a SIPOL export): large enough that the fixed cost
of deciding a batch vanishes, small enough to bound memory whatever the file's size."""
LENIENT_BATCH_ROWS = 50_000

_DELIMITERS = (",", ";", "\t", "|")
_SAMPLE_BYTES = 64 * 1024


def column_name(index: int) -> str:
    """The name of the ``index``-th (0-based) raw column in a batch: ``c0``, ``c1``, …"""
    return f"c{index}"


def _cp1252_for_stray_bytes(error: UnicodeError) -> tuple[str, int]:
    """Codec error handler: decode a byte that is not UTF-8 as cp1252 instead of crashing.

    Decoding just that byte as cp1252 keeps the row and almost always gives the intended letter; bytes cp1252
    leaves undefined become U+FFFD, which the column rules flag.
    """
    if isinstance(error, UnicodeDecodeError):
        bad = error.object[error.start : error.end]
        return bytes(bad).decode("cp1252", errors="replace"), error.end
    raise error


codecs.register_error("netra.cp1252", _cp1252_for_stray_bytes)


def _detect_encoding(sample: bytes, *, complete: bool) -> str:
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=complete)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def _errors_for(encoding: str) -> str:
    return "netra.cp1252" if encoding.startswith("utf-8") else "replace"


def _sniff_delimiter(text: str) -> str:
    """Pick the delimiter that splits most sample lines into the same number (>1) of fields."""
    best, best_score = ",", (0, 0)
    for delimiter in _DELIMITERS:
        counts: dict[int, int] = {}
        try:
            for record in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
                if len(record) > 1:
                    counts[len(record)] = counts.get(len(record), 0) + 1
        except csv.Error:
            continue
        if not counts:
            continue
        width, rows = max(counts.items(), key=lambda item: (item[1], item[0]))
        score = (rows, width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _bounded_lines(handle: IO[str], max_chars: int) -> Iterator[str]:
    """The handle's lines, refusing one longer than ``max_chars`` without reading all of it."""
    while line := handle.readline(max_chars + 2):
        if len(line.rstrip("\r\n")) > max_chars:
            raise line_too_long(max_chars)
        yield line


def _check_record(record: list[str], line: int, limits: Limits) -> None:
    if len(record) > limits.max_columns:
        raise too_many_columns(line, len(record), limits.max_columns)
    longest = max(map(len, record), default=0)
    if longest > limits.max_field_chars:
        raise field_too_long(line, longest, limits.max_field_chars)


def _csv_error(exc: csv.Error, line: int) -> IngestError:
    if "field larger than field limit" in str(exc):
        return field_too_long(line, csv.field_size_limit(), csv.field_size_limit())
    if "unexpected end of data" in str(exc):
        return CorruptFileError(
            f"A quote opened on line {line} is never closed.",
            message_id=f"Tanda kutip yang dibuka pada baris {line} tidak pernah ditutup.",
            detail={"line": line},
        )
    return CorruptFileError(
        f"The CSV cannot be parsed on line {line}: {exc}. A field that holds a quote must be quoted "
        'as a whole, with the quote doubled ("Budi ""Bud"" Santoso").',
        message_id=f"CSV tidak dapat dibaca pada baris {line}.",
        detail={"line": line},
    )


@dataclass(slots=True)
class _Record:
    row: SourceRow
    last_line: int


def _records(handle: IO[str], delimiter: str, limits: Limits, *, strict: bool = False) -> Iterator[_Record]:
    """Records with the physical lines they start and end on (``csv`` counts the lines it consumes)."""
    reader = csv.reader(_bounded_lines(handle, limits.max_line_chars), delimiter=delimiter, strict=strict)
    while True:
        first = reader.line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise _csv_error(exc, first) from exc
        _check_record(record, first, limits)
        yield _Record(SourceRow(first, tuple(record)), reader.line_num)


@dataclass
class CsvFile:
    """A CSV opened for reading: how it is encoded and delimited, its first rows, and then its data."""

    path: Path
    encoding: str
    delimiter: str
    limits: Limits
    head: list[_Record]
    """The first records (up to ``Limits.header_scan_rows``) for locating the header."""
    complete: bool
    """``head`` holds every record of the file."""

    @property
    def head_rows(self) -> list[SourceRow]:
        return [record.row for record in self.head]

    def last_line_of(self, row: SourceRow) -> int:
        return next(record.last_line for record in self.head if record.row.line == row.line)

    def batches(self, after_line: int, width: int, block_bytes: int | None = None) -> Iterator[pl.DataFrame]:
        """The rows after physical line ``after_line`` as ``line`` plus at least ``width`` string columns
        (more from a row that has more fields on), a block of about ``block_bytes`` of the file at a time.

        Polars parses each block. A block it refuses, or that holds a line break Polars does not know (a
        lone ``"\\r"``), is CSV that only a lenient parser reads: a quote inside an unquoted field
        (``Bu"di``), an old Mac line end. From there on the rest of the file is read with Python's ``csv``
        module, as Netra always read it, so such a file is still read whole, only slower.
        """
        size = block_bytes or BLOCK_BYTES
        stream = _Stream(self._utf8_chunks(size), after_line)
        line = after_line + 1
        while (block := stream.next_block(size, self.limits.max_line_chars)) is not None:
            if (at := block.data.find(b"\x00")) >= 0:
                nul = line + block.data.count(b"\n", 0, at)
                raise CorruptFileError(
                    f"Line {nul} holds a NUL byte; this is not a text file.",
                    message_id=f"Baris {nul} berisi karakter NUL; berkas ini bukan teks.",
                    detail={"line": nul},
                )
            frame = self._columnar(block, width)
            if frame is None:
                yield from self._lenient(stream.remaining(block.data), line, width)
                return
            width = max(width, frame.width)
            lines = block.data.count(b"\n") + (not block.data.endswith(b"\n"))
            consecutive = frame.height == lines  # no quoted field holds a line break
            numbers = self._numbered(frame, line, consecutive=consecutive)
            self._check(frame, numbers, consecutive=consecutive)
            line += lines
            yield frame.insert_column(0, numbers)

    def _columnar(self, block: _Block, width: int) -> pl.DataFrame | None:
        """One block into string columns with Polars; None when only a lenient parser can read it."""
        data = block.data
        if not block.whole or (b"\r" in data and data.count(b"\r") != data.count(b"\r\n")):
            return None
        decoded = False
        while True:
            try:
                return pl.read_csv(
                    data,
                    has_header=False,
                    separator=self.delimiter,
                    quote_char='"',
                    schema=dict.fromkeys(map(column_name, range(width)), pl.String),
                    missing_columns="insert",
                    infer_schema=False,
                    empty_string_is_null=False,
                    raise_if_empty=False,
                )
            except pl.exceptions.PolarsError as exc:
                message = str(exc)
                if "invalid utf-8" in message and not decoded:
                    # Lists glued together from several exports: a cp1252 letter far from the start.
                    data, decoded = data.decode("utf-8", errors="netra.cp1252").encode("utf-8"), True
                    continue
                if "more fields than defined" in message:  # a row wider than every row before it
                    text = data.decode("utf-8", errors="replace")
                    records = csv.reader(io.StringIO(text, newline=""), delimiter=self.delimiter)
                    try:
                        widest = max(map(len, records), default=width)
                    except csv.Error:
                        return None
                    if widest <= width:
                        return None
                    width = widest
                    continue
                return None

    def _lenient(self, data: Iterator[bytes], first_line: int, width: int) -> Iterator[pl.DataFrame]:
        """The rest of the file record by record with the ``csv`` module, in batches of columns."""
        raw = io.BufferedReader(_ChunkReader(data))
        text = io.TextIOWrapper(raw, encoding="utf-8", errors="netra.cp1252", newline="")
        rows: list[SourceRow] = []
        for record in _records(text, self.delimiter, self.limits):
            rows.append(SourceRow(record.row.line + first_line - 1, record.row.cells))
            if len(rows) >= LENIENT_BATCH_ROWS:
                yield _frame_of(rows, width)
                width = max(width, *(len(row.cells) for row in rows))
                rows = []
        if rows:
            yield _frame_of(rows, width)

    def _utf8_chunks(self, size: int) -> Iterator[bytes]:
        """The file's bytes as UTF-8, transcoded on the way when it is UTF-16 or cp1252."""
        if self.encoding.startswith("utf-8"):
            with self.path.open("rb") as raw:
                first = True
                while chunk := raw.read(size):
                    if first and chunk.startswith(codecs.BOM_UTF8):
                        chunk = chunk[len(codecs.BOM_UTF8) :]
                    first = False
                    yield chunk
            return
        with self.path.open("r", encoding=self.encoding, errors="replace", newline="") as text:
            while part := text.read(size):
                yield part.encode("utf-8")

    @staticmethod
    def _numbered(batch: pl.DataFrame, first: int, *, consecutive: bool) -> pl.Series:
        """Each row's first physical line: one after the previous row's last."""
        if consecutive:
            return pl.int_range(first, first + batch.height, dtype=pl.Int64, eager=True).alias("line")
        breaks = batch.select(pl.sum_horizontal(pl.all().str.count_matches("\r\n|\r|\n"))).to_series()
        spans = breaks.cast(pl.Int64) + 1
        return (spans.cum_sum() - spans + first).alias("line")

    def _check(self, batch: pl.DataFrame, lines: pl.Series, *, consecutive: bool) -> None:
        limits = self.limits
        # Bytes bound characters from above: count characters only where the bytes exceed a limit.
        longest = batch.select(pl.max_horizontal(pl.all().str.len_bytes())).to_series()
        if len(longest) and int(longest.max() or 0) > limits.max_field_chars:  # type: ignore[arg-type]
            chars = batch.select(pl.max_horizontal(pl.all().str.len_chars())).to_series()
            if int(chars.max() or 0) > limits.max_field_chars:  # type: ignore[arg-type]
                at = int(chars.arg_max() or 0)
                raise field_too_long(int(lines[at]), int(chars[at]), limits.max_field_chars)
        if consecutive:  # a record is a line: its length is the line's
            total = batch.select(pl.sum_horizontal(pl.all().str.len_bytes()) + (batch.width - 1)).to_series()
            if len(total) and int(total.max() or 0) > limits.max_line_chars:  # type: ignore[arg-type]
                line_chars = batch.select(pl.sum_horizontal(pl.all().str.len_chars()) + (batch.width - 1))
                if int(line_chars.to_series().max() or 0) > limits.max_line_chars:  # type: ignore[arg-type]
                    raise line_too_long(limits.max_line_chars)

    def _text(self) -> IO[str]:
        return self.path.open("r", encoding=self.encoding, errors=_errors_for(self.encoding), newline="")

    def _parse_error(self) -> IngestError:
        """Where and why the columnar reader refused the file, from a strict record-by-record parse."""
        with self._text() as handle:
            try:
                for _ in _records(handle, self.delimiter, self.limits, strict=True):
                    pass
            except IngestError as exc:
                return exc
        return CorruptFileError("The CSV cannot be parsed.", message_id="CSV tidak dapat dibaca.")

    def close(self) -> None:
        """Nothing to release: every read opens and closes the file itself."""


@dataclass(frozen=True, slots=True)
class _Block:
    data: bytes
    whole: bool
    """Cut after a whole record (False: no record end found within the bound, or the file ended)."""


class _Stream:
    """UTF-8 chunks of a file turned into blocks of whole records, the header's lines skipped."""

    def __init__(self, chunks: Iterator[bytes], skip_lines: int) -> None:
        self.chunks = chunks
        self.pending = b""
        self._skip(skip_lines)

    def _skip(self, lines: int) -> None:
        # Lines end as the csv module ends them (it read the header): "\r\n", "\r" or "\n".
        data = b""
        while lines:
            count = 0
            for found in _LINE_END.finditer(data):
                if found.group() == b"\r" and found.end() == len(data):
                    break  # perhaps the first half of a "\r\n": read on
                count += 1
                if count == lines:
                    self.pending = data[found.end() :]
                    return
            chunk = next(self.chunks, b"")
            if not chunk:  # nothing after the header
                return
            data += chunk

    def next_block(self, size: int, max_line: int) -> _Block | None:
        """The next records, cut after the last line break where the quotes before it pair up (a quoted
        field holding a line break leaves one open)."""
        data = self.pending
        while True:
            cut = _record_end(data)
            if cut > 0 and (len(data) >= size or cut == len(data)):
                self.pending = data[cut:]
                return _Block(data[:cut], True)
            chunk = next(self.chunks, b"")
            if not chunk:
                self.pending = b""
                if cut > 0:
                    self.pending = data[cut:]
                    return _Block(data[:cut], True)
                return _Block(data, False) if data else None
            data += chunk
            if cut <= 0 and len(data) > 4 * max_line + size:  # a quote that never closes, or a lone one
                self.pending = b""
                return _Block(data, False)

    def remaining(self, block: bytes) -> Iterator[bytes]:
        """``block`` and everything after it."""
        yield block
        if self.pending:
            yield self.pending
        yield from self.chunks


_LINE_END = re.compile(rb"\r\n|\r|\n")


def _record_end(data: bytes) -> int:
    """Just past the last line break of ``data`` that ends a record (0 when none does)."""
    end = len(data)
    while (found := data.rfind(b"\n", 0, end)) >= 0:
        if data.count(b'"', 0, found) % 2 == 0:
            return found + 1
        end = found
    return 0


class _ChunkReader(io.RawIOBase):
    """An iterator of byte chunks as a readable stream (for the ``csv`` module's text wrapper)."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self.chunks = chunks
        self.buffer = b""

    def readable(self) -> bool:
        return True

    def readinto(self, target: Any) -> int:
        while not self.buffer:
            self.buffer = next(self.chunks, b"")
            if not self.buffer:
                return 0
        size = min(len(target), len(self.buffer))
        target[:size] = self.buffer[:size]
        self.buffer = self.buffer[size:]
        return size


def _frame_of(rows: list[SourceRow], width: int) -> pl.DataFrame:
    """Records as the batch columns (a missing field is "", as Polars reads it)."""
    widest = max(width, *(len(row.cells) for row in rows))
    data: dict[str, pl.Series] = {"line": pl.Series("line", [row.line for row in rows], dtype=pl.Int64)}
    for index in range(widest):
        values = [str(row.cells[index]) if index < len(row.cells) else "" for row in rows]
        data[column_name(index)] = pl.Series(column_name(index), values, dtype=pl.String)
    return pl.DataFrame(data)


def open_csv(path: Path, limits: Limits) -> CsvFile:
    """Detect the encoding and delimiter and read the first records; raises :class:`IngestError`."""
    with path.open("rb") as raw:
        sample = raw.read(_SAMPLE_BYTES)
        complete = not raw.read(1)
    encoding = _detect_encoding(sample, complete=complete)
    text_sample = sample.decode(encoding, errors=_errors_for(encoding))
    if not complete:  # the sample ends mid-line: a partial line would skew the delimiter count
        text_sample = text_sample[: max(text_sample.rfind("\n"), 0)]
    delimiter = _sniff_delimiter(text_sample)
    head: list[_Record] = []
    ended = True
    with path.open("r", encoding=encoding, errors=_errors_for(encoding), newline="") as handle:
        for record in _records(handle, delimiter, limits):
            if len(head) >= limits.header_scan_rows:
                ended = False
                break
            head.append(record)
    return CsvFile(path, encoding, delimiter, limits, head, ended)
