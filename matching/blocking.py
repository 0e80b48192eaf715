"""Blocking keys: which roster/list pairs are worth comparing.

The same keys are stored by the app in indexed columns (``nik``, ``nik_k1``..``nik_k4``, ``nik15``,
``person_key``) so the database generates exactly the candidates that the in-memory
:class:`matching.matcher.ListIndex` generates. Use :func:`roster_keys` and :func:`entry_keys` to fill those
columns: they decide which key a record gets.

NIK keys
    Four keys. Key *i* is the digit ``i`` followed by the NIK with one window of positions removed (1-based,
    inclusive): key 1 drops 1-5, key 2 drops 5-9, key 3 drops 9-13, key 4 drops 13-16. Keys 1-3 have 12
    characters, key 4 has 13. The windows overlap by one position, so every single position and every pair of
    adjacent positions lies inside at least one window. Hence any two NIKs one substitution or one adjacent
    transposition apart share at least one of the four keys (the key whose window covers the changed
    positions); identical NIKs share all four. A NIK whose last digit Excel zeroed differs from the true
    one at position 16 and shares key 4 (``nik15`` is also stored for direct look-ups). Keys are only given to
    *usable* NIKs (16 digits, not a placeholder).

Person key
    For records without a usable NIK on one side. Two tagged forms live in the one ``person_key`` column, so
    one equality join serves both kinds:

    * ``R`` + birth date ``YYYYMMDD`` + regency (4 digits): a list entry without usable NIK (its stated birth
      date and regency) meets a roster person with a usable NIK (birth date from the NIP, else from a trusted
      NIK; regency from the NIK). Supports kind ``name_birth_region``.
    * ``G`` + birth date ``DDMMYY`` + gender: a roster person without usable NIK (birth date and gender from
      the NIP) meets a list entry with a trusted NIK (decoded birth date and gender). Supports kind
      ``nip_birth_name``. The two-digit year is what a NIK holds.

    Gender and name never split a block in the ``R`` form: lists often omit gender, and any key built from a
    name would separate spelling variants ("Tjahjo"/"Cahyo", "M."/"Muhammad"). They are checked in scoring.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from matching.nik import Nik, parse_nik
from matching.nip import Nip, parse_nip

if TYPE_CHECKING:
    from matching.matcher import ListEntry, RosterPerson

__all__ = [
    "NIK_KEY_COUNT",
    "NIK_KEY_WINDOWS",
    "BlockKeys",
    "birth_region_key",
    "clean_date",
    "clean_gender",
    "clean_regency",
    "entry_keys",
    "entry_person_key",
    "nik_block_keys",
    "nik_key_numbers",
    "nik_prefix15",
    "person_block_key",
    "roster_birth_date",
    "roster_keys",
]

NIK_KEY_COUNT = 4


# Removed windows (0-based slices) of the four NIK keys; see the module docstring.
NIK_KEY_WINDOWS: tuple[tuple[int, int], ...] = ((0, 5), (4, 9), (8, 13), (12, 16))


def nik_block_keys(digits: str) -> tuple[str, ...]:
    """Return the four NIK blocking keys (see the module docstring for the guarantee).

    Parameters
    ----------
    digits : str
        A 16-digit NIK.

    Returns
    -------
    tuple of 4 str
        Key *i* = ``str(i)`` + the NIK without its *i*-th window of positions.

    Examples
    --------
    >>> nik_block_keys("3271055203850001")
    ('155203850001', '232713850001', '332710552001', '4327105520385')
    >>> a, b = nik_block_keys("3271055203850001"), nik_block_keys("3271055230850001")
    >>> [x == y for x, y in zip(a, b)]
    [False, False, True, False]
    """
    if len(digits) != 16:
        raise ValueError("a NIK block key needs exactly 16 digits")
    return tuple(f"{i + 1}{digits[:s]}{digits[e:]}" for i, (s, e) in enumerate(NIK_KEY_WINDOWS))


def nik_key_numbers(values: npt.NDArray[np.int64]) -> list[npt.NDArray[np.int64]]:
    """:func:`nik_block_keys` of many NIKs at once, each key as the number ``int(key)``.

    The form a database indexes best (8-byte integers); the leading tag digit keeps the four keys apart.

    Parameters
    ----------
    values : int64 array
        16-digit NIKs as integers.

    Examples
    --------
    >>> [int(k[0]) for k in nik_key_numbers(np.array([3271055203850001]))]
    [155203850001, 232713850001, 332710552001, 4327105520385]
    """
    from matching._vector import window_keys  # it imports this module

    return [
        keys + tag * 10 ** (16 - (end - start))
        for tag, ((start, end), keys) in enumerate(zip(NIK_KEY_WINDOWS, window_keys(values), strict=True), 1)
    ]


def nik_prefix15(digits: str) -> str:
    """Return the first 15 digits: the part Excel keeps (15 significant digits).

    Examples
    --------
    >>> nik_prefix15("3271055203850007")
    '327105520385000'
    """
    return digits[:15]


def person_block_key(birth_date: date | None, gender: str | None, name: str) -> str | None:
    """Key for a record found through birth date and gender (``G`` form), e.g. via the NIP.

    Parameters
    ----------
    birth_date : date or None
    gender : str or None
        ``"M"`` or ``"F"``.
    name : str
        Must not be blank, else there is nothing to compare.

    Returns
    -------
    str or None
        ``"G" + DDMMYY + gender``; None when a part is missing.

    Examples
    --------
    >>> person_block_key(date(1985, 3, 12), "F", "Siti Aminah")
    'G120385F'
    >>> person_block_key(None, "F", "Siti Aminah") is None
    True
    """
    # A nameless record has nothing to compare; checked cheaply so 2M list rows never get normalised.
    if birth_date is None or gender not in ("M", "F") or not name.strip():
        return None
    return f"G{birth_date.day:02d}{birth_date.month:02d}{birth_date.year % 100:02d}{gender}"


_MALE = frozenset({"m", "l", "male", "laki-laki", "laki laki", "lakilaki", "laki", "pria", "lk", "1"})
_FEMALE = frozenset({"f", "p", "w", "female", "perempuan", "wanita", "pr", "2"})


def clean_gender(value: object) -> str | None:
    """``"M"``/``"F"`` from the ways lists write gender (Indonesian L/P, Laki-laki/Perempuan, M/F, 1/2).

    Examples
    --------
    >>> clean_gender("L"), clean_gender("Perempuan"), clean_gender("F"), clean_gender("?")
    ('M', 'F', 'F', None)
    """
    if value is None:
        return None
    text = str(value).strip().lower().rstrip(".")
    if text in _MALE:
        return "M"
    if text in _FEMALE:
        return "F"
    return None


def clean_date(value: object) -> date | None:
    """A plain ``date`` from a date, a datetime (pandas Timestamp) or an ISO ``YYYY-MM-DD`` string.

    A datetime never equals a date in Python, so list dates are made plain before any comparison.

    Examples
    --------
    >>> from datetime import datetime
    >>> clean_date(datetime(1985, 3, 12, 0, 0)), clean_date("1985-03-12"), clean_date("12/03/1985")
    (datetime.date(1985, 3, 12), datetime.date(1985, 3, 12), None)
    """
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip()[:10])
        except ValueError:
            return None
    return None


def clean_regency(value: object) -> str | None:
    """A 4-digit Kemendagri regency code from ``"3271"``, ``"32.71"``, ``3271`` or a longer code's prefix.

    Examples
    --------
    >>> clean_regency("32.71"), clean_regency(3271), clean_regency("32.71.05"), clean_regency("Bogor")
    ('3271', '3271', '3271', None)
    """
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip()
    if len(text) == 4 and text.isdigit():
        return text
    digits = "".join(c for c in text if c.isdigit())
    return digits[:4] if len(digits) >= 4 and digits.isascii() else None


def birth_region_key(birth_date: date | None, regency: str | None, name: str) -> str | None:
    """Key for a record found through birth date and regency (``R`` form).

    Parameters
    ----------
    birth_date : date or None
    regency : str or None
        4-digit Kemendagri regency/city code.
    name : str

    Returns
    -------
    str or None
        ``"R" + YYYYMMDD + regency``; None when a part is missing.

    Examples
    --------
    >>> birth_region_key(date(1985, 3, 12), "3271", "Siti Aminah")
    'R198503123271'
    """
    birth_date, regency = clean_date(birth_date), clean_regency(regency)
    if birth_date is None or regency is None:
        return None
    if not name.strip():
        return None
    return f"R{birth_date.year:04d}{birth_date.month:02d}{birth_date.day:02d}{regency}"


@dataclass(frozen=True, slots=True)
class BlockKeys:
    """All blocking keys of one record, as stored in the database columns of the same names.

    Attributes
    ----------
    nik : str or None
        The usable NIK (16 digits), for exact look-ups.
    nik_k1, nik_k2, nik_k3, nik_k4 : str or None
        :func:`nik_block_keys`.
    nik15 : str or None
        :func:`nik_prefix15`.
    person_key : str or None
        ``R...`` or ``G...`` form, see the module docstring.
    """

    nik: str | None = None
    nik_k1: str | None = None
    nik_k2: str | None = None
    nik_k3: str | None = None
    nik_k4: str | None = None
    nik15: str | None = None
    person_key: str | None = None

    def all(self) -> tuple[str, ...]:
        """The non-empty candidate-generating keys (NIK keys and person key), tagged by column.

        Examples
        --------
        >>> BlockKeys(person_key="G120385F").all()
        ('p:G120385F',)
        """
        out = [f"k:{k}" for k in (self.nik_k1, self.nik_k2, self.nik_k3, self.nik_k4) if k]
        if self.person_key:
            out.append(f"p:{self.person_key}")
        return tuple(out)


def _nik_keys(nik: Nik, person_key: str | None) -> BlockKeys:
    if not nik.usable or nik.digits is None:
        return BlockKeys(person_key=person_key)
    k1, k2, k3, k4 = nik_block_keys(nik.digits)
    return BlockKeys(nik.digits, k1, k2, k3, k4, nik_prefix15(nik.digits), person_key)


def roster_birth_date(nik: Nik, nip: Nip | None) -> date | None:
    """The birth date used for a roster person: the NIP's, else a trusted NIK's.

    HR records the real birth date in the NIP; a NIK's date segment is sometimes wrong (``DOMAIN.md``).

    Examples
    --------
    >>> from matching.nik import parse_nik
    >>> roster_birth_date(parse_nik("3271051203850001"), parse_nip("198503132010011001"))
    datetime.date(1985, 3, 13)
    """
    if nip is not None and nip.ok and nip.birth_date is not None:
        return nip.birth_date
    return nik.birth_date if nik.trusted else None


def roster_keys(person: RosterPerson) -> BlockKeys:
    """Blocking keys of a roster person.

    Examples
    --------
    >>> from matching.matcher import RosterPerson
    >>> roster_keys(RosterPerson(1, "3271055203850001", "Siti Aminah")).person_key
    'R198503123271'
    >>> roster_keys(RosterPerson(2, "", "Siti Aminah", nip="198503122010012001")).person_key
    'G120385F'
    """
    nik = parse_nik(person.nik, numeric_cell=person.numeric_cell)
    nip = parse_nip(person.nip) if person.nip else None
    if nik.usable:
        key = birth_region_key(roster_birth_date(nik, nip), nik.regency, person.name)
        return _nik_keys(nik, key)
    if nip is not None and nip.ok:
        return BlockKeys(person_key=person_block_key(nip.birth_date, nip.gender, person.name))
    return BlockKeys()


def entry_keys(entry: ListEntry) -> BlockKeys:
    """Blocking keys of a list entry.

    Examples
    --------
    >>> from matching.matcher import ListEntry
    >>> entry_keys(ListEntry(1, None, "Siti Aminah", date(1985, 3, 12), "3271")).person_key
    'R198503123271'
    >>> entry_keys(ListEntry(2, "3271055203850001", "Siti Aminah")).person_key
    'G120385F'
    """
    nik = parse_nik(entry.nik, numeric_cell=entry.numeric_cell) if entry.nik is not None else None
    if nik is not None and nik.usable:
        return _nik_keys(nik, _entry_person_key(entry, nik))
    return BlockKeys(person_key=birth_region_key(entry.birth_date, entry.regency, entry.name))


def _entry_person_key(entry: ListEntry, nik: Nik | None) -> str | None:
    if nik is not None and nik.usable:
        return person_block_key(nik.birth_date, nik.gender, entry.name) if nik.trusted else None
    return birth_region_key(entry.birth_date, entry.regency, entry.name)


def entry_person_key(entry: ListEntry) -> str | None:
    """``entry_keys(entry).person_key`` without building the NIK keys (for the in-memory index).

    Examples
    --------
    >>> from matching.matcher import ListEntry
    >>> entry_person_key(ListEntry(2, "3271055203850001", "Siti Aminah"))
    'G120385F'
    """
    nik = parse_nik(entry.nik, numeric_cell=entry.numeric_cell) if entry.nik is not None else None
    return _entry_person_key(entry, nik)
