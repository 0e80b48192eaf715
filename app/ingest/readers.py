"""Stream rows out of the CSV and XLSX files people actually have, and refuse the files nobody should parse.

What a caller gets from :func:`open_table` is a :class:`Table`: the detected header (:class:`ColumnMap`)
and an iterator of :class:`SourceRow` — every row *after* the header, blank ones included, each carrying the
line number a spreadsheet program shows (1-based, title rows and the header counted). Nothing here validates
values: that is :mod:`app.ingest.rows`. Nothing here touches the database or FastAPI, because the service,
the CLI and the offline ``netra match`` all read files the same way.

File-level problems raise a subclass of :class:`IngestError`; each carries a stable ``code``, an English
``message`` and an Indonesian ``message_id`` for the web UI, plus an ``http_status`` hint for the API::

    IngestError
    ├── EmptyFileError            empty_file          422  zero bytes, blank rows only, header and no data
    ├── FileTooLargeError         file_too_large      413  more bytes than Limits.max_bytes
    ├── UnsupportedFileTypeError  unsupported_type    415  decided by magic bytes, never by the file name
    │   └── LegacyXlsError        legacy_xls          415  Excel 97-2003 .xls: "save as .xlsx"
    ├── EncryptedFileError        encrypted_file      422  password-protected (OLE2 + EncryptedPackage)
    ├── CorruptFileError          corrupt_file        422  broken zip/XML, bad CRC, undecodable CSV structure
    ├── ZipBombError              zip_bomb            413  inflates past Limits (declared or actual)
    ├── LineTooLongError          line_too_long       422  CSV line or field longer than the limits
    ├── TooManyColumnsError       too_many_columns    422  content beyond Limits.max_columns
    ├── HeaderNotFoundError       header_not_found    422  no row in the first rows looks like a header
    ├── MissingColumnError        missing_column      422  e.g. no NIK/NIP column in a roster
    └── ColumnMappingError        bad_column_mapping  422  an explicit ``columns=`` entry names nothing

XLSX engine: python-calamine, chosen by measurement (``python -m bench.readers``: ~125,000 rows/s against
openpyxl read-only's ~14,000 rows/s on a 200,000-row roster). Calamine loads the whole sheet into a dense Rust
array (~95 bytes per cell) and trusts the zip, so before it sees a byte every zip member is inflated once here
with a bound (zip bombs, lying size headers, bad CRCs) and the worksheet XML is scanned for its real extent;
sheets whose dense extent exceeds ``Limits.max_cells_in_memory`` — or whose XML is unusual enough that the
extent cannot be bounded cheaply — are streamed with openpyxl read-only instead: slow, but constant memory.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import functools
import io
import re
import struct
import unicodedata
import zipfile
import zlib
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import chain, islice
from os import PathLike
from pathlib import Path
from types import MappingProxyType, TracebackType
from typing import IO, TYPE_CHECKING, Any, ClassVar, Literal

if TYPE_CHECKING:
    from python_calamine import CalamineSheet

CellValue = str | int | float | bool | dt.datetime | dt.date | dt.time | dt.timedelta | None
"""What a cell can hold. CSV cells are always ``str``; XLSX numeric cells arrive as ``int``/``float``, which
is how the row validator knows a NIK was typed into a numeric cell (and may have lost its 16th digit)."""

Kind = Literal["roster", "list"]
FileFormat = Literal["csv", "xlsx"]


# --------------------------------------------------------------------------------------------------- errors


class IngestError(Exception):
    """A file that cannot be ingested at all.

    ``code`` is stable for clients; ``message`` is English; ``message_id`` is the Indonesian sentence for the
    web UI; ``http_status`` is the suggested 4xx for the API's problem+json answer.
    """

    code: ClassVar[str] = "ingest_error"
    http_status: ClassVar[int] = 422

    def __init__(self, message: str, *, message_id: str, detail: Mapping[str, object] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.message_id = message_id
        self.detail: Mapping[str, object] = MappingProxyType(dict(detail or {}))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        # Picklable despite the keyword-only arguments: a file read in a child process (app.ingest.offload)
        # raises it in the parent.
        return (_rebuild_error, (type(self), self.message, self.message_id, dict(self.detail)))


def _rebuild_error(
    kind: type[IngestError], message: str, message_id: str, detail: dict[str, object]
) -> IngestError:
    return kind(message, message_id=message_id, detail=detail)


class EmptyFileError(IngestError):
    code = "empty_file"


class FileTooLargeError(IngestError):
    code = "file_too_large"
    http_status = 413


class UnsupportedFileTypeError(IngestError):
    code = "unsupported_type"
    http_status = 415


class LegacyXlsError(UnsupportedFileTypeError):
    code = "legacy_xls"


class EncryptedFileError(IngestError):
    code = "encrypted_file"


class CorruptFileError(IngestError):
    code = "corrupt_file"


class ZipBombError(IngestError):
    code = "zip_bomb"
    http_status = 413


class LineTooLongError(IngestError):
    code = "line_too_long"


class TooManyColumnsError(IngestError):
    code = "too_many_columns"


class HeaderNotFoundError(IngestError):
    code = "header_not_found"


class MissingColumnError(IngestError):
    code = "missing_column"


class ColumnMappingError(IngestError):
    code = "bad_column_mapping"


# --------------------------------------------------------------------------------------------------- limits


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds that keep one hostile or broken file from taking the process down. All are per file.

    The service enforces its upload size before calling; ``max_bytes`` is repeated here so the CLI and any
    other caller get the same protection.
    """

    max_bytes: int = 512 * 2**20
    max_decompressed_bytes: int = 768 * 2**20
    """Total inflated size of all XLSX zip members (a full 1,048,576-row, ten-column sheet is ~400 MiB)."""
    max_compression_ratio: float = 200.0
    """Real sheets compress 5-20x, repetitive ones up to ~100x; deflate's ceiling is ~1032x."""
    max_zip_members: int = 10_000
    max_cells_in_memory: int = 3_000_000
    """Above this dense extent (rows x columns) the XLSX is streamed with openpyxl instead of calamine."""
    max_line_chars: int = 1_000_000
    max_field_chars: int = 100_000
    max_columns: int = 256
    header_scan_rows: int = 30


