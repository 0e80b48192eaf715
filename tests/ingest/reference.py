"""The row rules one row at a time: the reference that :mod:`app.ingest.rules` is tested against.

Turn each :class:`~app.ingest.headers.SourceRow` into an accepted :class:`Record` or a :class:`Rejection`.

Nothing is dropped silently: every row after the header is accepted, rejected with a reason code and its line
number, or — when every cell is empty — counted as ``blank``. The rules, and why:

* A name is always required: a finding is reviewed by a person, who needs to see who it is about.
* A roster row needs a usable NIK *or* a valid NIP. An unusable NIK next to a valid NIP keeps the row, flagged
  ``nik_<why>``, because the matcher can still reach that civil servant through the NIP's birth date.
* A list row needs a usable NIK *or* a birth date (or a NIK in scientific notation that still shows a
  known district): without a NIK the matcher can still pair it by name + birth date + regency (or
  district), but without both it can never produce a finding, so it is rejected with the NIK's reason.
* Excel damage (scientific notation, a float NIK) is a rejection of the NIK; a numeric-cell NIK ending in 0 is
  kept and flagged ``possibly_truncated`` (Excel keeps 15 significant digits) — see :mod:`matching.nik`.
* The same usable NIK twice in one file: the later line is rejected, citing the first. Placeholders
  (``2222222222222222``) and possibly-truncated NIKs are exempt — they are shared by different people — and
  the later ones are flagged ``possible_duplicate`` instead.
* An unparseable birth date only rejects a row that depends on it (a list row without a usable NIK); otherwise
  it is flagged ``birth_date_unparseable`` and the row kept, because the NIK still identifies the person.
* A two-digit year (17-08-85) is read as the latest century in which the person is at least 17, the
  youngest age on a voter's, party member's or civil servant's record, and flagged
  ``birth_date_century_guessed``.

Memory: duplicate detection keeps one ``int → int`` entry per distinct NIK, about 100 bytes each (200 MB for a
2,000,000-row list). That is the price of citing the first line without a second pass over the file.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from app.ingest.headers import CellValue, ColumnMap, Kind, SourceRow, cell_text
from matching.nik import Nik, parse_nik
from matching.nip import Nip, nip_nik_conflicts, parse_nip

# ------------------------------------------------------------------------------------------------ outcomes


@dataclass(frozen=True, slots=True)
class Record:
    """An accepted row, values normalised; ``flags`` says what a reviewer should know about it."""

    line: int
    name: str
    nik: str | None
    """16 digits when the NIK parsed (flagged or not); ``None`` when missing or unusable."""
    nip: str | None
    birth_date: dt.date | None
    birth_place: str | None
    gender: str | None
    """``"M"`` or ``"F"`` from the gender column (L/P, Laki-laki/Perempuan, Pria/Wanita …)."""
    unit: str | None
    address: str | None
    kta: str | None
    occupation: str | None
    regency: str | None
    district: str | None
    province: str | None
    flags: frozenset[str]
    nik_info: Nik | None = field(default=None, repr=False, compare=False)
    """The full parse (decoded birth date, region, trust) for the matcher and the blocking keys."""
    nip_info: Nip | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class Rejection:
    """A rejected row: where, why (stable ``reason`` code), in English and Indonesian, and what it held."""

    line: int
    reason: str
    message: str
    message_id: str
    raw: tuple[str, ...]
    first_line: int | None = None
    """For ``duplicate_nik``: the line that holds the NIK first."""


@dataclass(slots=True)
class Summary:
    """Counts for the upload's answer. ``accepted + rejected + blank`` is every row after the header."""

    accepted: int = 0
    rejected: int = 0
    blank: int = 0
    flagged: int = 0
    """Accepted rows with at least one flag."""
    reasons: Counter[str] = field(default_factory=Counter)
    flags: Counter[str] = field(default_factory=Counter)

    @property
    def rows(self) -> int:
        return self.accepted + self.rejected + self.blank


