"""Bulk NIK decoding for the common case: many values that are exactly 16 ASCII digits.

:func:`decode_clean` is :func:`matching.nik.parse_nik` for a whole column at once, restricted to the values
that need no cleaning: a ``str`` of exactly 16 ASCII digits that is not a placeholder. For those it gives the
same flags, gender and trust as ``parse_nik`` (a hypothesis test compares the two); every other value is
marked not ``clean`` and must go through ``parse_nik`` one by one. Rows are decoded from one byte buffer with
numpy, about fifty times faster than parsing them one at a time.

Flags are a bit mask (:data:`UNKNOWN_REGION`, :data:`IMPOSSIBLE_BIRTH_DATE`, :data:`SERIAL_ZERO`); a clean
value never has ``placeholder`` or ``possibly_truncated`` (a ``str`` is never a numeric cell).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from itertools import compress

import numpy as np
import numpy.typing as npt

from matching._vector import nik_values
from matching.nik import _CENTURY_PIVOT, _PLACEHOLDER_SEQUENCES
from matching.regions import known_district_codes

__all__ = [
    "FLAG_NAMES",
    "IMPOSSIBLE_BIRTH_DATE",
    "SERIAL_ZERO",
    "UNKNOWN_REGION",
    "NikBatch",
    "decode_clean",
    "flag_names",
    "nik_values",  # usable NIKs as int64, the form ListIndex(nik_values=...) takes
]

UNKNOWN_REGION = 1
IMPOSSIBLE_BIRTH_DATE = 2
SERIAL_ZERO = 4
FLAG_NAMES: tuple[tuple[int, str], ...] = (
    (UNKNOWN_REGION, "unknown_region"),
    (IMPOSSIBLE_BIRTH_DATE, "impossible_birth_date"),
    (SERIAL_ZERO, "serial_zero"),
)

_DAYS = np.array([0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)
_PLACEHOLDERS = np.array(sorted(int(s) for s in _PLACEHOLDER_SEQUENCES), dtype=np.int64)
_POWERS = 10 ** np.arange(15, -1, -1, dtype=np.int64)


@cache
def _known_districts() -> npt.NDArray[np.bool_]:
    known = np.zeros(1_000_000, dtype=np.bool_)
    known[np.fromiter(known_district_codes(), dtype=np.int64)] = True
    return known


def flag_names(mask: int) -> frozenset[str]:
    """The :data:`matching.nik.FLAGS` names of a flag bit mask.

    Examples
    --------
    >>> sorted(flag_names(UNKNOWN_REGION | SERIAL_ZERO))
    ['serial_zero', 'unknown_region']
    """
    return frozenset(name for bit, name in FLAG_NAMES if mask & bit)


@dataclass(frozen=True, slots=True)
class NikBatch:
    """The decoded column; every array has one item per input value.

    Attributes
    ----------
    clean : ndarray of bool
        The value is a ``str`` of 16 ASCII digits and not a placeholder: the other fields are valid.
    values : ndarray of int64
        The NIK as an integer (0 where not clean).
    digits : ndarray of uint8, shape (n, 16)
        The digits 0-9 (0 where not clean).
    flags : ndarray of uint8
        Bit mask of :data:`FLAG_NAMES`.
    gender : ndarray of uint8
        0 unknown, 1 ``"M"``, 2 ``"F"`` (as :attr:`matching.nik.Nik.gender`).
    day, month, year : ndarray of int64
        The decoded birth date's parts (women's day minus 40; the year with its century), meaningful where
        the ``IMPOSSIBLE_BIRTH_DATE`` flag is not set.
    """

    clean: npt.NDArray[np.bool_]
    values: npt.NDArray[np.int64]
    digits: npt.NDArray[np.uint8]
    flags: npt.NDArray[np.uint8]
    gender: npt.NDArray[np.uint8]
    day: npt.NDArray[np.int64]
    month: npt.NDArray[np.int64]
    year: npt.NDArray[np.int64]

    @property
    def trusted(self) -> npt.NDArray[np.bool_]:
        """Clean and without a flag that makes the decoded birth date and gender worthless."""
        result: npt.NDArray[np.bool_] = self.clean & (self.flags == 0)
        return result


def _sixteen_digits(values: Sequence[object]) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.uint8]]:
    """Which values are ``str`` of 16 ASCII digits, and their digits as an (n, 16) array."""
    n = len(values)
    try:
        lengths = np.fromiter(map(len, values), dtype=np.int64, count=n)  # type: ignore[arg-type]
    except TypeError:  # numbers from spreadsheet cells
        lengths = np.array([len(v) if type(v) is str else -1 for v in values], dtype=np.int64)
    candidates = lengths == 16
    texts: list[str] = list(compress(values, candidates.tolist()))  # type: ignore[arg-type]
    if not set(map(type, texts)) <= {str}:  # anything else with a length is not a cell's text
        candidates &= np.fromiter((type(v) is str for v in values), dtype=np.bool_, count=n)
        texts = list(compress(values, candidates.tolist()))  # type: ignore[arg-type]
    digits = np.zeros((n, 16), dtype=np.uint8)
    if texts:
        # "replace" keeps one byte per character, so a non-ASCII character becomes a non-digit "?".
        raw = np.frombuffer("".join(texts).encode("ascii", "replace"), dtype=np.uint8).reshape(-1, 16)
        ok = ((raw >= 48) & (raw <= 57)).all(axis=1)
        rows = np.flatnonzero(candidates)
        candidates[rows[~ok]] = False
        digits[rows[ok]] = raw[ok] - 48
    return candidates, digits


def decode_clean(values: Sequence[object]) -> NikBatch:
    """Decode every value that is 16 clean ASCII digits; mark the rest for :func:`parse_nik`.

    Examples
    --------
    >>> values = ["3271055203850001", "3271-0552-0385-0001", 3271055203850001, "3271059903850000"]
    >>> batch = decode_clean(values)
    >>> batch.clean.tolist(), batch.gender.tolist()[:1], batch.values.tolist()[:1]
    ([True, False, False, True], [2], [3271055203850001])
    >>> sorted(flag_names(int(batch.flags[3])))
    ['impossible_birth_date', 'serial_zero']
    >>> decode_clean(["2222222222222222"]).clean.tolist()
    [False]
    """
    clean, digits = _sixteen_digits(values)
    d = digits.astype(np.int64)
    number = d @ _POWERS
    placeholder = (d == d[:, :1]).all(axis=1) | np.isin(number, _PLACEHOLDERS)
    clean &= ~placeholder
    district = d[:, :6] @ _POWERS[10:]
    day = d[:, 6] * 10 + d[:, 7]
    month = d[:, 8] * 10 + d[:, 9]
    year2 = d[:, 10] * 10 + d[:, 11]
    male = (day >= 1) & (day <= 31)
    female = (day >= 41) & (day <= 71)
    day = np.where(female, day - 40, day)
    year = np.where(year2 <= _CENTURY_PIVOT, 2000 + year2, 1900 + year2)
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    month_ok = (month >= 1) & (month <= 12)
    last_day = _DAYS[np.where(month_ok, month, 0)] - ((month == 2) & ~leap)
    birth_ok = (male | female) & month_ok & (day <= last_day)
    flags = np.where(_known_districts()[district], 0, UNKNOWN_REGION)
    flags |= np.where(birth_ok, 0, IMPOSSIBLE_BIRTH_DATE)
    flags |= np.where((d[:, 12:] == 0).all(axis=1), SERIAL_ZERO, 0)
    gender = np.where(male, 1, np.where(female, 2, 0))
    return NikBatch(
        clean=clean,
        values=np.where(clean, number, 0),
        digits=digits,
        flags=np.where(clean, flags, 0).astype(np.uint8),
        gender=np.where(clean, gender, 0).astype(np.uint8),
        day=day,
        month=month,
        year=year,
    )
