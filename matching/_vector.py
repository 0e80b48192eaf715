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
from matching.nik import _CENTURY_PIVOT, QUOTES, parse_nik

I64 = npt.NDArray[np.int64]
_POW10 = [10**k for k in range(17)]


_ZERO8 = np.uint64(0x3030303030303030)
_HIGH_NIBBLES = np.uint64(0xF0F0F0F0F0F0F0F0)
_PLUS6 = np.uint64(0x0606060606060606)
_LOW_PAIRS = np.uint64(0x000000FF000000FF)
_REPDIGIT = 1111111111111111
_QUOTE_BYTES = np.array(sorted({ord(q) for q in QUOTES if ord(q) < 128}), dtype=np.uint8)


def _eight_digits(words: npt.NDArray[np.uint64]) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.bool_]]:
    """Value of 8 ASCII digits packed little-endian in a uint64 (SWAR), and whether all 8 are digits."""
    ok = ((words & _HIGH_NIBBLES) == _ZERO8) & (((words + _PLUS6) & _HIGH_NIBBLES) == _ZERO8)
    w = words - _ZERO8
    w = w * np.uint64(10) + (w >> np.uint64(8))
    w = (
        (w & _LOW_PAIRS) * np.uint64(100 + (1_000_000 << 32))
        + ((w >> np.uint64(16)) & _LOW_PAIRS) * np.uint64(1 + (10_000 << 32))
    ) >> np.uint64(32)
    return w, ok


def nik_values(raws: Sequence[str | None]) -> I64:
    """Usable NIKs as int64 (-1 when unusable), equal to ``int(parse_nik(raw).digits)`` when usable.

    Clean 16-digit strings, optionally behind a spreadsheet quote (``'3271...``), are decoded in bulk from
    one joined byte buffer; anything else of 16 characters or more goes through :func:`parse_nik`.

    Examples
    --------
    >>> nik_values(["3271055203850001", None, "'3271-0552-0385-0001", "2222222222222222"]).tolist()
    [3271055203850001, -1, 3271055203850001, -1]
    """
    n = len(raws)
    values = np.full(n, -1, dtype=np.int64)
    if n == 0:
        return values
    src: Sequence[str] = raws  # type: ignore[assignment]
    try:
        blob = "\n".join(src).encode("utf-8", "surrogatepass")
    except TypeError:
        # None (no NIK) or a non-string cell: one pass to make every value text.
        src = ["" if r is None else str(r) for r in raws]
        blob = "\n".join(src).encode("utf-8", "surrogatepass")
    # Padding: the look-ups below read up to 18 bytes past a row start.
    buf = np.frombuffer(blob + b"\n" * 24, dtype=np.uint8)
    breaks = np.flatnonzero(buf[: len(blob)] == 10)
    if len(breaks) != n - 1:
        # A value holds a line break itself: parse one by one.
        for i, text in enumerate(src):
            values[i] = _scalar_value(text)
        return values
    starts = np.empty(n, dtype=np.int64)
    starts[0] = 0
    starts[1:] = breaks + 1
    lengths = np.empty(n, dtype=np.int64)
    lengths[:-1] = breaks - starts[:-1]
    lengths[-1] = len(blob) - starts[-1]
    first = buf[starts]
    # Where the 16 digits would start: at 0, or at 1 behind a quote ("'3271..." and '"3271..."').
    quoted = np.isin(first, _QUOTE_BYTES)
    offset = np.where((lengths == 17) | ((lengths == 18) & (buf[starts + 17] == first)), 1, 0)
    simple = (lengths == 16) | (quoted & (offset == 1))
    rows = np.flatnonzero(simple)
    pos = starts[rows] + offset[rows]
    # Unaligned 8-byte words at every byte position of the buffer.
    words = np.ndarray(shape=(len(buf) - 7,), dtype="<u8", buffer=buf, strides=(1,))
    high, ok_high = _eight_digits(words[pos])
    low, ok_low = _eight_digits(words[pos + 8])
    got = (high * np.uint64(100_000_000) + low).astype(np.int64)
    got[~(ok_high & ok_low)] = -1
    # A placeholder (all digits equal, or a run like 1234567890123456) is nobody's NIK.
    got[got % _REPDIGIT == 0] = -1
    got[np.isin(got, (1234567890123456, 123456789012345, 9876543210987654))] = -1
    values[rows] = got
    # Fewer than 16 characters can never hold 16 digits; the rest (odd separators, failed fast path) is
    # parsed one by one. Usability does not depend on the numeric-cell flag (it only marks the last digit).
    slow = (lengths >= 16) & (values < 0)
    for i in np.flatnonzero(slow).tolist():
        values[i] = _scalar_value(src[i])
    return values


def _scalar_value(text: str) -> int:
    nik = parse_nik(text)
    return int(nik.digits) if nik.usable and nik.digits is not None else -1


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


def _nip_birth_digits(nip: str | None) -> int:
    if not nip:
        return -1
    head = nip[:8]
    if head.isascii() and head.isdigit():
        return int(head)
    digits = _NON_DIGIT.sub("", nip)
    return int(digits[:8]) if len(digits) >= 8 else -1


def birth_region_codes(values: I64, nips: Sequence[str | None]) -> tuple[I64, I64]:
    """Every ``R`` person key a roster person with a usable NIK could have, as ``YYYYMMDD * 10**4 + regency``.

    A superset, for pre-checks: :func:`matching.blocking.roster_birth_date` takes the NIP's birth date (its
    first 8 digits) when the NIP parses, else the NIK's; both candidates are returned (-1 when a NIP has no 8
    digits), the regency always comes from the NIK. ``int(key[1:])`` of an ``R`` key has the same form.

    Examples
    --------
    >>> nik, nip = birth_region_codes(np.array([3271055203850001]), ["19850313 201001 2 001"])
    >>> nik.tolist(), nip.tolist()
    ([198503123271], [198503133271])
    """
    regency = values // _POW10[12]
    day = values // _POW10[8] % 100
    day = np.where(day > 40, day - 40, day)
    month = values // _POW10[6] % 100
    yy = values // _POW10[4] % 100
    year = np.where(yy <= _CENTURY_PIVOT, 2000 + yy, 1900 + yy)
    from_nik = ((year * 100 + month) * 100 + day) * 10_000 + regency
    nip_birth = np.fromiter((_nip_birth_digits(n) for n in nips), dtype=np.int64, count=len(nips))
    from_nip = np.where(nip_birth >= 0, nip_birth * 10_000 + regency, -1)
    return from_nik.astype(np.int64), from_nip.astype(np.int64)
