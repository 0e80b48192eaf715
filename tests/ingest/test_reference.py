"""The column rules (``app.ingest.rules``) decide every row exactly as the row-by-row reference does.

The reference (``tests/ingest/reference.py``) is the rules written one value at a time in plain Python; the
product decides whole batches with Polars expressions. Generated messy rows (noisy NIKs, Excel damage,
placeholders, every birth-date format, TTL cells, genders, regencies, NIPs, blank and short rows, typed
workbook cells) go through both, split into batches at random so that duplicates meet across batches.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from app.ingest.headers import CellValue, SourceRow, build_column_map
from app.ingest.rules import FileRules
from app.ingest.xlsx_reader import _frame
from tests.ingest.reference import Record, Rejection, RowValidator

POOL = ["3271055203850001", "3171010101900002", "3515014506000003", "1271011212120004"]
NIKS: list[CellValue] = [
    *POOL,
    "3271059903850005",  # impossible birth date
    "9999055203850001",  # unknown region
    "3271055203850000",  # serial zero
    "2222222222222222",
    "0000000000000000",
    "1234567890123456",
    "'3271055203850001",
    " 3171010101900002",
    '="3515014506000003"',
    "\u200b3271055203850001",
    "3271.0552.0385.0001",
    "3271 0552 0385 0001",
    "327105520385000",
    "32710552038500011",
    "3271055203850001.0",
    "3271055203850010,00",
    "3.27105E+15",
    "3,27105E+15",
    "3.2041E+15",
    "3.27106e15",
    "9.99999E+15",
    "3.27E+15",
    "32710552O3850001",
    "٣271055203850001",
    "''",
    "",
    None,
]
TYPED_NIKS: list[CellValue] = [3271055203850010, 3171010101900002.0, 3.27105e15, 1.5, float("nan"), True]
NAMES: list[CellValue] = [
    "Siti Aminah", "Budi", "  Dewi ", "Agus  Salim", "", None, "123", "Made\tPutu", "Désirée",
    "Nur\ufffd", "O'Brien", "A", "Eko\n", "-", "\u3000Wayan\u3000", "Ni\x1cLuh",
]  # fmt: skip
GENDERS: list[CellValue] = ["L", "P", "Laki-laki", "Perempuan", "x", "", None, "M", "Wanita", "PRIA ", "1"]
DATES: list[CellValue] = [
    "", None, "   ", "12-03-1985", "12/03/1985", "12.03.1985", "1985-03-12", "1985-03-12 00:00:00",
    "1985-03-12T08:15", "19850312", "12031985", "17 Agustus 1985", "17-Agt-85", "5 Mei 2001", "12-03-85",
    "08/17/1985", "31/02/1985", "31-13-1985", "bukan tanggal", "Bandung, 12-03-1985", "12 Foo 1985",
    "01-01-1899", "01-01-2099", "20010229", "29-02-2000",
]  # fmt: skip
TYPED_DATES: list[CellValue] = [dt.date(1985, 3, 12), dt.datetime(1990, 1, 2, 0, 0), 31276, 31276.5, 0, True]
TTLS: list[CellValue] = ["Bandung, 12-03-1985", "Jakarta 17 Agustus 1985", "Medan", "", None, "12-03-1985"]
NIPS: list[CellValue] = [
    "", None, "198503122010012001", "19850312 201001 2 001", "198503122023211001", "12345",
    "198503121310012001", "3.2E+17", "'198503122010012001", "198513122010012001",
]  # fmt: skip
TYPED_NIPS: list[CellValue] = [1.98503122010012e17, 198503122010012001, 2.5e16]
TEXTS: list[CellValue] = ["Jl. Melati 5", "", None, " Jl. Mawar", "Jl.  Kenanga", "Kota\tBandung", "3271"]
REGENCIES: list[CellValue] = [
    "3271",
    "32.71",
    "KOTA BANDUNG",
    "Kab. Bandung",
    "Bandung",
    "",
    None,
    "Kota Bogor",
]

HEADERS = {
    "list": [
        "NIK", "Nama", "Jenis Kelamin", "Alamat", "Kabupaten", "No KTA", "Pekerjaan", "Tanggal Lahir",
        "Tempat Lahir", "TTL", "Kecamatan",
    ],
    "roster": ["NIK", "Nama", "NIP", "Unit Kerja", "Kabupaten", "Jenis Kelamin", "TTL", "Tanggal Lahir"],
}  # fmt: skip


def row_cells(kind: str, typed: bool) -> st.SearchStrategy[tuple[CellValue, ...]]:
    niks = NIKS + TYPED_NIKS if typed else NIKS
    dates = DATES + TYPED_DATES if typed else DATES
    nips = NIPS + TYPED_NIPS if typed else NIPS
    if kind == "list":
        parts = [niks, NAMES, GENDERS, TEXTS, REGENCIES, TEXTS, TEXTS, dates, TEXTS, TTLS, TEXTS]
    else:
        parts = [niks, NAMES, nips, TEXTS, REGENCIES, GENDERS, TTLS, dates]
    full = st.tuples(*(st.sampled_from(p) for p in parts))
    return st.one_of(
        full,
        full,
        full,
        st.tuples(full, st.integers(0, len(parts))).map(lambda t: t[0][: t[1]]),  # short rows
        st.just(("",) * len(parts)),  # blank
    )


@st.composite
def files(draw: st.DrawFn) -> tuple[str, bool, list[str], list[SourceRow], list[int]]:
    kind = draw(st.sampled_from(["list", "roster"]))
    typed = draw(st.booleans())
    headers = HEADERS[kind]
    width = draw(st.integers(3, len(headers)))
    body = draw(st.lists(row_cells(kind, typed), max_size=60))
    rows = [SourceRow(line, cells) for line, cells in enumerate(body, start=2)]
    cuts = sorted(draw(st.lists(st.integers(0, len(rows)), max_size=3)))
    return kind, typed, headers[:width], rows, cuts


def reference_view(record: Record) -> dict[str, Any]:
    nik = record.nik_info
    return {
        "line": record.line,
        "name": record.name,
        "nik": record.nik,
        "nik_raw": nik.raw if nik is not None else "",
        "nik_usable": nik is not None and nik.usable,
        "nik_trusted": nik is not None and nik.trusted,
        "nik_gender": nik.gender if nik is not None and nik.trusted else None,
        "possibly_truncated": nik is not None and nik.possibly_truncated,
        "nip": record.nip,
        "nip_birth_date": record.nip_info.birth_date if record.nip_info is not None and record.nip else None,
        "nip_gender": record.nip_info.gender if record.nip_info is not None and record.nip else None,
        "birth_date": record.birth_date,
        "birth_place": record.birth_place,
        "gender": record.gender,
        "unit": record.unit,
        "address": record.address,
        "kta": record.kta,
        "occupation": record.occupation,
        "regency": record.regency,
        "district": record.district,
        "province": record.province,
        "flags": ",".join(sorted(record.flags)),
    }


def reference_rejection(rejection: Rejection, header_width: int) -> tuple[Any, ...]:
    # The columnar reader pads a short row to the header's width and drops empty cells past it.
    raw = list(rejection.raw) + [""] * (header_width - len(rejection.raw))
    while len(raw) > header_width and not raw[-1]:
        raw.pop()
    return (rejection.line, rejection.reason, rejection.message, rejection.message_id, rejection.first_line,
            tuple(raw))  # fmt: skip


def batch_frame(rows: list[SourceRow], width: int, typed: bool) -> pl.DataFrame:
    widest = max([width, *(len(row.cells) for row in rows)])
    if typed:
        return _frame(rows, widest)
    # A CSV cell is always text; a missing field reads as "".
    padded = [tuple("" if cell is None else cell for cell in row.cells) + ("",) * (widest - len(row.cells))
              for row in rows]  # fmt: skip
    data: dict[str, Any] = {"line": pl.Series([row.line for row in rows], dtype=pl.Int64)}
    for index in range(widest):
        data[f"c{index}"] = pl.Series([cells[index] for cells in padded], dtype=pl.String)
    return pl.DataFrame(data)


@settings(max_examples=200, deadline=None)
@given(files())
def test_columns_decide_like_the_row_by_row_reference(
    data: tuple[str, bool, list[str], list[SourceRow], list[int]],
) -> None:
    kind, typed, headers, rows, cuts = data
    columns = build_column_map(SourceRow(1, tuple(headers)))
    reference = RowValidator(columns, kind)  # type: ignore[arg-type]
    if not typed:  # what a CSV gives the reference: text, "" for an empty cell
        rows = [SourceRow(r.line, tuple("" if c is None else c for c in r.cells)) for r in rows]
    expected_rows, expected_rejections = [], []
    for outcome in reference.run(rows):
        if isinstance(outcome, Record):
            expected_rows.append(reference_view(outcome))
        else:
            expected_rejections.append(reference_rejection(outcome, len(headers)))

    rules = FileRules(columns, kind)  # type: ignore[arg-type]
    got_rows: list[dict[str, Any]] = []
    got_rejections: list[tuple[Any, ...]] = []
    for start, end in zip([0, *cuts], [*cuts, len(rows)], strict=True):
        if end <= start:
            continue
        checked = rules.check(batch_frame(rows[start:end], len(headers), typed))
        got_rows += checked.accepted.to_dicts()
        got_rejections += [
            (r.line, r.reason, r.message, r.message_id, r.first_line, r.raw) for r in checked.rejections
        ]
    for row in got_rows:
        row["flags"] = row["flags"] or ""
    assert got_rows == expected_rows
    assert got_rejections == expected_rejections
    assert counts(rules.summary) == counts(reference.summary)


def counts(summary: Any) -> tuple[Any, ...]:
    return (
        summary.accepted,
        summary.rejected,
        summary.blank,
        summary.flagged,
        summary.reasons,
        summary.flags,
    )


def test_a_duplicate_across_batches_cites_the_first_line() -> None:
    columns = build_column_map(SourceRow(1, ("NIK", "Nama")))
    rules = FileRules(columns, "list")
    first = rules.check(
        batch_frame([SourceRow(2, (POOL[0], "Siti")), SourceRow(3, (POOL[1], "Budi"))], 2, False)
    )
    second = rules.check(
        batch_frame([SourceRow(4, (POOL[1], "Budi Lagi")), SourceRow(5, (POOL[0], "S"))], 2, False)
    )
    assert first.rejections == []
    assert [(r.line, r.reason, r.first_line) for r in second.rejections] == [
        (4, "duplicate_nik", 3),
        (5, "duplicate_nik", 2),
    ]