# Reason code → (English, Indonesian). ``{detail}`` is filled from the parser's message where there is one.
REASONS: dict[str, tuple[str, str]] = {
    "missing_name": ("The name is empty.", "Nama kosong."),
    "missing_identifier": (
        "Neither a NIK nor a NIP is given.",
        "NIK dan NIP sama-sama kosong.",
    ),
    "invalid_nip": (
        "The NIK is empty and the NIP is not valid: {detail}",
        "NIK kosong dan NIP tidak sah.",
    ),
    "nik_empty": (
        "The NIK is empty and nothing else can identify the person (a list row needs a birth date).",
        "NIK kosong dan tidak ada data lain untuk mengenali orangnya "
        "(baris daftar memerlukan tanggal lahir).",
    ),
    "nik_non_digit": ("{detail}", "NIK berisi karakter selain angka."),
    "nik_wrong_length": ("{detail}", "Panjang NIK bukan 16 digit."),
    "nik_scientific_notation": (
        "{detail} Format the NIK column as Text in Excel and export again.",
        "NIK rusak oleh Excel (notasi ilmiah, mis. 3.27105E+15); angkanya tidak dapat dipulihkan. "
        "Format kolom NIK sebagai Teks lalu ekspor ulang.",
    ),
    "nik_placeholder": (
        "The NIK is a placeholder, not a real NIK, and nothing else can identify the person.",
        "NIK hanya isian sementara (bukan NIK asli) dan tidak ada data lain untuk mengenali orangnya.",
    ),
    "duplicate_nik": (
        "The NIK already appears on line {first_line}.",
        "NIK yang sama sudah ada pada baris {first_line}.",
    ),
    "birth_date_unparseable": (
        "Without a usable NIK the row needs a birth date, and {detail!r} is not one "
        "(use dd-mm-yyyy, e.g. 17-08-1985).",
        "Tanpa NIK yang sah, baris ini memerlukan tanggal lahir, dan {detail!r} bukan tanggal yang dikenali "
        "(gunakan dd-mm-yyyy, mis. 17-08-1985).",
    ),
}

# matching.nik rejection code → row reason code (also the flag on a row kept despite it).
_NIK_REJECTION_REASON = {
    "empty": "nik_empty",
    "non_digit": "nik_non_digit",
    "wrong_length": "nik_wrong_length",
    "scientific_notation": "nik_scientific_notation",
}

# ------------------------------------------------------------------------------------------------ values

_SPACES = re.compile(r"\s+")
_EXCEL_EPOCH = dt.date(1899, 12, 30)  # Excel's 1900 date system, as counted after its 1900 leap-year bug
_MONTHS = {
    **dict.fromkeys(("januari", "jan", "january"), 1),
    **dict.fromkeys(("februari", "pebruari", "feb", "peb", "february"), 2),
    **dict.fromkeys(("maret", "mar", "march"), 3),
    **dict.fromkeys(("april", "apr"), 4),
    **dict.fromkeys(("mei", "may"), 5),
    **dict.fromkeys(("juni", "jun", "june"), 6),
    **dict.fromkeys(("juli", "jul", "july"), 7),
    **dict.fromkeys(("agustus", "agu", "agt", "ags", "aug", "august"), 8),
    **dict.fromkeys(("september", "sep", "sept"), 9),
    **dict.fromkeys(("oktober", "okt", "oct", "october"), 10),
    **dict.fromkeys(("november", "nov", "nop", "nopember"), 11),
    **dict.fromkeys(("desember", "des", "dec", "december"), 12),
}
# ASCII digits: dates are typed on a keyboard.
_DMY = re.compile(r"^([0-9]{1,2})[-/. ]([0-9]{1,2})[-/. ]([0-9]{4}|[0-9]{2})$")
_YMD = re.compile(r"^([0-9]{4})[-/.]([0-9]{1,2})[-/.]([0-9]{1,2})$")
_D_MONTH_Y = re.compile(r"^([0-9]{1,2})[-/. ]+([a-z]+)\.?[-/. ,]+([0-9]{4}|[0-9]{2})$")
YOUNGEST_AGE = 17
"""Voters (and so party members and candidates' supporters) are at least 17; civil servants older still."""
# Lower case already: "1985-03-12T08:15" has a "t" by then.
_TRAILING_TIME = re.compile(r"[ t][0-9]{1,2}[:.][0-9]{2}(?:[:.][0-9]{2}(?:\.[0-9]+)?)?$")
_EIGHT_DIGITS = re.compile(r"^[0-9]{8}$")