DEFAULT_LIMITS = Limits()

# --------------------------------------------------------------------------------------------------- columns

FIELDS: tuple[str, ...] = (
    "nik",
    "name",
    "nip",
    "unit",
    "birth_date",
    "birth_place",
    "birth_place_date",
    "gender",
    "address",
    "kta",
    "occupation",
    "regency",
    "district",
    "province",
)
"""Canonical column names. ``birth_place_date`` is the combined "TTL" column ("Bandung, 17-08-1985")."""

# One "|"-separated string per field, in normalize_header() form; kept terse so the table reads as a table.
_SYNONYMS: dict[str, str] = {
    "nik": (
        "nik|no ktp|nomor ktp|no nik|nomor nik|nomor induk kependudukan|"
        "no induk kependudukan|nik ktp|ktp|no ktp nik|nik no ktp|nik anggota|"
        "nik pendukung|nik pegawai|nik asn|nomor identitas|no identitas|no kependudukan|"
        "no nik ktp|nomor nik ktp|nomor ktp nik|n i k"
    ),
    "name": (
        "nama|nama lengkap|nama pegawai|nama anggota|nama pendukung|nama asn|nama pns|"
        "nama sesuai ktp|nama lengkap sesuai ktp|nama dan gelar|nama lengkap dan gelar|"
        "nama gelar|nama lengkap gelar|nama lengkap dengan gelar|nama anggota partai|name|full name"
    ),
    "nip": (
        "nip|nip baru|ni pppk|nipppk|nip ni pppk|nip nipppk|nip pppk|no nip|nomor nip|"
        "nomor induk pegawai|nip 18 digit|nip nrp"
    ),
    "unit": (
        "unit kerja|satuan kerja|satker|opd|instansi|skpd|perangkat daerah|unor|"
        "unit organisasi|nama unor|unit kerja opd|instansi induk|nama instansi"
    ),
    "birth_date": "tanggal lahir|tgl lahir|tgl lhr|tanggal lhr|tgllahir|date of birth|birth date",
    "birth_place": "tempat lahir|tmp lahir|tmpt lahir|tempat lhr",
    "birth_place_date": (
        "ttl|tempat tanggal lahir|tempat tgl lahir|tempat dan tanggal lahir|"
        "tempat tgl lhr|tempat lahir tanggal lahir|tempat lahir tgl lahir|tmp tgl lahir|tmpt tgl lahir|"
        "tmp tgl lhr|tempat tanggal lhr"
    ),
    "gender": "jenis kelamin|jk|l p|j k|kelamin|gender|sex|jns kelamin|jenis kel",
    "address": (
        "alamat|alamat lengkap|alamat ktp|alamat rumah|alamat tempat tinggal|alamat sesuai ktp|"
        "alamat domisili|address"
    ),
    "kta": (
        "kta|no kta|nomor kta|no anggota|nomor anggota|no kartu anggota|"
        "nomor kartu anggota|nomor kartu tanda anggota|no kartu tanda anggota"
    ),
    "occupation": "pekerjaan|profesi|jenis pekerjaan",
    "regency": (
        "kabupaten kota|kab kota|kota kabupaten|kota kab|kabupaten|kota|kab|kabkota|"
        "kab kot|daerah pemilihan kabupaten kota|kode kab kota|kode kabupaten kota|kode kota kabupaten|"
        "kode kab|kode kota|kode kabupaten|nama kab kota|nama kabupaten kota|kab kota domisili|"
        "kabupaten kota domisili"
    ),
    "district": "kecamatan|kec",
    "province": "provinsi|propinsi|prov",
}

