"""NIK (Nomor Induk Kependudukan) parsing.

A NIK is 16 digits: province (2) + regency/city (2) + district (2) + birth date DDMMYY with 40 added to the
day for women + serial (4, from 0001). It is always handled as a string: as a number it loses its 16th digit
in Excel and its leading zeros elsewhere.

Rules (see ``docs/domain.md``):

* wrong length or non-digits reject the value (``rejection`` is set, ``digits`` is None);
* scientific notation (``3.27105E+15``) is rejected: Excel already threw digits away, they are unrecoverable;
  what it still shows is its first six digits, the district (``scientific_prefix``), which
  :func:`shows_prefix` compares with a whole NIK;
* an unknown region, an impossible birth date, serial 0000 or a placeholder keep the NIK but flag it: it still
  matches exactly, but its decoded birth date and gender are not trusted as evidence;
* a 16-digit value from a numeric spreadsheet cell that ends in 0 may have lost its last digit (Excel keeps 15
  significant digits): it is flagged ``possibly_truncated`` and its last digit is treated as unknown when
  matching.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from matching.regions import is_known_district

__all__ = [
    "FLAGS",
    "QUOTES",
    "REJECTIONS",
    "SIXTEEN_DIGITS_SHOWN",
    "UNTRUSTED_FLAGS",
    "WHITESPACE",
    "Nik",
    "century_pivot",
    "clean_identifier",
    "decode_birth",
    "is_placeholder",
    "mask_nik",
    "parse_nik",
    "scientific_prefix",
    "shows_prefix",
]

REJECTIONS = frozenset({"empty", "non_digit", "wrong_length", "scientific_notation"})
FLAGS = frozenset(
    {"possibly_truncated", "unknown_region", "impossible_birth_date", "serial_zero", "placeholder"}
)
# Flags that make the decoded birth date and gender worthless as evidence. ``possibly_truncated`` is not one:
# Excel only damages the last (serial) digit, the birth-date digits are intact.
UNTRUSTED_FLAGS = frozenset({"unknown_region", "impossible_birth_date", "serial_zero", "placeholder"})

# A two-digit NIK year at or below this is 20YY, above it 19YY. Fixed at import so one run is consistent.
_CENTURY_PIVOT = date.today().year % 100

# ASCII digits only: a NIK or NIP is typed on a keyboard, and other scripts' digits are no such number.
_SCIENTIFIC = re.compile(r"^[+-]?[0-9]+(?:[.,][0-9]+)?[eE][+-]?[0-9]+$")
SIXTEEN_DIGITS_SHOWN = r"^([1-9])(?:[.,]([0-9]{3,14}))?[eE]\+?15$"
"""A 16-digit number as Excel's General format shows it: one digit, up to five more, "E+15" (the groups:
the first digit and the rest shown); the column rules of :mod:`app.ingest` read it the same way."""
_SIXTEEN_DIGITS_SHOWN = re.compile(SIXTEEN_DIGITS_SHOWN)
# Indonesian spreadsheets use a decimal comma as often as a decimal point.
_DECIMAL_ZERO = re.compile(r"[.,]0+$")
_SEPARATORS = re.compile(r"[\s.\-_/]+")
_ASCII_DIGITS = re.compile(r"^[0-9]+$")
QUOTES = "\"'`‘’“”"
"""Quotes people and spreadsheets put around a number to keep it as text."""
WHITESPACE = "".join(chr(c) for c in range(0x3001) if chr(c).isspace())
"""What ``str.strip()`` removes (U+3000 is the last such character)."""
_PLACEHOLDER_SEQUENCES = frozenset({"1234567890123456", "0123456789012345", "9876543210987654"})


@dataclass(frozen=True, slots=True)
class Nik:
    """A parsed NIK, or the precise reason it was rejected.

    Attributes
    ----------
    raw : str
        The value as given (``str()`` of it).
    digits : str or None
        The normalised 16-digit NIK; None when rejected.
    rejection : str or None
        Machine code: ``empty``, ``non_digit``, ``wrong_length`` or ``scientific_notation``.
    message : str or None
        A sentence explaining the rejection or the flags.
    flags : frozenset of str
        Subset of :data:`FLAGS`.
    birth_date : date or None
        Decoded birth date (women's day minus 40); None when impossible.
    gender : str or None
        ``"M"`` or ``"F"``.
    province, regency, district : str or None
        The 2-, 4- and 6-digit region prefixes (present even when unknown; see the ``unknown_region`` flag).
    scientific_prefix : str or None
        For a NIK rejected as scientific notation, the six leading digits it still shows when they name a
        known district (see :func:`scientific_prefix`).
    """

    raw: str
    digits: str | None
    rejection: str | None
    message: str | None
    flags: frozenset[str]
    birth_date: date | None
    gender: str | None
    province: str | None
    regency: str | None
    district: str | None
    scientific_prefix: str | None = None

    @property
    def ok(self) -> bool:
        """True when the value is a 16-digit NIK (possibly flagged)."""
        return self.digits is not None

    @property
    def trusted(self) -> bool:
        """True when the decoded birth date and gender may be used as evidence."""
        return self.digits is not None and not (self.flags & UNTRUSTED_FLAGS)

    @property
    def usable(self) -> bool:
        """True when the NIK may be compared with other NIKs.

        A placeholder (``2222222222222222``) is nobody's NIK: two records sharing it say nothing about each
        other, so it is kept and flagged but never used to pair records.
        """
        return self.digits is not None and "placeholder" not in self.flags

    @property
    def possibly_truncated(self) -> bool:
        """True when the last digit may have been zeroed by Excel."""
        return "possibly_truncated" in self.flags


def _rejected(raw: str, code: str, message: str, prefix: str | None = None) -> Nik:
    return Nik(raw, None, code, message, frozenset(), None, None, None, None, None, prefix)


@lru_cache(maxsize=65536)
def scientific_prefix(text: str) -> str | None:
    """The district a NIK written in scientific notation still shows: its first six digits.

    Excel's General format shows a 16-digit number with six significant digits and drops trailing zeros
    (``3.2041E+15`` is 320410…). Excel rounds the sixth digit, other exports cut it, so the district is
    the one shown or the one before it (a woman's day of birth, 41–71, rounds up); None unless one of the
    two is a known district. Fewer than four digits shown (``3.27E+15``, the Scientific format) leave
    too little to tell a district.

    >>> scientific_prefix("3.20426E+15"), scientific_prefix("3.2041E+15"), scientific_prefix("3.27E+15")
    ('320426', '320410', None)
    """
    found = _SIXTEEN_DIGITS_SHOWN.match(clean_identifier(text))
    if found is None:
        return None
    shown = (found[1] + (found[2] or "") + "00000")[:6]
    below = f"{int(shown) - 1:06d}"
    return shown if is_known_district(shown) or is_known_district(below) else None


def shows_prefix(digits: str, prefix: str) -> bool:
    """Whether a 16-digit NIK, shown in scientific notation, reads ``prefix``: cut after six digits or
    rounded there, as Excel rounds.

    >>> shows_prefix("3204265608980015", "320426"), shows_prefix("3204255608980015", "320426")
    (True, True)
    >>> shows_prefix("3204251208980015", "320426")
    False
    """
    return digits[:6] == prefix or f"{(int(digits[:7]) + 5) // 10:06d}" == prefix


def decode_birth(segment: str) -> tuple[date | None, str | None]:
    """Decode a NIK's DDMMYY segment into a birth date and gender.

    Women's day of birth has 40 added (Dukcapil rule). The two-digit year is read as the most recent
    matching year that is not in the future.

    Parameters
    ----------
    segment : str
        Six digits, ``DDMMYY``.

    Returns
    -------
    (date or None, str or None)
        None for the date when it does not exist; None for the gender when the day is in neither the
        male (1-31) nor the female (41-71) range.

    Examples
    --------
    >>> decode_birth("520385")
    (datetime.date(1985, 3, 12), 'F')
    >>> decode_birth("310285")
    (None, 'M')
    """
    day, month, year2 = int(segment[0:2]), int(segment[2:4]), int(segment[4:6])
    gender: str | None
    if 1 <= day <= 31:
        gender = "M"
    elif 41 <= day <= 71:
        gender, day = "F", day - 40
    else:
        return None, None
    year = 2000 + year2 if year2 <= _CENTURY_PIVOT else 1900 + year2
    try:
        return date(year, month, day), gender
    except ValueError:
        return None, gender


def is_placeholder(digits: str) -> bool:
    """Tell whether 16 digits are a filler value rather than someone's NIK.

    Examples
    --------
    >>> is_placeholder("2222222222222222"), is_placeholder("3271051203850001")
    (True, False)
    """
    return len(set(digits)) == 1 or digits in _PLACEHOLDER_SEQUENCES


def century_pivot() -> int:
    """A NIK's two-digit year at or below this is 20YY, above it 19YY (fixed when the module is loaded)."""
    return _CENTURY_PIVOT


def clean_identifier(text: str) -> str:
    """A NIK or NIP cell without what surrounds the number: invisible format characters (zero-width space,
    word joiner, a stray BOM, copied from web pages and chat apps), spaces and quotes at either end, and the
    formula ``="3271…"`` that many systems write into CSV exports for Excel.

    Examples
    --------
    >>> clean_identifier(" '3271055203850001' "), clean_identifier('="3271055203850001"')
    ('3271055203850001', '3271055203850001')
    """
    if not text.isascii():
        text = "".join(char for char in text if unicodedata.category(char) != "Cf")
    text = text.strip()
    if text.startswith('="') and text.endswith('"'):
        text = text[1:]
    return text.strip(QUOTES + WHITESPACE)


@lru_cache(maxsize=65536)
def _parse_text(text: str, raw: str, numeric_cell: bool) -> Nik:
    if len(text) == 16 and text.isascii() and text.isdigit():
        # Most values are already 16 clean digits: nothing to clean or reject.
        return _accepted(raw, text, numeric_cell)
    text = clean_identifier(text)
    if not text:
        return _rejected(raw, "empty", "The NIK is empty.")
    if _SCIENTIFIC.match(text):
        return _rejected(
            raw,
            "scientific_notation",
            "The NIK is in scientific notation (Excel showed it as a number); its digits are lost and "
            "cannot be recovered.",
            scientific_prefix(text),
        )
    # "3271051203850001.0" comes from a numeric cell read as float.
    if _DECIMAL_ZERO.search(text) and _ASCII_DIGITS.match(_DECIMAL_ZERO.sub("", text)):
        text = _DECIMAL_ZERO.sub("", text)
        numeric_cell = True
    digits = _SEPARATORS.sub("", text)
    if not _ASCII_DIGITS.match(digits):
        return _rejected(raw, "non_digit", "The NIK contains characters other than digits.")
    if len(digits) != 16:
        return _rejected(raw, "wrong_length", f"The NIK has {len(digits)} digits instead of 16.")
    return _accepted(raw, digits, numeric_cell)


def _accepted(raw: str, digits: str, numeric_cell: bool) -> Nik:
    flags: set[str] = set()
    notes: list[str] = []
    birth, gender = decode_birth(digits[6:12])
    if is_placeholder(digits):
        flags.add("placeholder")
        notes.append("it is a placeholder value, not a real NIK")
    if not is_known_district(digits[:6]):
        flags.add("unknown_region")
        notes.append(f"region code {digits[:6]} is in no Kemendagri edition")
    if birth is None:
        flags.add("impossible_birth_date")
        notes.append(f"birth-date segment {digits[6:12]} is not a real date")
    if digits[12:] == "0000":
        flags.add("serial_zero")
        notes.append("serial 0000 is never issued")
    if numeric_cell and digits.endswith("0"):
        # Excel keeps 15 significant digits: a 16th digit typed into a numeric cell becomes 0.
        flags.add("possibly_truncated")
        notes.append(
            "it came from a numeric cell and ends in 0, so its last digit may have been lost in Excel"
        )
    message = None
    if notes:
        message = "The NIK is kept but " + "; ".join(notes) + "."
    return Nik(
        raw=raw,
        digits=digits,
        rejection=None,
        message=message,
        flags=frozenset(flags),
        birth_date=birth,
        gender=gender,
        province=digits[:2],
        regency=digits[:4],
        district=digits[:6],
    )


def parse_nik(raw: object, *, numeric_cell: bool = False) -> Nik:
    """Parse any raw value into a NIK or a precise rejection.

    Parameters
    ----------
    raw : object
        The cell value: usually a string; an int or float means it came from a numeric cell.
    numeric_cell : bool, keyword-only
        True when the value was read from a numeric spreadsheet cell. Such a value ending in 0 is flagged
        ``possibly_truncated``.

    Returns
    -------
    Nik
        Never raises: unusable values come back with ``rejection`` set.

    Examples
    --------
    >>> n = parse_nik("'3271-0552-0385-0001")
    >>> n.digits, n.gender, n.birth_date, n.trusted
    ('3271055203850001', 'F', datetime.date(1985, 3, 12), True)
    >>> parse_nik("3.27105E+15").rejection
    'scientific_notation'
    >>> sorted(parse_nik(3271051203850010).flags)
    ['possibly_truncated']
    >>> parse_nik("32710512038500").rejection
    'wrong_length'
    """
    if raw is None:
        return _rejected("", "empty", "The NIK is empty.")
    if isinstance(raw, bool):
        return _rejected(str(raw), "non_digit", "The NIK contains characters other than digits.")
    if isinstance(raw, int):
        return _parse_text(str(raw), str(raw), True)
    if isinstance(raw, float):
        if raw != raw or raw in (float("inf"), float("-inf")):
            return _rejected(str(raw), "non_digit", "The NIK contains characters other than digits.")
        if raw >= 1e16 or not raw.is_integer():
            # A float this large or fractional was printed from a lossy number; the digits are gone.
            return _rejected(
                str(raw),
                "scientific_notation",
                "The NIK was stored as a floating-point number and its digits cannot be recovered.",
            )
        return _parse_text(str(int(raw)), str(raw), True)
    text = str(raw)
    return _parse_text(text, text, numeric_cell)


def mask_nik(digits: str) -> str:
    """Mask a NIK for display: the first 4 and last 4 digits stay visible.

    Parameters
    ----------
    digits : str
        A NIK (normally 16 digits). Values of 8 characters or fewer are fully masked.

    Returns
    -------
    str

    Examples
    --------
    >>> mask_nik("3271051203850001")
    '3271********0001'
    """
    if len(digits) <= 8:
        return "*" * len(digits)
    return digits[:4] + "*" * (len(digits) - 8) + digits[-4:]