_MALE = frozenset({"L", "LK", "LAKILAKI", "LAKI", "PRIA", "M", "MALE", "COWOK"})
_FEMALE = frozenset({"P", "PR", "PEREMPUAN", "WANITA", "W", "F", "FEMALE", "CEWEK"})
_NOT_LETTERS = re.compile(r"[^A-Z]+")


def _text(cell: CellValue) -> str | None:
    if cell is None:
        return None
    text = cell.strip() if isinstance(cell, str) else cell_text(cell)
    if not text:
        return None
    if "  " in text or "\n" in text or "\t" in text or "\r" in text:  # the regex is the slow path
        return _SPACES.sub(" ", text)
    return text


def _make_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _full_year(year: str, limit: dt.date) -> tuple[int, bool]:
    """A year as written, and whether its century was guessed: four digits as they are, two digits in the
    latest century where the person is at least :data:`YOUNGEST_AGE` (in 2026, 09 is 2009 and 10 is 1910)."""
    if len(year) == 4:
        return int(year), False
    latest = limit.year - YOUNGEST_AGE
    return latest - (latest - int(year)) % 100, True


def parse_birth_date(value: CellValue, *, today: dt.date | None = None) -> tuple[dt.date | None, bool, bool]:
    """Parse a birth date from whatever a cell holds; return ``(date or None, month_first, century_guessed)``.

    Accepted: date/datetime cells, Excel serial numbers (a date cell formatted as General), dd-mm-yyyy,
    dd/mm/yyyy, dd.mm.yyyy, yyyy-mm-dd (with or without a time), ddmmyyyy / yyyymmdd, and month names in
    Indonesian or English ("17 Agustus 1985", "17-Agt-1985"). Indonesian order is day first; a value that
    only makes sense month first (08/17/1985, from an English-locale Excel) is accepted with
    ``month_first=True`` so it gets flagged. A two-digit year (17-08-85, 17 Agustus 85) takes the century in
    which the person is at least :data:`YOUNGEST_AGE`, with ``century_guessed=True``. Dates before 1900 or
    after ``today`` are refused.

    >>> parse_birth_date("17 Agustus 1985")
    (datetime.date(1985, 8, 17), False, False)
    >>> parse_birth_date(31276.0)
    (datetime.date(1985, 8, 17), False, False)
    >>> parse_birth_date("17-08-85", today=dt.date(2026, 1, 1))
    (datetime.date(1985, 8, 17), False, True)
    """
    limit = today or dt.date.today()
    found: dt.date | None = None
    month_first = False
    century_guessed = False
    if isinstance(value, dt.datetime):
        found = value.date()
    elif isinstance(value, dt.date):
        found = value
    elif isinstance(value, bool) or value is None:
        return None, False, False
    elif isinstance(value, int | float):
        if value != value or not 1 <= value < 2_958_466:  # NaN, or past Excel's last date (9999-12-31)
            return None, False, False
        found = _EXCEL_EPOCH + dt.timedelta(days=int(value))
    elif isinstance(value, str):
        text = _TRAILING_TIME.sub("", value.strip().lower()).strip()
        if match := _DMY.match(text):
            day, month = int(match.group(1)), int(match.group(2))
            year, century_guessed = _full_year(match.group(3), limit)
            found = _make_date(year, month, day)
            if found is None and day <= 12 < month:
                found, month_first = _make_date(year, day, month), True
        elif match := _YMD.match(text):
            year, month, day = (int(g) for g in match.groups())
            found = _make_date(year, month, day)
        elif match := _D_MONTH_Y.match(text):
            month_number = _MONTHS.get(match.group(2))
            if month_number is not None:
                year, century_guessed = _full_year(match.group(3), limit)
                found = _make_date(year, month_number, int(match.group(1)))
        elif _EIGHT_DIGITS.match(text):
            if text[:2] in ("19", "20"):
                found = _make_date(int(text[:4]), int(text[4:6]), int(text[6:]))
            if found is None:
                found = _make_date(int(text[4:]), int(text[2:4]), int(text[:2]))
    if found is None or not dt.date(1900, 1, 1) <= found <= limit:
        return None, False, False
    return found, month_first, century_guessed