_BRACKETED = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def normalize_header(text: object) -> str:
    """Fold a header cell to the form the synonym table uses: "No. KTP" / "NO_KTP" / "no ktp" all → "no ktp".

    Bracketed remarks are dropped because they explain, not name, the column ("Jenis Kelamin (L/P)",
    "NIK (16 digit)"); accents are dropped so "Né" style typing does not matter.
    """
    if text is None:
        return ""
    folded = unicodedata.normalize("NFKD", str(text)).casefold()
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    without_remarks = _BRACKETED.sub(" ", folded)
    if not without_remarks.strip():  # the whole header was a bracketed remark: keep its words instead
        without_remarks = folded
    return _NON_ALNUM.sub(" ", without_remarks).strip()


_HEADER_INDEX: dict[str, str] = {
    normalize_header(synonym): name for name, synonyms in _SYNONYMS.items() for synonym in synonyms.split("|")
}
_IDENTITY_FIELDS = frozenset({"nik", "name", "nip"})


def field_for_header(text: object) -> str | None:
    """The canonical field a header cell names, or ``None``. Exact match after :func:`normalize_header`:
    prefix matching was rejected because "Nama Ibu Kandung" would become the person's name."""
    return _HEADER_INDEX.get(normalize_header(text))


@dataclass(frozen=True, slots=True)
class ColumnMap:
    """Where each canonical field sits: ``fields`` maps field → 0-based column index (column A is 0)."""

    header_line: int
    headers: tuple[str, ...]
    fields: Mapping[str, int]
    ignored: tuple[str, ...] = ()
    """Header cells that map to nothing (kept so the UI can offer them for an explicit mapping)."""
    duplicates: Mapping[str, tuple[int, ...]] = field(default_factory=lambda: MappingProxyType({}))
    """Fields named by more than one column; the first column wins."""

    def index(self, name: str) -> int | None:
        return self.fields.get(name)


@dataclass(frozen=True, slots=True)
class SourceRow:
    """One row as read: the spreadsheet line number and the raw cells (not padded, not stripped)."""

    line: int
    cells: tuple[CellValue, ...]

    def is_blank(self) -> bool:
        return all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in self.cells)


def _cell_text(cell: CellValue) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


def _map_header(cells: tuple[CellValue, ...]) -> tuple[dict[str, int], dict[str, list[int]]]:
    fields: dict[str, int] = {}
    seen: dict[str, list[int]] = {}
    for index, cell in enumerate(cells):
        name = field_for_header(cell)
        if name is None:
            continue
        seen.setdefault(name, []).append(index)
        fields.setdefault(name, index)
    return fields, seen


def _header_score(cells: tuple[CellValue, ...]) -> int:
    fields, _ = _map_header(cells)
    if not _IDENTITY_FIELDS & fields.keys():
        return 0  # a title row such as "Kota Bandung" must not win on a single regional word
    return len(fields)


def build_column_map(
    header: SourceRow,
    columns: Mapping[str, str | int] | None = None,
) -> ColumnMap:
    """Map a header row, then apply the caller's explicit ``columns`` (field → header text or 0-based index).

    Explicit entries win and take their column away from any detected field, so a caller can also fix a
    wrong guess. Unknown field names and headers that are not there raise :class:`ColumnMappingError`.
    """
    fields, seen = _map_header(header.cells)
    headers = tuple(_cell_text(cell) for cell in header.cells)
    if columns:
        normalized = [normalize_header(text) for text in headers]
        for name, target in columns.items():
            if name not in FIELDS:
                raise ColumnMappingError(
                    f"Unknown field {name!r} in the column mapping; known fields: {', '.join(FIELDS)}.",
                    message_id=f"Kolom {name!r} tidak dikenal dalam pemetaan kolom.",
                    detail={"field": name},
                )
            if isinstance(target, int):
                if not 0 <= target < 16_384:  # Excel's last column is XFD, index 16,383
                    raise ColumnMappingError(
                        f"Column index {target} for {name!r} is out of range.",
                        message_id=f"Indeks kolom {target} untuk {name!r} di luar jangkauan.",
                        detail={"field": name, "column": target},
                    )
                index = target
            else:
                wanted = normalize_header(target)
                if wanted not in normalized:
                    raise ColumnMappingError(
                        f"No column headed {target!r} (for {name!r}) in the header on line {header.line}.",
                        message_id=f"Tidak ada kolom berjudul {target!r} pada baris judul {header.line}.",
                        detail={"field": name, "header": target, "header_line": header.line},
                    )
                index = normalized.index(wanted)
            for other, other_index in list(fields.items()):
                if other_index == index:
                    del fields[other]
            fields[name] = index
    mapped = set(fields.values())
    ignored = tuple(text for i, text in enumerate(headers) if text and i not in mapped)
    duplicates = {name: tuple(indexes) for name, indexes in seen.items() if len(indexes) > 1}
    return ColumnMap(
        header_line=header.line,
        headers=headers,
        fields=MappingProxyType(fields),
        ignored=ignored,
        duplicates=MappingProxyType(duplicates),
    )


