"""Kemendagri region codes (kode wilayah), the numbering of a NIK's first six digits.

The table ships as ``matching/data/kode_wilayah.csv`` (extracted from cahyadsn/wilayah, MIT licence in
``LICENSES/wilayah-LICENSE``). Codes from old editions are kept on purpose: a NIK never changes when its
region is renamed or split, so a NIK issued under a retired code is still valid. BPS codes are a different
numbering and must never be used here.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources

__all__ = ["Region", "is_known_district", "regency_code_for_name", "region", "region_name"]


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


_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
# What lists write before a regency or city name; "kotamadya"/"kodya" are the pre-1999 words for a city.
_KIND_WORDS = {
    "kabupaten": "kab",
    "kab": "kab",
    "kabupaten administrasi": "kab",
    "kab adm": "kab",
    "kota": "kota",
    "kota administrasi": "kota",
    "kota adm": "kota",
    "kotamadya": "kota",
    "kota madya": "kota",
    "kodya": "kota",
}
_KIND_PREFIX = re.compile(
    r"^(" + "|".join(sorted((re.escape(w) for w in _KIND_WORDS), key=len, reverse=True)) + r") "
)


def _fold(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).casefold()
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return _NOT_ALNUM.sub(" ", folded).strip()


def _split_kind(folded: str) -> tuple[str | None, str]:
    found = _KIND_PREFIX.match(folded)
    if found is None:
        return None, folded
    return _KIND_WORDS[found.group(1)], folded[found.end() :]


@cache
def _regency_names() -> dict[tuple[str | None, str], frozenset[str]]:
    names: dict[tuple[str | None, str], set[str]] = {}
    for code, r in _table().items():
        if r.level != 2:
            continue
        kind, bare = _split_kind(_fold(r.name))
        names.setdefault((kind, bare), set()).add(code)
        names.setdefault((None, bare), set()).add(code)
    return {key: frozenset(codes) for key, codes in names.items()}


@cache
def regency_code_for_name(text: str) -> str | None:
    """The 4-digit code of a regency or city written by name, when the name names exactly one code.

    Lists state the regency as "Kota Bandung", "KAB. BANDUNG", "Kab Bandung Barat", "Kota Adm. Jakarta
    Selatan" or just "Denpasar". A bare name shared by a kabupaten and a kota ("Bandung", "Bogor"), or a
    name whose code changed between editions (Papua's 2022 split: "Kabupaten Merauke" is 9101 on older NIKs
    and 9301 on newer ones), is ambiguous and gives None: a guessed region must not make a finding.

    Examples
    --------
    >>> regency_code_for_name("KOTA BANDUNG"), regency_code_for_name("Kab. Bandung")
    ('3273', '3204')
    >>> regency_code_for_name("Denpasar"), regency_code_for_name("Kota Adm. Jakarta Selatan")
    ('5171', '3174')
    >>> regency_code_for_name("Bandung") is None, regency_code_for_name("Kabupaten Merauke") is None
    (True, True)
    """
    kind, bare = _split_kind(_fold(text))
    if not bare:
        return None
    codes = _regency_names().get((kind, bare))
    return next(iter(codes)) if codes is not None and len(codes) == 1 else None