def split_place_date(value: CellValue) -> tuple[str | None, CellValue]:
    """Split a "TTL" cell ("Bandung, 17-08-1985", "Bandung 17 Agustus 1985") into place and date parts.

    The date part starts at the first digit, so place names with commas or spaces survive; a date cell with no
    place (an Excel date typed into the TTL column) is returned as the date.
    """
    if not isinstance(value, str):
        return None, value
    for index, char in enumerate(value):
        if "0" <= char <= "9":
            place = value[:index].strip(" ,;/-\t")
            return (place or None), value[index:].strip()
    return (value.strip() or None), None


def normalize_gender(value: CellValue) -> str | None:
    """``"M"``/``"F"`` from L/P, Laki-laki/Perempuan, Pria/Wanita, M/F; ``None`` when empty or unknown.

    >>> normalize_gender("Laki-laki"), normalize_gender(" p "), normalize_gender("Wanita")
    ('M', 'F', 'F')
    """
    text = cell_text(value)
    if not text:
        return None
    letters = _NOT_LETTERS.sub("", unicodedata.normalize("NFKD", text).upper())
    if letters in _MALE:
        return "M"
    if letters in _FEMALE:
        return "F"
    return None


def _is_numeric(cell: CellValue) -> bool:
    return isinstance(cell, int | float) and not isinstance(cell, bool)


# ------------------------------------------------------------------------------------------------ validator


@dataclass(slots=True)
class Pending:
    """A row that passed every check but the duplicate look-up (see :meth:`RowValidator.check`)."""

    row: SourceRow
    name: str
    flags: set[str]
    nik_info: Nik | None
    nip_info: Nip | None
    nip_ok: bool
    birth_date: dt.date | None
    birth_place: str | None
    key: int | None
    """The NIK as an integer when it has 16 digits (usable or not): duplicates are looked up by it."""
    strict: bool
    """A duplicate of a strict NIK is rejected; of any other (placeholder, possibly truncated) flagged."""