def check_required_columns(columns: ColumnMap, kind: Kind) -> None:
    """Refuse a file that cannot produce a single usable row, before reading it all.

    A roster needs a name and a NIK *or* NIP column: agencies' HR exports sometimes carry only the NIP, and
    the matcher can find a civil servant through the birth date the NIP encodes. A list needs a name and a NIK
    *or* birth-date column: without either, a row could only ever match on name, which never makes a finding.
    """
    have = columns.fields.keys()
    missing: list[str] = []
    if "name" not in have:
        missing.append("name")
    if kind == "roster" and not {"nik", "nip"} & have:
        missing.append("nik or nip")
    if kind == "list" and not {"nik", "birth_date", "birth_place_date"} & have:
        missing.append("nik or birth_date")
    if missing:
        raise MissingColumnError(
            f"The header on line {columns.header_line} has no {' and no '.join(missing)} column "
            f"(found: {', '.join(h for h in columns.headers if h) or 'nothing'}). "
            "Rename the column or name it explicitly.",
            message_id=(
                f"Baris judul {columns.header_line} tidak memiliki kolom "
                f"{' dan '.join(_MISSING_ID[m] for m in missing)}. Ganti nama kolom atau pilih kolomnya."
            ),
            detail={"missing": missing, "headers": list(columns.headers)},
        )


_MISSING_ID = {"name": "Nama", "nik or nip": "NIK atau NIP", "nik or birth_date": "NIK atau Tanggal Lahir"}


# --------------------------------------------------------------------------------------------------- sniffing

_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_OTHER_BINARY: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"{\\rtf", "an RTF document"),
)
_SAVE_AS = "Open it in Excel or LibreOffice and save it as .xlsx or .csv."
_SAVE_AS_ID = "Buka di Excel atau LibreOffice lalu simpan sebagai .xlsx atau .csv."


def _unsupported(what: str) -> UnsupportedFileTypeError:
    return UnsupportedFileTypeError(
        f"The file is {what}, not a CSV or XLSX workbook. {_SAVE_AS}",
        message_id=f"Berkas ini bukan CSV atau XLSX. {_SAVE_AS_ID}",
        detail={"detected": what},
    )


def _contains_utf16(fp: IO[bytes], needles: Iterable[str], *, limit: int) -> set[str]:
    """Which of ``needles`` occur UTF-16LE-encoded in the first ``limit`` bytes, read in chunks.

    OLE2 directory entries store stream names in UTF-16LE; scanning for them is cruder than walking the FAT,
    but it is bounded, and the names looked for ("EncryptedPackage", "Workbook") do not occur by accident.
    """
    encoded = {needle: needle.encode("utf-16-le") for needle in needles}
    overlap = max(len(e) for e in encoded.values())
    found: set[str] = set()
    fp.seek(0)
    tail = b""
    read = 0
    while read < limit and len(found) < len(encoded):
        chunk = fp.read(min(1 << 20, limit - read))
        if not chunk:
            break
        read += len(chunk)
        window = tail + chunk
        found.update(name for name, e in encoded.items() if e in window)
        tail = window[-overlap:]
    return found


