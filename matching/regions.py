"""Kemendagri region codes (kode wilayah), the numbering of a NIK's first six digits.

The table ships as ``matching/data/kode_wilayah.csv`` (extracted from cahyadsn/wilayah, MIT licence in
``LICENSES/wilayah-LICENSE``). Codes from old editions are kept on purpose: a NIK never changes when its
region is renamed or split, so a NIK issued under a retired code is still valid. BPS codes are a different
numbering and must never be used here.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache
from importlib import resources

__all__ = ["Region", "is_known_district", "region", "region_name"]


@dataclass(frozen=True, slots=True)
class Region:
    """One Kemendagri region code.

    Attributes
    ----------
    code : str
        2 (province), 4 (regency/city) or 6 (district) digits.
    level : int
        1, 2 or 3.
    name : str
        Name as Kemendagri writes it ("Kabupaten Temanggung").
    first_seen, last_seen : int
        First and last edition of the table holding the code.
    """

    code: str
    level: int
    name: str
    first_seen: int
    last_seen: int


@cache
def _table() -> dict[str, Region]:
    text = resources.files("matching").joinpath("data/kode_wilayah.csv").read_text(encoding="utf-8")
    table: dict[str, Region] = {}
    for row in csv.DictReader(io.StringIO(text)):
        level = int(row["level"])
        # Levels 1-3 only: village codes (level 4) are not part of a NIK.
        if level > 3:
            continue
        table[row["kode"]] = Region(
            row["kode"], level, row["nama"], int(row["first_seen"]), int(row["last_seen"])
        )
    return table


def region(code: str) -> Region | None:
    """Look up a province, regency or district code.

    Parameters
    ----------
    code : str
        2, 4 or 6 digits.

    Returns
    -------
    Region or None
        None when the code is in no edition of the table.

    Examples
    --------
    >>> region("3271").name
    'Kota Bogor'
    >>> region("9999") is None
    True
    """
    return _table().get(code)


def region_name(code: str) -> str | None:
    """Return the Kemendagri name of a region code, or None when unknown.

    Examples
    --------
    >>> region_name("32")
    'Jawa Barat'
    """
    found = region(code)
    return found.name if found else None


def is_known_district(code: str) -> bool:
    """Tell whether a 6-digit district (kecamatan) code exists in any edition.

    Examples
    --------
    >>> is_known_district("327101")
    True
    >>> is_known_district("327199")
    False
    """
    found = region(code)
    return found is not None and found.level == 3


@cache
def known_district_codes() -> frozenset[int]:
    """All known 6-digit district codes as integers, for vectorised look-ups.

    Examples
    --------
    >>> 327101 in known_district_codes()
    True
    """
    return frozenset(int(code) for code, r in _table().items() if r.level == 3)
