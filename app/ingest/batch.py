"""Validate rows a chunk at a time: the common clean row in bulk, the rest through :class:`RowValidator`.

:meth:`RowValidator.validate` costs ~20 µs a row, most of it parsing the NIK and building objects, which is
minutes for a two-million-row list. :func:`validate_chunk` gives exactly the same outcomes (accepted rows
with the same values and flags, the same rejections and summary counts; a hypothesis test compares the two)
but decides the common row in bulk with numpy and returns accepted rows as columns (:class:`FastRows`)
instead of :class:`Record` objects.

A row takes the fast path when its NIK cell is a ``str`` of exactly 16 ASCII digits that is not a
placeholder (:func:`matching.nik_batch.decode_clean`), its name is plain printable ASCII without leading,
trailing or doubled spaces, and its birth-date, TTL and NIP cells are empty. Every other row — apostrophes,
spaces and dots in the NIK, numeric cells, dates to parse, NIPs, blank rows, short rows — goes through
:meth:`RowValidator.check` / :meth:`RowValidator.finish` unchanged.

Duplicate NIKs are found for the whole chunk at once against :class:`SeenNiks`, a sorted ``int64`` array of
the first line of every NIK seen so far (16 bytes per distinct NIK, 32 MB for two million, against ~200 MB
for the per-row validator's dict).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from itertools import compress, islice
from operator import attrgetter, itemgetter

import numpy as np
import numpy.typing as npt

from app.ingest.readers import CellValue, Kind, SourceRow, cell_text
from app.ingest.rows import Pending, Record, Rejection, RowValidator, _text, normalize_gender
from matching import blocking, nik_batch

__all__ = ["CHUNK_ROWS", "Chunk", "FastRows", "SeenNiks", "collector_paused", "iter_chunks", "validate_chunk"]

CHUNK_ROWS = 50_000

# Row flag bits beyond matching.nik_batch's NIK flags (1, 2, 4).
_GENDER_UNKNOWN = 8
_GENDER_DIFFERS = 16
_FLAG_BITS = (
    *nik_batch.FLAG_NAMES,
    (_GENDER_UNKNOWN, "gender_unknown"),
    (_GENDER_DIFFERS, "gender_differs_from_nik"),
)


@cache
def _flag_set(mask: int) -> frozenset[str]:
    return frozenset(name for bit, name in _FLAG_BITS if mask & bit)


@cache
def _flag_text(mask: int) -> str:
    return ",".join(sorted(_flag_set(mask)))


I64 = npt.NDArray[np.int64]


class SeenNiks:
    """The first line of every NIK seen so far in one file, as two sorted parallel arrays.

    >>> seen = SeenNiks()
    >>> seen.first_lines(np.array([5, 7, 5]), np.array([2, 3, 4])).tolist()
    [-1, -1, 2]
    >>> seen.first_lines(np.array([7, 9]), np.array([5, 6])).tolist()
    [3, -1]
    """

    def __init__(self) -> None:
        self.keys: I64 = np.empty(0, dtype=np.int64)
        self.lines: I64 = np.empty(0, dtype=np.int64)

    def first_lines(self, keys: I64, lines: I64) -> I64:
        """For rows in line order, the first earlier line holding the same key (-1: none); remembers them."""
        if len(keys) == 0:
            return np.empty(0, dtype=np.int64)
        pos = np.searchsorted(self.keys, keys)
        inside = pos < len(self.keys)
        known = np.zeros(len(keys), dtype=np.bool_)
        known[inside] = self.keys[pos[inside]] == keys[inside]
        first = np.full(len(keys), -1, dtype=np.int64)
        first[known] = self.lines[pos[known]]
        # Within the chunk: the first row of each key (stable sort keeps line order among equal keys).
        order = np.argsort(keys, kind="stable")
        sorted_keys = keys[order]
        group_start = np.ones(len(keys), dtype=np.bool_)
        group_start[1:] = sorted_keys[1:] != sorted_keys[:-1]
        leader = order[np.flatnonzero(group_start)[np.cumsum(group_start) - 1]]
        later = (leader != order) & ~known[order]
        first[order[later]] = lines[leader[later]]
        new = order[group_start & ~known[order]]
        if len(new):
            at = np.searchsorted(self.keys, keys[new])
            self.keys = np.insert(self.keys, at, keys[new])
            self.lines = np.insert(self.lines, at, lines[new])
        return first


@dataclass(slots=True)
class FastRows:
    """Accepted rows decided in bulk, as columns (one item per row, in line order).

    ``nik`` is also the raw cell (a clean NIK is its own raw text) and ``nik_values`` the same NIKs as
    integers; texts are as :class:`Record` holds them (``regency`` is the cell's text, not yet a code);
    ``nik_k1``..``nik_k4`` are :func:`matching.blocking.nik_block_keys` as the database stores them
    (:func:`matching.blocking.nik_key_numbers`), ``nik15`` the first 15 digits and
    ``person_key`` what :mod:`matching.blocking` gives the row. Those six and ``flags`` are what the database
    stores: they stay empty when the chunk was validated with ``storage=False``.
    """

    lines: list[int] = field(default_factory=list)
    nik: list[str] = field(default_factory=list)
    nik_values: I64 = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    name: list[str] = field(default_factory=list)
    gender: list[str | None] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    flag_sets: list[frozenset[str]] = field(default_factory=list)
    nik_k1: list[int] = field(default_factory=list)
    nik_k2: list[int] = field(default_factory=list)
    nik_k3: list[int] = field(default_factory=list)
    nik_k4: list[int] = field(default_factory=list)
    nik15: list[str] = field(default_factory=list)
    person_key: list[str | None] = field(default_factory=list)
    texts: dict[str, list[str | None]] = field(default_factory=dict)
    """``unit``, ``address``, ``kta``, ``occupation``, ``regency``: only the columns the file has."""

    def __len__(self) -> int:
        return len(self.lines)

    def text(self, name: str) -> list[str | None]:
        """A text column, all ``None`` when the file has no such column."""
        found = self.texts.get(name)
        return found if found is not None else [None] * len(self.lines)


@dataclass(slots=True)
class Chunk:
    """One chunk's outcomes: accepted rows (slow-path ``records`` and bulk ``fast``) and rejections, each in
    line order."""

    records: list[Record]
    fast: FastRows
    rejections: list[Rejection]


def _plain_ascii(values: Sequence[object]) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_], I64]:
    """Per value: a ``str`` that ``_text`` returns unchanged (printable ASCII, no leading, trailing or doubled
    space; empty allowed), whether it holds an ASCII letter, and its length (-1 when not a ``str``)."""
    n = len(values)
    texts: list[str]
    try:
        lengths = np.fromiter(map(len, values), dtype=np.int64, count=n)  # type: ignore[arg-type]
        texts = values  # type: ignore[assignment]
        is_text = np.ones(n, dtype=np.bool_)
    except TypeError:
        is_text = np.fromiter((type(v) is str for v in values), dtype=np.bool_, count=n)
        texts = [v if type(v) is str else "" for v in values]
        lengths = np.fromiter(map(len, texts), dtype=np.int64, count=n)
    joined = "\n".join(texts) + "\n"
    if joined.isascii():
        buf = np.frombuffer(joined.encode("ascii"), dtype=np.uint8)
    else:
        is_text &= np.fromiter(map(str.isascii, texts), dtype=np.bool_, count=n)
        buf = np.frombuffer(joined.encode("ascii", "replace"), dtype=np.uint8)
        if len(buf) != len(joined):  # pragma: no cover - "replace" is one byte per character
            raise AssertionError("ascii replace changed the length")
    starts = np.zeros(n, dtype=np.int64)
    np.cumsum(lengths[:-1] + 1, out=starts[1:])
    ends = starts + lengths
    bad = (buf < 0x20) | (buf > 0x7E)
    bad[:-1] |= (buf[:-1] == 0x20) & (buf[1:] == 0x20)
    bad[ends] = False  # the separators
    folded = buf | 0x20
    letter = (folded >= 0x61) & (folded <= 0x7A)
    # Segment i runs from its start to the next one's: the value and its separator (never a letter).
    clean = is_text & ~np.logical_or.reduceat(bad, starts)
    filled = lengths > 0
    edge = np.zeros(n, dtype=np.bool_)
    edge[filled] = (buf[starts[filled]] == 0x20) | (buf[ends[filled] - 1] == 0x20)
    clean &= ~edge
    has_letter = np.logical_or.reduceat(letter, starts) & filled
    return clean, has_letter, np.where(is_text, lengths, -1)


def _text_column(values: Sequence[CellValue]) -> list[str | None]:
    """``[_text(v) for v in values]``, in bulk for plain values."""
    clean, _, _ = _plain_ascii(values)
    out: list[str | None] = [v or None for v in values]  # type: ignore[misc]
    for i in np.flatnonzero(~clean).tolist():
        out[i] = _text(values[i])
    return out


def _strings(columns: Sequence[npt.NDArray[np.uint8]]) -> list[str]:
    """Rows of byte columns (each (n,) or (n, w), ASCII) joined into one ``str`` per row."""
    n = len(columns[0])
    if n == 0:
        return []
    parts = [c.reshape(n, -1) for c in columns]
    matrix = np.concatenate([*parts, np.full((n, 1), 10, dtype=np.uint8)], axis=1)
    return matrix.tobytes().decode("ascii").split("\n")[:n]


def _byte(value: str, n: int) -> npt.NDArray[np.uint8]:
    return np.full(n, ord(value), dtype=np.uint8)


def _two_digits(values: I64) -> npt.NDArray[np.uint8]:
    return np.stack([values // 10 % 10 + 48, values % 10 + 48], axis=1).astype(np.uint8)


_CELLS = attrgetter("cells")
_EMPTY = frozenset({None, ""})  # what ``v is None or v == ""`` accepts (cells are hashable)


class _Fast:
    """Where the fields sit, and the memo of per-value decisions for one validator."""

    def __init__(self, validator: RowValidator) -> None:
        fields = validator.columns.fields
        self.validator = validator
        self.nik = fields.get("nik")
        self.name = fields.get("name")
        self.gender = fields.get("gender")
        self.empty = [fields[f] for f in ("nip", "birth_date", "birth_place_date") if f in fields]
        self.texts = {
            f: fields[f] for f in ("unit", "address", "kta", "occupation", "regency") if f in fields
        }
        used = [
            i for i in (self.nik, self.name, self.gender, *self.empty, *self.texts.values()) if i is not None
        ]
        self.width = max(used) + 1
        self.genders: dict[CellValue, tuple[str | None, bool]] = {}

    def gender_of(self, value: CellValue) -> tuple[str | None, bool]:
        try:
            return self.genders[value]
        except KeyError:
            gender = normalize_gender(value)
            found = self.genders[value] = (gender, gender is None and bool(cell_text(value)))
            return found
        except TypeError:  # pragma: no cover - cells are hashable
            gender = normalize_gender(value)
            return gender, gender is None and bool(cell_text(value))

    def split(self, rows: Sequence[SourceRow]) -> tuple[npt.NDArray[np.bool_], dict[str, list[CellValue]]]:
        """Which rows may take the fast path, and the columns of those candidate rows."""
        n = len(rows)
        cells = list(map(_CELLS, rows))
        wide = np.fromiter(map(len, cells), dtype=np.int64, count=n) >= self.width
        if self.nik is None or self.name is None or not wide.any():
            return np.zeros(n, dtype=np.bool_), {}
        if not wide.all():
            cells = list(compress(cells, wide.tolist()))
        names = ["nik", "name", *(f"empty{i}" for i in range(len(self.empty))), *self.texts]
        indexes = [self.nik, self.name, *self.empty, *self.texts.values()]
        if self.gender is not None:
            names.append("gender")
            indexes.append(self.gender)
        columns = {
            name: list(map(itemgetter(index), cells)) for name, index in zip(names, indexes, strict=True)
        }
        fast = np.zeros(n, dtype=np.bool_)
        ok = np.ones(len(cells), dtype=np.bool_)
        for i in range(len(self.empty)):
            ok &= np.fromiter(
                map(_EMPTY.__contains__, columns[f"empty{i}"]), dtype=np.bool_, count=len(cells)
            )
        clean, letter, lengths = _plain_ascii(columns["name"])
        ok &= clean & letter & (lengths > 0)
        fast[np.flatnonzero(wide)] = ok
        return fast, {name: list(compress(values, ok.tolist())) for name, values in columns.items()}


def validate_chunk(
    validator: RowValidator, rows: Sequence[SourceRow], seen: SeenNiks, *, storage: bool = True
) -> Chunk:
    """Every row's outcome, as :meth:`RowValidator.validate` would give it row by row in file order.

    ``storage=False`` leaves out the bulk rows' columns only the database needs (see :class:`FastRows`):
    the offline ``netra match`` spent a tenth of its time building them.
    """
    fast_rules = _fast_for(validator)
    n = len(rows)
    candidate, columns = fast_rules.split(rows)
    fast_mask = np.zeros(n, dtype=np.bool_)
    batch: nik_batch.NikBatch | None = None
    if columns:
        batch = nik_batch.decode_clean(columns["nik"])
        fast_mask[np.flatnonzero(candidate)] = batch.clean
        keep = batch.clean.tolist()
        columns = {name: list(compress(values, keep)) for name, values in columns.items()}
        batch = _select(batch, batch.clean)

    # The slow rows up to the duplicate look-up, in file order (summary counts as row by row).
    pending: list[Pending] = []
    early: list[Rejection] = []
    for i in np.flatnonzero(~fast_mask).tolist():
        checked = validator.check(rows[i])
        if isinstance(checked, Pending):
            pending.append(checked)
        elif checked is not None:
            early.append(checked)

    # Duplicates over the whole chunk in line order: fast rows are always strict (usable, not truncated).
    fast_index = np.flatnonzero(fast_mask)
    fast_lines = np.array([rows[i].line for i in fast_index.tolist()], dtype=np.int64)
    keyed = [p for p in pending if p.key is not None]
    lines = np.concatenate([fast_lines, np.array([p.row.line for p in keyed], dtype=np.int64)])
    keys = np.concatenate(
        [
            batch.values if batch is not None else np.empty(0, dtype=np.int64),
            np.array([p.key for p in keyed], dtype=np.int64),
        ]
    )
    order = np.argsort(lines, kind="stable")
    first = np.empty(len(lines), dtype=np.int64)
    first[order] = seen.first_lines(keys[order], lines[order])

    records: list[Record] = []
    rejections = list(early)
    slow_first = dict(zip((id(p) for p in keyed), first[len(fast_lines) :].tolist(), strict=True))
    for p in pending:
        found = slow_first.get(id(p), -1)
        outcome = validator.finish(p, None if found < 0 else found)
        (records if isinstance(outcome, Record) else rejections).append(outcome)  # type: ignore[arg-type]

    fast = FastRows()
    if batch is not None and len(fast_lines):
        duplicate = first[: len(fast_lines)] >= 0
        for i in np.flatnonzero(duplicate).tolist():
            row = rows[int(fast_index[i])]
            rejections.append(validator._reject(row, "duplicate_nik", first_line=int(first[i])))
        if duplicate.any():
            keep = (~duplicate).tolist()
            columns = {name: list(compress(values, keep)) for name, values in columns.items()}
            batch = _select(batch, ~duplicate)
            fast_lines = fast_lines[~duplicate]
        fast = _fast_rows(validator, fast_rules, batch, columns, fast_lines, storage=storage)
    rejections.sort(key=lambda r: r.line)
    return Chunk(records, fast, rejections)


def _select(batch: nik_batch.NikBatch, mask: npt.NDArray[np.bool_]) -> nik_batch.NikBatch:
    return nik_batch.NikBatch(
        clean=batch.clean[mask],
        values=batch.values[mask],
        digits=batch.digits[mask],
        flags=batch.flags[mask],
        gender=batch.gender[mask],
        day=batch.day[mask],
        month=batch.month[mask],
        year=batch.year[mask],
    )


def _fast_rows(
    validator: RowValidator,
    rules: _Fast,
    batch: nik_batch.NikBatch,
    columns: dict[str, list[CellValue]],
    lines: I64,
    *,
    storage: bool,
) -> FastRows:
    n = len(lines)
    mask = batch.flags.astype(np.int64)
    trusted = mask == 0
    genders: list[str | None] = [None] * n
    if "gender" in columns:
        decided = list(map(rules.gender_of, columns["gender"]))
        genders = [g for g, _ in decided]
        unknown = np.fromiter((u for _, u in decided), dtype=np.bool_, count=n)
        mask |= np.where(unknown, _GENDER_UNKNOWN, 0)
        stated = np.fromiter((0 if g is None else 1 if g == "M" else 2 for g in genders), np.int64, n)
        differs = trusted & (stated > 0) & (batch.gender > 0) & (stated != batch.gender)
        mask |= np.where(differs, _GENDER_DIFFERS, 0)
    masks = mask.tolist()
    summary = validator.summary
    summary.accepted += n
    counts = np.bincount(mask, minlength=1)
    for value in np.flatnonzero(counts).tolist():
        if value:
            summary.flagged += int(counts[value])
            for flag in _flag_set(value):
                summary.flags[flag] += int(counts[value])
    fast = FastRows(
        lines=lines.tolist(),
        nik=columns["nik"],  # type: ignore[arg-type]
        nik_values=batch.values,
        name=columns["name"],  # type: ignore[arg-type]
        gender=genders,
        flag_sets=list(map(_flag_set, masks)),
        texts={name: _text_column(columns[name]) for name in rules.texts},
    )
    if storage:
        _add_storage_columns(fast, validator.kind, batch, masks, trusted)
    return fast


def _add_storage_columns(
    fast: FastRows, kind: Kind, batch: nik_batch.NikBatch, masks: list[int], trusted: npt.NDArray[np.bool_]
) -> None:
    n = len(fast)
    chars = batch.digits + np.uint8(48)
    gender_char = np.where(batch.gender == 2, ord("F"), ord("M")).astype(np.uint8)
    if kind == "list":
        # "G" + DDMMYY + gender (matching.blocking.person_block_key) for trusted NIKs.
        person = _strings([_byte("G", n), _two_digits(batch.day), chars[:, 8:12], gender_char])
    else:
        # "R" + YYYYMMDD + regency (blocking.birth_region_key of the NIK's date, no NIP on the row).
        year = batch.year
        person = _strings(
            [_byte("R", n), _two_digits(year // 100), _two_digits(year), _two_digits(batch.month),
             _two_digits(batch.day), chars[:, :4]]
        )  # fmt: skip
    person_key: list[str | None] = list(person)
    for i in np.flatnonzero(~trusted).tolist():
        person_key[i] = None
    fast.flags = list(map(_flag_text, masks))
    fast.nik_k1, fast.nik_k2, fast.nik_k3, fast.nik_k4 = (
        keys.tolist() for keys in blocking.nik_key_numbers(fast.nik_values)
    )
    fast.nik15 = _strings([chars[:, :15]])
    fast.person_key = person_key


def _fast_for(validator: RowValidator) -> _Fast:
    rules: _Fast | None = getattr(validator, "_fast_rules", None)
    if rules is None:
        rules = _Fast(validator)
        validator._fast_rules = rules  # type: ignore[attr-defined]
    return rules


def iter_chunks(
    validator: RowValidator, rows: Iterable[SourceRow], *, size: int = CHUNK_ROWS, storage: bool = True
) -> Iterator[Chunk]:
    """Validate ``rows`` a chunk at a time (see the module docstring and :func:`validate_chunk`)."""
    seen = SeenNiks()
    remaining = iter(rows)
    while chunk := list(islice(remaining, size)):
        yield validate_chunk(validator, chunk, seen, storage=storage)


_paused_lock = threading.Lock()
_paused_depth = 0


@contextmanager
def collector_paused() -> Iterator[None]:
    """Keep Python's cyclic garbage collector off while a file is read and stored.

    Reading makes millions of short-lived tuples and lists, none of them in a cycle (reference counting frees
    them), yet every few hundred allocations the collector walks them: measured, a third of ``netra match``'s
    time on a two-million-row list (40 s against 28 s). Nesting and concurrent ingestions are counted, so
    the collector comes back when the last one ends.
    """
    global _paused_depth
    with _paused_lock:
        if _paused_depth == 0 and not gc.isenabled():  # someone else turned it off: leave it to them
            owner = False
        else:
            owner = True
            _paused_depth += 1
            gc.disable()
    try:
        yield
    finally:
        if owner:
            with _paused_lock:
                _paused_depth -= 1
                if _paused_depth == 0:
                    gc.enable()