def detect_format(path: str | PathLike[str], limits: Limits = DEFAULT_LIMITS) -> FileFormat:
    """Decide CSV or XLSX from the bytes, never the name, and raise for everything else.

    An encrypted XLSX is not a zip at all: Office wraps it in an OLE2 container holding ``EncryptionInfo`` and
    ``EncryptedPackage`` streams — the same container old ``.xls`` files use, so both are told apart here.
    """
    file_path = Path(path)
    size = file_path.stat().st_size
    if size == 0:
        raise EmptyFileError("The file is empty.", message_id="Berkas kosong.")
    if size > limits.max_bytes:
        raise FileTooLargeError(
            f"The file has {size:,} bytes; the limit is {limits.max_bytes:,}.",
            message_id=f"Ukuran berkas {size:,} byte melebihi batas {limits.max_bytes:,} byte.",
            detail={"size": size, "limit": limits.max_bytes},
        )
    with file_path.open("rb") as fp:
        head = fp.read(8192)
        if head.startswith(_ZIP_MAGICS):
            return "xlsx"  # whether it is a *workbook* zip is checked when it is opened
        if head.startswith(_OLE2_MAGIC):
            found = _contains_utf16(
                fp, ("EncryptedPackage", "EncryptionInfo", "Workbook", "Book"), limit=limits.max_bytes
            )
            if {"EncryptedPackage", "EncryptionInfo"} & found:
                raise EncryptedFileError(
                    "The workbook is password-protected. Remove the password "
                    "(File › Info › Protect Workbook) and upload it again.",
                    message_id="Berkas dilindungi kata sandi. Hapus kata sandinya lalu unggah ulang.",
                )
            if {"Workbook", "Book"} & found:
                raise LegacyXlsError(
                    "This is an old Excel 97-2003 (.xls) workbook. Open it in Excel or LibreOffice and "
                    "save it as .xlsx (Excel Workbook).",
                    message_id="Ini berkas Excel lama (.xls). Buka lalu simpan sebagai .xlsx "
                    "(Excel Workbook).",
                )
            raise _unsupported("an Office 97-2003 document that is not a workbook")
    for magic, what in _OTHER_BINARY:
        if head.startswith(magic):
            raise _unsupported(what)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "csv"  # Excel's "Unicode Text" export: UTF-16 with BOM, tab-separated
    if b"\x00" in head:
        raise _unsupported("binary data")
    if not head.strip().strip(codecs.BOM_UTF8).strip():
        raise EmptyFileError(
            "The file contains only blank lines.", message_id="Berkas hanya berisi baris kosong."
        )
    return "csv"


# --------------------------------------------------------------------------------------------------- CSV

_DELIMITERS = (",", ";", "\t", "|")
_SAMPLE_BYTES = 64 * 1024


def _cp1252_for_stray_bytes(error: UnicodeError) -> tuple[str, int]:
    """Codec error handler: decode a byte that is not UTF-8 as cp1252 instead of crashing.

    The encoding is chosen from the first 64 KiB; a file that is UTF-8 there can still hold a cp1252 "é" at
    line 80,000 (lists glued together from several exports). Decoding just that byte as cp1252 keeps the row
    and almost always gives the intended letter; bytes cp1252 leaves undefined become U+FFFD, which the row
    validator flags.
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


def _sniff_delimiter(text: str) -> str:
    """Pick the delimiter that splits most sample lines into the same number (>1) of fields.

    ``csv.Sniffer`` was tried and rejected: it guesses from character frequencies and is fooled by commas in
    names ("Budi, S.Pd.") inside semicolon files; a real parse per candidate is not.
    """
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


@dataclass(slots=True)
class _CsvSource:
    encoding: str
    delimiter: str
    rows: Iterator[SourceRow]
    handle: IO[str]


def _open_csv(path: Path, limits: Limits) -> _CsvSource:
    with path.open("rb") as raw:
        sample = raw.read(_SAMPLE_BYTES)
        complete = not raw.read(1)
    encoding = _detect_encoding(sample, complete=complete)
    errors = "replace" if encoding == "cp1252" else "netra.cp1252"
    if encoding == "utf-16":
        errors = "replace"
    text_sample = sample.decode(encoding, errors=errors)
    if not complete:  # the sample ends mid-line: a partial line would skew the delimiter count
        text_sample = text_sample[: max(text_sample.rfind("\n"), 0)]
    delimiter = _sniff_delimiter(text_sample)
    handle = path.open("r", encoding=encoding, errors=errors, newline="")
    return _CsvSource(encoding, delimiter, _csv_rows(handle, delimiter, limits), handle)


_BLOCK_CHARS = 1 << 20


def _line_too_long(max_chars: int) -> LineTooLongError:
    return LineTooLongError(
        f"A line is longer than {max_chars:,} characters; this is not a list file.",
        message_id=f"Ada baris yang lebih panjang dari {max_chars:,} karakter.",
        detail={"limit": max_chars},
    )


@dataclass(slots=True)
class _Block:
    """Whole lines of a CSV read at once, and what decides how they are parsed."""

    first: int
    """Line number of the block's first line."""
    lines: int
    plain: bool
    """No quote and no NUL: every line is exactly one record, so the block is parsed in one call."""
    longest: int
    """An upper bound of the longest line's length, terminator excluded."""

    @property
    def last(self) -> int:
        return self.first + self.lines - 1


