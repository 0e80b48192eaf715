"""NIP (civil-servant number) parsing.

18 digits (BKN rules, see ``docs/domain.md``):

* PNS: birth date YYYYMMDD + CPNS appointment YYYYMM + gender (1 male, 2 female) + serial (3).
* PPPK: birth date YYYYMMDD + year YYYY + ``2`` + contract count (1-9) + gender + serial (3).

Digits 13-14 (1-based) are 21-29 for PPPK and a month (01-12) for PNS, which tells the two apart. Birth date
and gender in the NIP versus the NIK are soft evidence: contradictions are reported, never a reason to reject.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache

from matching.nik import Nik, clean_identifier

__all__ = ["NIP_NIK_CONFLICTS", "Nip", "nip_nik_conflicts", "parse_nip"]

NIP_NIK_CONFLICTS = ("birth_date", "gender")
"""What :func:`nip_nik_conflicts` may report, in its order."""

_SCIENTIFIC = re.compile(r"^[+-]?[0-9]+(?:[.,][0-9]+)?[eE][+-]?[0-9]+$")
_SEPARATORS = re.compile(r"[\s.\-_/]+")
_ASCII_DIGITS = re.compile(r"^[0-9]+$")


@dataclass(frozen=True, slots=True)
class Nip:
    """A parsed NIP, or the reason it was rejected.

    Attributes
    ----------
    raw : str
        The value as given.
    digits : str or None
        18 digits; None when rejected.
    rejection : str or None
        ``empty``, ``non_digit``, ``wrong_length``, ``scientific_notation`` or ``unknown_layout``
        (digits 13-14 are neither a month nor 21-29).
    kind : str or None
        ``"PNS"`` or ``"PPPK"``.
    birth_date : date or None
        None when the first 8 digits are not a real date.
    gender : str or None
        ``"M"`` or ``"F"``; None when the gender digit is not 1 or 2.
    appointment : str or None
        PNS: CPNS appointment ``YYYYMM``; PPPK: the year ``YYYY``.
    serial : str or None
        The last 3 digits.
    message : str or None
        A sentence explaining a rejection or an odd field.
    """

    raw: str
    digits: str | None
    rejection: str | None
    kind: str | None
    birth_date: date | None
    gender: str | None
    appointment: str | None
    serial: str | None
    message: str | None = None

    @property
    def ok(self) -> bool:
        """True when the value has the NIP layout."""
        return self.digits is not None


def _rejected(raw: str, code: str, message: str) -> Nip:
    return Nip(raw, None, code, None, None, None, None, None, message)


@lru_cache(maxsize=65536)
def _parse(raw: str) -> Nip:
    text = clean_identifier(raw)
    if not text:
        return _rejected(raw, "empty", "The NIP is empty.")
    if _SCIENTIFIC.match(text):
        return _rejected(
            raw, "scientific_notation", "The NIP is in scientific notation; its digits are lost."
        )
    if text.endswith(".0"):
        text = text[:-2]
    digits = _SEPARATORS.sub("", text)
    if not _ASCII_DIGITS.match(digits):
        return _rejected(raw, "non_digit", "The NIP contains characters other than digits.")
    if len(digits) != 18:
        return _rejected(raw, "wrong_length", f"The NIP has {len(digits)} digits instead of 18.")
    marker = int(digits[12:14])
    if 21 <= marker <= 29:
        kind, appointment = "PPPK", digits[8:12]
    elif 1 <= marker <= 12:
        kind, appointment = "PNS", digits[8:14]
    else:
        return _rejected(
            raw, "unknown_layout", "Digits 13-14 of the NIP are neither a month (PNS) nor 21-29 (PPPK)."
        )
    notes: list[str] = []
    try:
        birth: date | None = date(int(digits[0:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        birth = None
        notes.append(f"birth-date segment {digits[0:8]} is not a real date")
    gender = {"1": "M", "2": "F"}.get(digits[14])
    if gender is None:
        notes.append(f"gender digit {digits[14]} is neither 1 nor 2")
    message = "The NIP is kept but " + "; ".join(notes) + "." if notes else None
    return Nip(raw, digits, None, kind, birth, gender, appointment, digits[15:18], message)


def parse_nip(raw: object) -> Nip:
    """Parse a NIP (PNS or PPPK).

    Parameters
    ----------
    raw : object
        The cell value.

    Returns
    -------
    Nip
        Never raises.

    Examples
    --------
    >>> n = parse_nip("19850312 201001 2 001")
    >>> n.kind, n.birth_date, n.gender, n.appointment
    ('PNS', datetime.date(1985, 3, 12), 'F', '201001')
    >>> parse_nip("198503122023211001").kind
    'PPPK'
    >>> n = parse_nip(1.98503122010012e17)  # a numeric cell: Excel kept 15 significant digits
    >>> n.digits, n.birth_date, n.gender, n.serial
    ('198503122010012000', datetime.date(1985, 3, 12), 'F', None)
    """
    if raw is None:
        return _rejected("", "empty", "The NIP is empty.")
    if isinstance(raw, float):
        if raw.is_integer() and 1e17 <= raw < 1e18:
            return _numeric_cell(raw)
        return _rejected(
            str(raw), "scientific_notation", "The NIP was stored as a number; its digits are lost."
        )
    return _parse(str(raw))


def _numeric_cell(raw: float) -> Nip:
    # Excel keeps 15 significant digits of a number, and a NIP's first 15 are birth date, appointment and
    # gender: only the 3-digit serial is lost (calamine's float adds noise there too), so keep the rest.
    mantissa = f"{raw:.14e}".split("e")[0].replace(".", "")
    parsed = _parse(mantissa + "000")
    if not parsed.ok:
        return _rejected(str(raw), parsed.rejection or "non_digit", parsed.message or "")
    note = "The NIP came from a numeric cell: its serial (last 3 digits) may have been lost in Excel."
    message = f"{parsed.message} {note}" if parsed.message else note
    return replace(parsed, raw=str(raw), serial=None, message=message)


def nip_nik_conflicts(nip: Nip, nik: Nik) -> tuple[str, ...]:
    """List where a NIP contradicts a NIK.

    Only a trusted NIK (no flag that spoils its birth date or gender) is compared. The NIK has a two-digit
    year, so birth dates are compared on day, month and the year's last two digits.

    Parameters
    ----------
    nip : Nip
    nik : Nik

    Returns
    -------
    tuple of str
        A subset of ``("birth_date", "gender")``, in that order.

    Examples
    --------
    >>> from matching.nik import parse_nik
    >>> nip_nik_conflicts(parse_nip("198503122010011001"), parse_nik("3271055203850001"))
    ('gender',)
    """
    if not nip.ok or not nik.trusted:
        return ()
    conflicts: list[str] = []
    if nip.birth_date is not None and nik.birth_date is not None:
        a, b = nip.birth_date, nik.birth_date
        if (a.day, a.month, a.year % 100) != (b.day, b.month, b.year % 100):
            conflicts.append("birth_date")
    if nip.gender is not None and nik.gender is not None and nip.gender != nik.gender:
        conflicts.append("gender")
    return tuple(conflicts)
