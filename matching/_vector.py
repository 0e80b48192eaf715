"""Vectorised NIK handling for the in-memory index (internal).

Every function here has a scalar twin in :mod:`matching.nik` / :mod:`matching.blocking`; the index only uses
these to *find* candidates quickly and always confirms them with the scalar code, so both paths agree.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from matching.blocking import NIK_KEY_WINDOWS
from matching.nik import _CENTURY_PIVOT, _QUOTES, is_placeholder, parse_nik

I64 = npt.NDArray[np.int64]
_POW10 = [10**k for k in range(17)]


def nik_values(raws: Sequence[str | None]) -> I64:
    """Usable NIKs as int64 (-1 when unusable), equal to ``int(parse_nik(raw).digits)`` when usable.

    Clean 16-digit strings are converted in bulk; anything else goes through :func:`parse_nik`.

    Examples
    --------
    >>> nik_values(["3271055203850001", None, "'3271-0552-0385-0001", "2222222222222222"]).tolist()
    [3271055203850001, -1, 3271055203850001, -1]
    """
    src = [r if r is not None else "" for r in raws]
    try:
        fixed = np.array(src, dtype="S17")
    except UnicodeEncodeError:
        fixed = np.array([r if r.isascii() else "?" for r in src], dtype="S17")
    n = len(src)
    if n == 0:
        return np.empty(0, dtype=np.int64)
    raw = fixed.view(np.uint8).reshape(n, 17)
    digits = raw[:, :16] - np.uint8(48)
    clean = (digits < 10).all(axis=1) & (raw[:, 16] == 0)
    values = digits[:, 0].astype(np.int64)
    for k in range(1, 16):
        values = values * 10 + digits[:, k]
    # A placeholder (all digits equal, or a run like 1234567890123456) is nobody's NIK.
    same = (digits == digits[:, :1]).all(axis=1)
    values[~clean | same] = -1
    for seq in (1234567890123456, 123456789012345, 9876543210987654):
        values[values == seq] = -1
    # Usability does not depend on the numeric-cell flag (it only marks the last digit as uncertain).
    for i in np.flatnonzero(~clean).tolist():
        text = src[i].strip().strip(_QUOTES)
        if len(text) == 16 and text.isascii() and text.isdigit():
            # The common spreadsheet "keep as text" forms ('3271..., "3271...") need no full parse.
            if not is_placeholder(text):
                values[i] = int(text)
            continue
        nik = parse_nik(src[i])
        if nik.usable and nik.digits is not None:
            values[i] = int(nik.digits)
    return values


def window_keys(values: I64) -> list[I64]:
    """The four NIK block keys as integers (same windows as :func:`matching.blocking.nik_block_keys`).

    Examples
    --------
    >>> [int(k[0]) for k in window_keys(np.array([3271055203850001]))]
    [55203850001, 32713850001, 32710552001, 327105520385]
    """
    keys = []
    for start, end in NIK_KEY_WINDOWS:
        high = values // _POW10[16 - start] * _POW10[16 - end]
        low = values % _POW10[16 - end]
        keys.append(high + low)
    return keys


_HASH_BITS = 24
_HASH_MULT = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing: spreads nearby keys over the bitmap


def _bucket(keys: I64) -> npt.NDArray[np.uint64]:
    hashed: npt.NDArray[np.uint64] = (keys.astype(np.uint64) * _HASH_MULT) >> np.uint64(64 - _HASH_BITS)
    return hashed


def join(list_keys: I64, list_valid: npt.NDArray[np.bool_], roster_keys: I64) -> tuple[I64, I64]:
    """All (roster position, list position) with equal keys; invalid list rows never join.

    A bitmap of the (few) roster keys' hash buckets drops almost every list row with one sequential pass;
    only the survivors are looked up exactly.

    Examples
    --------
    >>> r, e = join(np.array([5, 7, 5]), np.array([True, True, False]), np.array([5, 9, 5]))
    >>> sorted(zip(r.tolist(), e.tolist()))
    [(0, 0), (2, 0)]
    """
    if len(roster_keys) == 0 or len(list_keys) == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    bitmap = np.zeros(1 << _HASH_BITS, dtype=np.bool_)
    bitmap[_bucket(roster_keys)] = True
    maybe = np.flatnonzero(bitmap[_bucket(list_keys)] & list_valid)
    order = np.argsort(roster_keys, kind="stable")
    sorted_keys = roster_keys[order]
    wanted = list_keys[maybe]
    left = np.searchsorted(sorted_keys, wanted, side="left")
    right = np.searchsorted(sorted_keys, wanted, side="right")
    counts = right - left
    e_rep = np.repeat(maybe, counts)
    starts = np.repeat(left - np.cumsum(counts) + counts, counts)
    r_pos = order[np.arange(len(e_rep)) + starts]
    return r_pos.astype(np.int64), e_rep.astype(np.int64)


def within_one_edit(a: I64, b: I64) -> npt.NDArray[np.bool_]:
    """Element-wise: are two NIKs equal, one substitution or one adjacent transposition apart?

    Examples
    --------
    >>> within_one_edit(np.array([3271055203850001] * 3), np.array([3271055203850001, 3271055230850001,
    ...     3271055203850022])).tolist()
    [True, True, False]
    """
    da = np.stack([(a // _POW10[15 - k]) % 10 for k in range(16)], axis=1)
    db = np.stack([(b // _POW10[15 - k]) % 10 for k in range(16)], axis=1)
    diff = da != db
    count = diff.sum(axis=1)
    first = diff.argmax(axis=1)
    rows = np.arange(len(a))
    nxt = np.minimum(first + 1, 15)
    swapped = (
        diff[rows, nxt]
        & (da[rows, first] == db[rows, nxt])
        & (da[rows, nxt] == db[rows, first])
        & (first < 15)
    )
    result: npt.NDArray[np.bool_] = (count <= 1) | ((count == 2) & swapped)
    return result


def decoded_birth_gender_keys(values: I64) -> I64:
    """``DDMMYY * 2 + (1 if female)`` from NIK digits, untrusted (-1 for unusable NIKs).

    Only a pre-filter: hits are confirmed with :func:`matching.blocking.entry_keys`.

    Examples
    --------
    >>> decoded_birth_gender_keys(np.array([3271055203850001, -1])).tolist()
    [240771, -1]
    """
    seg = (values // 10_000) % 1_000_000
    day = seg // 10_000
    female = day > 40
    real = np.where(female, day - 40, day)
    key = ((real * 10_000 + seg % 10_000) * 2 + female).astype(np.int64)
    key[values < 0] = -1
    return key


_NON_DIGIT = re.compile(r"[^0-9]")


def birth_region_key_guesses(value: int, nip: str | None) -> tuple[str, ...]:
    """Every ``R`` person key a roster person with this usable NIK could have (a superset, for pre-checks).

    :func:`matching.blocking.roster_birth_date` takes the NIP's birth date (its first 8 digits) when the NIP
    parses, else the NIK's; both candidates are returned, the region always comes from the NIK.

    Examples
    --------
    >>> birth_region_key_guesses(3271055203850001, "19850313 201001 2 001")
    ('R198503123271', 'R198503133271')
    """
    digits = f"{value:016d}"
    day = int(digits[6:8])
    day = day - 40 if day > 40 else day
    yy = int(digits[10:12])
    year = 2000 + yy if yy <= _CENTURY_PIVOT else 1900 + yy
    guesses = [f"R{year:04d}{digits[8:10]}{day:02d}{digits[:4]}"]
    if nip:
        nip_digits = _NON_DIGIT.sub("", nip)
        if len(nip_digits) >= 8:
            guesses.append(f"R{nip_digits[:8]}{digits[:4]}")
    return tuple(guesses)