class _CsvBlocks:
    """A text file read a block of whole lines at a time, feeding ``csv.reader`` through ``io.StringIO``.

    Line splitting happens in C (``StringIO`` with ``newline=""`` ends lines at ``\\n``, ``\\r\\n`` and
    ``\\r`` exactly as the file handle's ``readline`` does), so there is no Python frame per line. Blocks
    are read on demand: by :meth:`read` between records, and by :meth:`feed` when a quoted record runs past
    the end of what is loaded.
    """

    def __init__(self, handle: IO[str], max_line_chars: int) -> None:
        self.handle = handle
        self.max_line_chars = max_line_chars
        self.end = 0
        """The last line number loaded."""
        self.blocks: deque[_Block] = deque()
        self.pending: deque[io.StringIO] = deque()
        self.carry = ""

    def read(self) -> _Block | None:
        text = self.carry + self.handle.read(_BLOCK_CHARS)
        self.carry = ""
        if not text:
            return None
        if text[-1] not in "\r\n":  # finish the last line, bounded like any line
            text += self.handle.readline(self.max_line_chars + 1)
        if text[-1] == "\r":  # a "\r\n" split by the read stays one line ending
            following = self.handle.read(1)
            if following == "\n":
                text += following
            else:
                self.carry = following
        lines = text.count("\n") + text.count("\r") - text.count("\r\n") + (text[-1] not in "\r\n")
        longest = max(map(len, text.split("\n")))  # counts a "\r" too: exact only when it matters
        if longest > self.max_line_chars:
            longest = max(len(line.rstrip("\r\n")) for line in io.StringIO(text, newline=""))
            if longest > self.max_line_chars:
                raise _line_too_long(self.max_line_chars)
        block = _Block(self.end + 1, lines, '"' not in text and "\x00" not in text, longest)
        self.end = block.last
        self.blocks.append(block)
        self.pending.append(io.StringIO(text, newline=""))
        return block

    def feed(self) -> Iterator[io.StringIO]:
        while self.pending or self.read() is not None:
            yield self.pending.popleft()

    def holding(self, line: int) -> _Block:
        """The loaded block that holds ``line``, forgetting the blocks before it."""
        while self.blocks[0].last < line:
            self.blocks.popleft()
        return self.blocks[0]


def _csv_rows(handle: IO[str], delimiter: str, limits: Limits) -> Iterator[SourceRow]:
    """Yield records with the *physical* line they start on.

    A plain block (see :class:`_Block`) whose lines are no longer than a field may be is parsed with one
    ``list(islice(reader, lines))`` and numbered consecutively. Elsewhere records are taken one at a time:
    ``reader.line_num`` counts lines consumed, so a record with quoted newlines starts one after the previous
    record's ``line_num``.
    """
    blocks = _CsvBlocks(handle, limits.max_line_chars)
    reader = csv.reader(chain.from_iterable(blocks.feed()), delimiter=delimiter)
    # A field is no longer than its line: below this no field in a plain block can break a limit.
    field_cap = min(limits.max_field_chars, csv.field_size_limit())
    while True:
        done = reader.line_num
        if done == blocks.end and blocks.read() is None:
            return
        block = blocks.holding(done + 1)
        if block.plain and block.first == done + 1 and block.longest <= field_cap:
            records = list(islice(reader, block.lines))
            if max(map(len, records), default=0) > limits.max_columns:
                for offset, record in enumerate(records):
                    _check_record(record, block.first + offset, limits)
            yield from map(SourceRow, range(block.first, block.last + 1), map(tuple, records))
            continue
        while reader.line_num < block.last:
            line = reader.line_num + 1
            try:
                record = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise _csv_error(exc, line) from exc
            _check_record(record, line, limits)
            yield SourceRow(line, tuple(record))


def _check_record(record: list[str], line: int, limits: Limits) -> None:
    if len(record) > limits.max_columns:
        raise _too_many_columns(line, len(record), limits)
    # max(map(len, ...)) runs in C: a per-cell Python loop cost seconds on a 2M-row list.
    longest = max(map(len, record), default=0)
    if longest > limits.max_field_chars:
        raise LineTooLongError(
            f"A field on line {line} is {longest:,} characters long; the limit is "
            f"{limits.max_field_chars:,} (usually a quote that is never closed).",
            message_id=f"Kolom pada baris {line} terlalu panjang (biasanya tanda kutip tidak ditutup).",
            detail={"line": line},
        )


def _csv_error(exc: csv.Error, line: int) -> IngestError:
    if "field larger than field limit" in str(exc):
        return LineTooLongError(
            f"A field starting near line {line} is longer than the CSV field limit; "
            "usually a quote that is never closed.",
            message_id=f"Ada kolom yang terlalu panjang mulai sekitar baris {line} "
            "(biasanya tanda kutip yang tidak ditutup).",
            detail={"line": line},
        )
    return CorruptFileError(
        f"The CSV cannot be parsed near line {line}: {exc}.",
        message_id=f"CSV tidak dapat dibaca sekitar baris {line}.",
        detail={"line": line},
    )


