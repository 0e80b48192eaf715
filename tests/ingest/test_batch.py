"""The chunked validator (``app.ingest.batch``) must decide every row exactly as ``RowValidator.validate``."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from app.ingest.batch import SeenNiks, iter_chunks
from app.ingest.readers import CellValue, SourceRow, build_column_map
from app.ingest.rows import Record, Rejection, RowValidator, _text
from app.ingest.tables import list_keys, roster_keys, stored_nik_key
from matching import nik_batch
from matching.nik import parse_nik

POOL = ["3271055203850001", "3171010101900002", "3515014506000003", "1271011212120004"]
NIKS: list[CellValue] = [
    *POOL,
    "3271059903850005",  # impossible birth date
    "9999055203850001",  # unknown region
    "3271055203850000",  # serial zero
    "2222222222222222",
    "1234567890123456",
    "'3271055203850001",
    " 3171010101900002",
    "3271.0552.0385.0001",
    "327105520385000",
    "32710552038500011",
    "3271055203850001.0",
    "3.27105E+15",
    "32710552O3850001",
    "٣271055203850001",
    "",
    None,
    3271055203850010,
    3171010101900002.0,
]
NAMES: list[CellValue] = [
    "Siti Aminah", "Budi", "  Dewi ", "Agus  Salim", "", None, "123", "Made\tPutu", "Désirée",
    "Nur\ufffd", "O'Brien", "A", "Eko\n", 12,
]  # fmt: skip
GENDERS: list[CellValue] = ["L", "P", "Laki-laki", "Perempuan", "x", "", None, "M", 1]
DATES: list[CellValue] = ["", None, "12-03-1985", "08/17/1985", "bukan tanggal", "   "]
NIPS: list[CellValue] = ["", None, "198503122010012001", "12345"]
TEXTS: list[CellValue] = [
    "Jl. Melati 5",
    "",
    None,
    " Jl. Mawar",
    "Jl.  Kenanga",
    "Kota\tBandung",
    "3271",
    3271,
]

HEADERS = {
    "list": ["NIK", "Nama", "Jenis Kelamin", "Alamat", "Kabupaten", "No KTA", "Pekerjaan", "Tanggal Lahir"],
    "roster": ["NIK", "Nama", "NIP", "Unit Kerja", "Kabupaten", "Jenis Kelamin", "TTL"],
}


def row_cells(kind: str) -> st.SearchStrategy[tuple[CellValue, ...]]:
    if kind == "list":
        parts = [NIKS, NAMES, GENDERS, TEXTS, TEXTS, TEXTS, TEXTS, DATES]
    else:
        parts = [NIKS, NAMES, NIPS, TEXTS, TEXTS, GENDERS, DATES]
    full = st.tuples(*(st.sampled_from(p) for p in parts))
    return st.one_of(
        full,
        full,
        full,
        st.tuples(full, st.integers(0, len(parts))).map(lambda t: t[0][: t[1]]),  # short rows
    )


def slow_view(record: Record, kind: str) -> tuple[Any, ...]:
    keys = list_keys(record) if kind == "list" else roster_keys(record)
    raw = record.nik_info.raw if record.nik_info is not None else ""
    return (
        record.line, raw, record.name, record.gender, ",".join(sorted(record.flags)), record.birth_date,
        keys.nik, *map(stored_nik_key, (keys.nik_k1, keys.nik_k2, keys.nik_k3, keys.nik_k4)), keys.nik15,
        keys.person_key, record.unit, record.address, record.kta, record.occupation, record.regency,
    )  # fmt: skip


def fast_views(chunk: Any, kind: str) -> list[tuple[Any, ...]]:
    f = chunk.fast
    return list(
        zip(
            f.lines, f.nik, f.name, f.gender, f.flags, [None] * len(f), f.nik, f.nik_k1, f.nik_k2, f.nik_k3,
            f.nik_k4, f.nik15, f.person_key, f.text("unit"), f.text("address"), f.text("kta"),
            f.text("occupation"), f.text("regency"), strict=True,
        )
    )  # fmt: skip


def rejection_view(rejection: Rejection) -> tuple[Any, ...]:
    return (rejection.line, rejection.reason, rejection.first_line, rejection.message, rejection.raw)


@st.composite
def files(draw: st.DrawFn) -> tuple[str, list[SourceRow], int]:
    kind = draw(st.sampled_from(["list", "roster"]))
    headers = HEADERS[kind]
    width = draw(st.integers(3, len(headers)))
    body = draw(st.lists(row_cells(kind), max_size=60))
    rows = [SourceRow(line, cells) for line, cells in enumerate(body, start=2)]
    return kind, [SourceRow(1, tuple(headers[:width])), *rows], draw(st.integers(1, 25))


def assert_same(kind: str, header: SourceRow, rows: list[SourceRow], size: int) -> None:
    columns = build_column_map(header)
    slow = RowValidator(columns, kind)  # type: ignore[arg-type]
    fast = RowValidator(columns, kind)  # type: ignore[arg-type]
    expected_records: list[tuple[Any, ...]] = []
    expected_rejections: list[tuple[Any, ...]] = []
    for row in rows:
        outcome = slow.validate(row)
        if isinstance(outcome, Record):
            expected_records.append(slow_view(outcome, kind))
        elif outcome is not None:
            expected_rejections.append(rejection_view(outcome))
    got_records: list[tuple[Any, ...]] = []
    got_rejections: list[tuple[Any, ...]] = []
    for chunk in iter_chunks(fast, rows, size=size):
        got_records += [slow_view(r, kind) for r in chunk.records] + fast_views(chunk, kind)
        got_rejections += [rejection_view(r) for r in chunk.rejections]
    assert sorted(got_records, key=lambda r: r[0]) == expected_records
    assert got_rejections == expected_rejections
    assert fast.summary == slow.summary


@settings(max_examples=300, deadline=None)
@given(files())
def test_chunks_decide_like_the_row_validator(data: tuple[str, list[SourceRow], int]) -> None:
    kind, (header, *rows), size = data
    assert_same(kind, header, rows, size)


def test_every_nik_name_gender_combination_decides_alike() -> None:
    for kind, header in (
        ("list", ("NIK", "Nama", "L/P", "Kab/Kota")),
        ("roster", ("NIK", "Nama", "L/P", "NIP")),
    ):
        cells = [
            (nik, name, gender, extra)
            for nik in NIKS
            for name in NAMES[:4]
            for gender in GENDERS
            for extra in (TEXTS[:3] if kind == "list" else NIPS[:3])
        ]
        rows = [SourceRow(line, c) for line, c in enumerate(cells, start=2)]
        for size in (7, 1000):
            assert_same(kind, SourceRow(1, header), rows, size)


@settings(max_examples=100, deadline=None)
@given(files())
def test_chunks_without_storage_columns_decide_alike(data: tuple[str, list[SourceRow], int]) -> None:
    """``storage=False`` (the offline ``netra match``) leaves out the stored columns and nothing else."""
    kind, (header, *rows), size = data
    columns = build_column_map(header)
    stored = list(iter_chunks(RowValidator(columns, kind), rows, size=size))  # type: ignore[arg-type]
    offline = RowValidator(columns, kind)  # type: ignore[arg-type]
    for full, bare in zip(stored, iter_chunks(offline, rows, size=size, storage=False), strict=True):
        assert [slow_view(r, kind) for r in bare.records] == [slow_view(r, kind) for r in full.records]
        assert [rejection_view(r) for r in bare.rejections] == [rejection_view(r) for r in full.rejections]
        f, b = full.fast, bare.fast
        assert (b.lines, b.nik, b.name, b.gender, b.flag_sets, b.texts) == (
            f.lines,
            f.nik,
            f.name,
            f.gender,
            f.flag_sets,
            f.texts,
        )
        assert b.nik_values.tolist() == f.nik_values.tolist() == [int(nik) for nik in f.nik]
        assert [b.flags, b.nik_k1, b.nik_k2, b.nik_k3, b.nik_k4, b.nik15, b.person_key] == [[]] * 7


@given(st.lists(st.sampled_from(NIKS) | st.text(alphabet="0123456789", min_size=16, max_size=16)))
def test_decode_clean_agrees_with_parse_nik(values: list[CellValue]) -> None:
    batch = nik_batch.decode_clean(values)
    for i, value in enumerate(values):
        parsed = parse_nik(value, numeric_cell=isinstance(value, int | float))
        is_clean = isinstance(value, str) and len(value) == 16 and value.isascii() and value.isdigit()
        assert bool(batch.clean[i]) == (is_clean and parsed.usable)
        if batch.clean[i]:
            assert parsed.flags == nik_batch.flag_names(int(batch.flags[i]))
            assert parsed.gender == (None, "M", "F")[int(batch.gender[i])]
            assert int(batch.values[i]) == int(value)  # type: ignore[arg-type]
            if parsed.birth_date is not None:
                assert (int(batch.year[i]), int(batch.month[i]), int(batch.day[i])) == (
                    parsed.birth_date.year, parsed.birth_date.month, parsed.birth_date.day,
                )  # fmt: skip


def test_seen_niks_cites_the_first_line_across_chunks() -> None:
    seen = SeenNiks()
    assert seen.first_lines(np.array([3, 1, 3, 3]), np.array([10, 11, 12, 13])).tolist() == [-1, -1, 10, 10]
    assert seen.first_lines(np.array([1, 2, 2]), np.array([20, 21, 22])).tolist() == [11, -1, 21]


def test_text_is_what_the_row_validator_keeps() -> None:
    from app.ingest.batch import _text_column

    values: list[CellValue] = [*TEXTS, *NAMES]
    assert _text_column(values) == [_text(v) for v in values]