class RowValidator:
    """Validate the rows of one file; keeps the per-file state (first line of each NIK) and the summary.

    >>> from app.ingest.headers import SourceRow, build_column_map
    >>> columns = build_column_map(SourceRow(1, ("NIK", "Nama", "Tgl Lahir")))
    >>> validator = RowValidator(columns, kind="list")
    >>> validator.validate(SourceRow(2, ("3271055203850001", "Siti", "12-03-1985"))).nik
    '3271055203850001'
    >>> validator.validate(SourceRow(3, ("3271055203850001", "Sity", ""))).reason
    'duplicate_nik'
    >>> validator.summary.accepted, validator.summary.rejected
    (1, 1)
    """

    def __init__(self, columns: ColumnMap, kind: Kind) -> None:
        self.columns = columns
        self.kind = kind
        self.summary = Summary()
        self._first_line: dict[int, int] = {}
        index = columns.fields.get
        self._nik, self._name, self._nip = index("nik"), index("name"), index("nip")
        self._birth_date, self._birth_place = index("birth_date"), index("birth_place")
        self._place_date, self._gender = index("birth_place_date"), index("gender")
        self._plain = tuple(
            index(name)
            for name in ("unit", "address", "kta", "occupation", "regency", "district", "province")
        )

    def run(self, rows: Iterable[SourceRow]) -> Iterator[Record | Rejection]:
        """Validate every row; yield records and rejections in file order (blank rows are only counted)."""
        for row in rows:
            outcome = self.validate(row)
            if outcome is not None:
                yield outcome

    def _reject(
        self, row: SourceRow, reason: str, *, detail: str = "", first_line: int | None = None
    ) -> Rejection:
        english, indonesian = REASONS[reason]
        self.summary.rejected += 1
        self.summary.reasons[reason] += 1
        return Rejection(
            line=row.line,
            reason=reason,
            message=english.format(detail=detail, first_line=first_line),
            message_id=indonesian.format(detail=detail, first_line=first_line),
            raw=tuple(cell_text(cell) for cell in row.cells),
            first_line=first_line,
        )

    def validate(self, row: SourceRow) -> Record | Rejection | None:
        """One row's outcome; ``None`` for a blank row (counted in ``summary.blank``)."""
        checked = self.check(row)
        if not isinstance(checked, Pending):
            return checked
        first: int | None = None
        if checked.key is not None:
            first = self._first_line.get(checked.key)
            if first is None:
                self._first_line[checked.key] = row.line
        return self.finish(checked, first)

    def check(self, row: SourceRow) -> Pending | Rejection | None:
        """Everything :meth:`validate` decides before the duplicate look-up, which the caller then does
        (:meth:`validate` with a dict; :mod:`app.ingest.batch` for a whole chunk at once) and hands to
        :meth:`finish`."""
        cells = row.cells
        width = len(cells)

        def get(index: int | None) -> CellValue:
            return cells[index] if index is not None and index < width else None

        if row.is_blank():
            self.summary.blank += 1
            return None
        flags: set[str] = set()

        name = _text(get(self._name))
        if name is None or not any(char.isalpha() for char in name):
            return self._reject(row, "missing_name")
        if "\ufffd" in name:
            flags.add("undecodable_text")  # a byte the file's encoding could not represent

        nik_info: Nik | None = None
        if self._nik is not None:
            raw_nik = get(self._nik)
            nik_info = parse_nik(raw_nik, numeric_cell=_is_numeric(raw_nik))
            flags.update(nik_info.flags)
        nik_usable = nik_info is not None and nik_info.usable

        nip_info: Nip | None = None
        if self._nip is not None:
            raw_nip = get(self._nip)
            if cell_text(raw_nip):
                nip_info = parse_nip(raw_nip)
                if nip_info.rejection is not None:
                    flags.add(f"nip_{nip_info.rejection}")
        nip_ok = nip_info is not None and nip_info.rejection is None

        raw_date: CellValue = get(self._birth_date)
        birth_place = _text(get(self._birth_place))
        if raw_date is None or raw_date == "":
            place, raw_date = split_place_date(get(self._place_date))
            birth_place = birth_place or place
        birth_date, month_first, century_guessed = parse_birth_date(raw_date)
        if birth_date is None and isinstance(raw_date, str):
            # A "Tanggal Lahir" column that holds place and date anyway ("Bandung, 12-03-1985").
            place, date_part = split_place_date(raw_date)
            if place is not None and date_part:
                birth_date, month_first, century_guessed = parse_birth_date(date_part)
                if birth_date is not None:
                    birth_place = birth_place or place
        date_given = bool(cell_text(raw_date))
        if month_first:
            flags.add("birth_date_month_first")
        if century_guessed:
            flags.add("birth_date_century_guessed")
        if date_given and birth_date is None:
            flags.add("birth_date_unparseable")

        if not nik_usable:
            why = self._nik_reason(nik_info)
            nik_empty = nik_info is None or nik_info.rejection == "empty"
            if self.kind == "roster" and not nip_ok:
                if nik_empty and nip_info is None:
                    return self._reject(row, "missing_identifier")
                if nik_empty and nip_info is not None:
                    return self._reject(row, "invalid_nip", detail=nip_info.message or "")
                return self._reject(row, why, detail=self._nik_detail(nik_info))
            shown = nik_info is not None and nik_info.scientific_prefix is not None
            if self.kind == "list" and birth_date is None and not shown:
                if date_given and nik_empty:
                    return self._reject(row, "birth_date_unparseable", detail=cell_text(raw_date))
                return self._reject(row, why, detail=self._nik_detail(nik_info))
            if nik_info is not None and nik_info.rejection is not None:
                flags.add(why)  # kept through the NIP (roster) or the birth date (list)

        key: int | None = None
        strict = False
        if nik_info is not None and nik_info.digits is not None:
            key = int(nik_info.digits)
            strict = nik_info.usable and not nik_info.possibly_truncated
        return Pending(row, name, flags, nik_info, nip_info, nip_ok, birth_date, birth_place, key, strict)

    def finish(self, pending: Pending, first_line: int | None) -> Record | Rejection:
        """The outcome of a checked row, given the first line of its NIK in the file (``None``: this row)."""
        row, flags, nik_info, nip_info = pending.row, pending.flags, pending.nik_info, pending.nip_info
        if first_line is not None:
            if pending.strict:
                return self._reject(row, "duplicate_nik", first_line=first_line)
            flags.add("possible_duplicate")  # placeholders and Excel-zeroed last digits are shared

        cells = row.cells
        width = len(cells)

        def get(index: int | None) -> CellValue:
            return cells[index] if index is not None and index < width else None

        gender = normalize_gender(get(self._gender))
        if gender is None and cell_text(get(self._gender)):
            flags.add("gender_unknown")
        if nik_info is not None and nik_info.trusted:
            if gender is not None and nik_info.gender is not None and gender != nik_info.gender:
                flags.add("gender_differs_from_nik")
            if nip_info is not None and pending.nip_ok:
                flags.update(f"nip_nik_{what}_differ" for what in nip_nik_conflicts(nip_info, nik_info))

        unit, address, kta, occupation, regency, district, province = (
            _text(get(index)) for index in self._plain
        )
        frozen = frozenset(flags)
        self.summary.accepted += 1
        if frozen:
            self.summary.flagged += 1
            self.summary.flags.update(frozen)
        return Record(
            line=row.line,
            name=pending.name,
            nik=nik_info.digits if nik_info is not None else None,
            nip=nip_info.digits if nip_info is not None else None,
            birth_date=pending.birth_date,
            birth_place=pending.birth_place,
            gender=gender,
            unit=unit,
            address=address,
            kta=kta,
            occupation=occupation,
            regency=regency,
            district=district,
            province=province,
            flags=frozen,
            nik_info=nik_info,
            nip_info=nip_info,
        )

    @staticmethod
    def _nik_reason(nik_info: Nik | None) -> str:
        if nik_info is None:
            return "nik_empty"
        if nik_info.rejection is None:  # parsed but not usable: a placeholder
            return "nik_placeholder"
        return _NIK_REJECTION_REASON.get(nik_info.rejection, "nik_non_digit")

    @staticmethod
    def _nik_detail(nik_info: Nik | None) -> str:
        if nik_info is None or nik_info.message is None:
            return ""
        return nik_info.message


__all__ = [
    "REASONS",
    "Pending",
    "Record",
    "Rejection",
    "RowValidator",
    "Summary",
    "normalize_gender",
    "parse_birth_date",
    "split_place_date",
]