def _too_many_columns(line: int, count: int, limits: Limits) -> TooManyColumnsError:
    return TooManyColumnsError(
        f"Line {line} has content in {count:,} columns; the limit is {limits.max_columns}.",
        message_id=f"Baris {line} berisi {count:,} kolom; batasnya {limits.max_columns}.",
        detail={"line": line, "columns": count, "limit": limits.max_columns},
    )


# --------------------------------------------------------------------------------------------------- XLSX

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
                raise _unsupported("an OpenDocument file (.ods)")
            if "word/document.xml" in names:
                raise _unsupported("a Word document (.docx)")
            raise _unsupported("a zip archive that is not an Excel workbook")
        if len(infos) > limits.max_zip_members:
            raise _bomb(
                f"The workbook has {len(infos):,} zip members.", "Berkas XLSX berisi terlalu banyak bagian."
            )
        declared = sum(info.file_size for info in infos)
        if declared > limits.max_decompressed_bytes:
            raise _bomb(
                f"The workbook declares {declared:,} bytes of content; the limit is "
                f"{limits.max_decompressed_bytes:,}.",
                "Isi berkas XLSX terlalu besar setelah diekstrak (kemungkinan zip bomb).",
                declared=declared,
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


def _open_xlsx(
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
        raise _too_many_columns(end[0] + 1, end[1] + 1, limits)
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
                raise _too_many_columns(number, end, limits)
            yield SourceRow(number, tuple(values[:end]))
    finally:
        workbook.close()


# --------------------------------------------------------------------------------------------------- table


class Table:
    """An opened file: its detected layout plus an iterator over the data rows after the header.

    Use as a context manager; iterate once. ``columns`` is known as soon as the table is opened, so a caller
    can refuse a file (``check_required_columns``) before reading it all.
    """

    def __init__(
        self,
        *,
        path: Path,
        file_format: FileFormat,
        columns: ColumnMap,
        rows: Iterator[SourceRow],
        encoding: str | None = None,
        delimiter: str | None = None,
        sheet_name: str | None = None,
        engine: str,
        closers: list[object],
    ) -> None:
        self.path = path
        self.format = file_format
        self.columns = columns
        self.encoding = encoding
        self.delimiter = delimiter
        self.sheet_name = sheet_name
        self.engine = engine
        self._rows = rows
        self._closers = closers

    def __iter__(self) -> Iterator[SourceRow]:
        return self._rows

    def close(self) -> None:
        for closer in self._closers:
            close = getattr(closer, "close", None)
            if close is not None:
                try:
                    close()
                except Exception:
                    pass
        self._closers = []

    def __enter__(self) -> Table:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def _locate_header(
    rows: Iterator[SourceRow],
    *,
    columns: Mapping[str, str | int] | None,
    header_line: int | None,
    limits: Limits,
) -> tuple[SourceRow, list[SourceRow]]:
    """Find the header among the first ``header_scan_rows`` rows; return it and the buffered rows after it."""
    buffered: list[SourceRow] = []
    for row in rows:
        buffered.append(row)
        if len(buffered) >= limits.header_scan_rows:
            break
    non_blank = [row for row in buffered if not row.is_blank()]
    if not non_blank:
        raise EmptyFileError("The file has no rows with content.", message_id="Berkas tidak berisi data.")
    chosen: SourceRow | None = None
    if header_line is not None:
        chosen = next((row for row in buffered if row.line == header_line), None)
        if chosen is None:
            raise HeaderNotFoundError(
                f"Line {header_line} is not among the first {len(buffered)} lines.",
                message_id=f"Baris {header_line} tidak ditemukan di awal berkas.",
            )
    else:
        explicit = {normalize_header(v) for v in (columns or {}).values() if isinstance(v, str)}
        best = 0
        for row in non_blank:
            texts = {normalize_header(cell) for cell in row.cells}
            score = 100 * len(explicit & texts) + _header_score(row.cells)
            if score > best:
                chosen, best = row, score
        if chosen is None and explicit:
            raise ColumnMappingError(
                f"None of the first {len(buffered)} lines has a column headed "
                f"{' or '.join(repr(v) for v in (columns or {}).values() if isinstance(v, str))}.",
                message_id="Kolom yang dipilih tidak ditemukan pada baris judul.",
                detail={"columns": dict(columns or {})},
            )
        if chosen is None and columns:
            chosen = non_blank[0]  # the caller named every column by position: the first row is the header
    if chosen is None:
        raise HeaderNotFoundError(
            f"No header row found in the first {limits.header_scan_rows} lines: expected columns such as "
            "NIK, Nama, NIP. Name the columns explicitly or add a header row.",
            message_id=(
                f"Baris judul tidak ditemukan pada {limits.header_scan_rows} baris pertama "
                "(mis. NIK, Nama, NIP). "
                "Tambahkan baris judul atau pilih kolom secara manual."
            ),
            detail={"scanned": len(buffered)},
        )
    after = [row for row in buffered if row.line > chosen.line]
    return chosen, after


def open_table(
    path: str | PathLike[str],
    *,
    kind: Kind | None = None,
    columns: Mapping[str, str | int] | None = None,
    header_line: int | None = None,
    sheet: str | int | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Table:
    """Open a CSV or XLSX file, find and map its header, and return a streaming :class:`Table`.

    ``kind`` makes the required-column check (:func:`check_required_columns`) happen here; ``columns`` names
    columns explicitly (field → header text or 0-based index) when synonyms fail; ``header_line`` pins the
    header row; ``sheet`` picks a worksheet (default: the first visible one with a usable header, so an
    instructions sheet ("Petunjuk") placed before the data does not make the workbook unreadable).
    Raises an :class:`IngestError` subclass for every file-level problem, including a file whose header is
    followed by no data at all.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.csv"
    >>> text = "Daftar Anggota\\nNo;NIK;Nama Lengkap\\n1;3171234567890123;Budi\\n"
    >>> _ = p.write_text(text, encoding="utf-8")
    >>> with open_table(p, kind="list") as t:
    ...     (t.delimiter, t.columns.header_line, dict(t.columns.fields), [r.line for r in t])
    (';', 2, {'nik': 1, 'name': 2}, [3])
    """
    try:
        return _open_table(path, kind, columns, header_line, sheet, limits)
    except (HeaderNotFoundError, EmptyFileError, MissingColumnError):
        if sheet is not None or detect_format(Path(path), limits) != "xlsx":
            raise
        for other in _visible_sheets(Path(path))[1:]:
            try:
                return _open_table(path, kind, columns, header_line, other, limits)
            except (HeaderNotFoundError, EmptyFileError, MissingColumnError):
                continue
        raise  # no sheet has a usable header: the first sheet's error says why


def _visible_sheets(path: Path) -> list[str]:
    """The visible worksheets in workbook order, as :func:`_open_xlsx` picks its default from them."""
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


def _open_table(
    path: str | PathLike[str],
    kind: Kind | None,
    columns: Mapping[str, str | int] | None,
    header_line: int | None,
    sheet: str | int | None,
    limits: Limits,
) -> Table:
    file_path = Path(path)
    file_format = detect_format(file_path, limits)
    closers: list[object] = []
    encoding = delimiter = sheet_name = None
    if file_format == "csv":
        source = _open_csv(file_path, limits)
        encoding, delimiter, raw_rows, engine = source.encoding, source.delimiter, source.rows, "csv"
        closers.append(source.handle)
    else:
        sheet_name, engine, raw_rows, closers = _open_xlsx(file_path, limits, sheet)
    table_rows: Iterator[SourceRow] = raw_rows
    try:
        header, buffered = _locate_header(raw_rows, columns=columns, header_line=header_line, limits=limits)
        column_map = build_column_map(header, columns)
        if kind is not None:
            check_required_columns(column_map, kind)
        if all(row.is_blank() for row in buffered):
            lookahead = [*buffered]
            for row in raw_rows:
                lookahead.append(row)
                if not row.is_blank():
                    break
            if all(row.is_blank() for row in lookahead):
                raise EmptyFileError(
                    f"The file has a header on line {header.line} but no data rows.",
                    message_id=f"Berkas hanya berisi baris judul (baris {header.line}) tanpa data.",
                )
            buffered = lookahead
        table_rows = chain(buffered, raw_rows)
    except BaseException:
        for closer in closers:
            close = getattr(closer, "close", None)
            if close is not None:
                close()
        raise
    return Table(
        path=file_path,
        file_format=file_format,
        columns=column_map,
        rows=table_rows,
        encoding=encoding,
        delimiter=delimiter,
        sheet_name=sheet_name,
        engine=engine,
        closers=closers,
    )


def cell_text(cell: CellValue) -> str:
    """A cell as the text a person would see, for rejection reports (floats that are whole print as ints)."""
    return _cell_text(cell)


__all__ = [
    "DEFAULT_LIMITS",
    "FIELDS",
    "CellValue",
    "ColumnMap",
    "ColumnMappingError",
    "CorruptFileError",
    "EmptyFileError",
    "EncryptedFileError",
    "FileFormat",
    "FileTooLargeError",
    "HeaderNotFoundError",
    "IngestError",
    "Kind",
    "LegacyXlsError",
    "Limits",
    "LineTooLongError",
    "MissingColumnError",
    "SourceRow",
    "Table",
    "TooManyColumnsError",
    "UnsupportedFileTypeError",
    "ZipBombError",
    "build_column_map",
    "cell_text",
    "check_required_columns",
    "detect_format",
    "field_for_header",
    "normalize_header",
    "open_table",
]
