"""Find the header row among the first rows of a file and map its cells to Netra's fields.

Lists and rosters come from many systems (SIPOL, SILON, SIMPEG, hand-made spreadsheets), so columns are
recognised by synonyms ("No. KTP", "NIK", "Nomor Induk Kependudukan" are all the NIK), the header may sit
below title rows, and a caller may name columns explicitly when synonyms fail.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

from app.ingest.errors import (
    ColumnMappingError,
    EmptyFileError,
    HeaderNotFoundError,
    MissingColumnError,
)
from app.ingest.limits import Limits

__all__ = [
    "FIELDS",
    "CellValue",
    "ColumnMap",
    "Kind",
    "SourceRow",
    "build_column_map",
    "cell_text",
    "check_required_columns",
    "field_for_header",
    "locate_header",
    "normalize_header",
]

CellValue = str | int | float | bool | dt.datetime | dt.date | dt.time | dt.timedelta | None
"""What a cell can hold. CSV cells are always ``str``; XLSX numeric cells arrive as ``int``/``float``, which
is how the column rules know a NIK was typed into a numeric cell (and may have lost its 16th digit)."""

Kind = Literal["roster", "list"]

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


def cell_text(cell: CellValue) -> str:
    """A cell as the text a person would see (floats that are whole print as ints)."""
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
    headers = tuple(cell_text(cell) for cell in header.cells)
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
    _refuse_ambiguous(header, headers, seen, fields, set(columns or {}))
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


# Fields a finding rests on: taking the first of two such columns would silently ignore a whole column.
_UNAMBIGUOUS_FIELDS = ("nik", "nip", "name", "birth_date")


def _spreadsheet_column(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _refuse_ambiguous(
    header: SourceRow,
    headers: tuple[str, ...],
    seen: Mapping[str, list[int]],
    fields: Mapping[str, int],
    chosen: set[str],
) -> None:
    claimed = {index for name, index in fields.items() if name in chosen}
    for name in _UNAMBIGUOUS_FIELDS:
        if name in chosen:
            continue
        candidates = [index for index in seen.get(name, []) if index not in claimed]
        if len(candidates) < 2:
            continue
        where = ", ".join(f"{_spreadsheet_column(i)} ({headers[i]!r})" for i in candidates)
        raise ColumnMappingError(
            f"The header on line {header.line} has {len(candidates)} columns for {name}: {where}. Remove "
            "or rename the extra ones, or choose one by its position in the column mapping "
            f"(e.g. {name}={candidates[-1]} for column {_spreadsheet_column(candidates[-1])}).",
            message_id=(
                f"Baris judul {header.line} memuat {len(candidates)} kolom untuk {name}: {where}. Hapus atau "
                "ganti judul kolom yang lebih, atau pilih salah satu pada pemetaan kolom."
            ),
            detail={"field": name, "columns": [headers[i] for i in candidates], "header_line": header.line},
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


def locate_header(
    rows: Iterable[SourceRow],
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
