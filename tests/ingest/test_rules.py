"""The column rules: every row after the header is accepted, rejected with a reason, or counted blank."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from app.ingest import values
from app.ingest.headers import CellValue, Kind, SourceRow, build_column_map
from app.ingest.rules import ACCEPTED_COLUMNS, Checked, FileRules, Rejection, Summary
from app.ingest.table import Table, open_table
from app.ingest.xlsx_reader import _frame
from tests.ingest.conftest import write_csv, write_xlsx_xlsxwriter
from tests.ingest.reference import normalize_gender, parse_birth_date, split_place_date

NIK_A = "3271050101850001"
NIK_B = "3271055203850001"
NIP_A = "198501012010011001"

Outcome = dict[str, Any] | Rejection
"""An accepted row (its :data:`ACCEPTED_COLUMNS`, ``flags`` as a set) or a rejection."""


def _outcomes(checked: Checked, into: dict[int, Outcome]) -> None:
    for rejection in checked.rejections:
        into[rejection.line] = rejection
    for row in checked.accepted.iter_rows(named=True):
        assert tuple(row) == ACCEPTED_COLUMNS
        row["flags"] = set(row["flags"].split(",")) if row["flags"] else set()
        into[row["line"]] = row


def _batch(header: tuple[str, ...], rows: list[tuple[object, ...]], *, typed: bool) -> pl.DataFrame:
    """The frame a reader would give: CSV-like ``c{i}`` strings ("" for a missing cell), or, ``typed``, an
    XLSX batch built by the workbook reader's own ``_frame`` (``t{i}`` type codes, null for empty cells)."""
    width = max(len(header), *(len(row) for row in rows))
    source = [SourceRow(line, tuple(row)) for line, row in enumerate(rows, start=2)]  # type: ignore[arg-type]
    if typed:
        return _frame(source, width)
    columns: dict[str, pl.Series] = {"line": pl.Series([row.line for row in source], dtype=pl.Int64)}
    for index in range(width):
        texts = []
        for row in source:
            cell = row.cells[index] if index < len(row.cells) else None
            assert cell is None or isinstance(cell, str), f"a CSV cell is text: {cell!r} (use typed=True)"
            texts.append(cell or "")
        columns[f"c{index}"] = pl.Series(texts, dtype=pl.String)
    return pl.DataFrame(columns)


def decide(
    header: tuple[str, ...],
    rows: list[tuple[object, ...]],
    kind: Kind = "list",
    *,
    typed: bool = False,
    today: dt.date | None = None,
) -> tuple[Summary, dict[int, Outcome]]:
    """Rows (lines 2, 3, …) under ``header`` decided in one batch: the summary and each line's outcome."""
    rules = FileRules(build_column_map(SourceRow(1, header)), kind, today=today)
    outcomes: dict[int, Outcome] = {}
    _outcomes(rules.check(_batch(header, rows, typed=typed)), outcomes)
    return rules.summary, dict(sorted(outcomes.items()))


def decide_table(table: Table, kind: Kind) -> tuple[Summary, dict[int, Outcome]]:
    """Every batch of an opened file decided by one :class:`FileRules`, which must accept the file."""
    rules = FileRules(table.columns, kind)
    outcomes: dict[int, Outcome] = {}
    for batch in table.batches():
        _outcomes(rules.check(batch), outcomes)
    return rules.finish(), dict(sorted(outcomes.items()))


def accepted(outcome: Outcome | None) -> dict[str, Any]:
    assert isinstance(outcome, dict), outcome
    return outcome


def rejected(outcome: Outcome | None) -> Rejection:
    assert isinstance(outcome, Rejection), outcome
    return outcome


def test_a_scientific_notation_nik_showing_a_district_keeps_the_row(tmp_path: Path) -> None:
    # "3.27105E+15" still shows district 32.71.05 (Kota Bogor): district and name may find the person.
    path = write_csv(
        tmp_path / "list.csv",
        [
            ["NIK", "Nama"],
            ["3.27105E+15", "Siti Aminah Kusumaningrum"],
            ["3,2041E+15", "Hamzah Zainal"],  # decimal comma, trailing zero dropped: 32.04.10
            ["9.99999E+15", "Budi"],  # no such district
            ["3.27E+15", "Agus"],  # Excel's Scientific format: too few digits for a district
        ],
    )
    with open_table(path, kind="list") as table:
        summary, by_line = decide_table(table, "list")
    assert (summary.accepted, summary.rejected) == (2, 2)
    for line in (2, 3):
        kept = accepted(by_line[line])
        assert kept["nik"] is None
        assert "nik_scientific_notation" in kept["flags"]
    assert {rejected(by_line[line]).reason for line in (4, 5)} == {"nik_scientific_notation"}


def test_every_row_is_accepted_rejected_or_blank(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "list.csv",
        [
            ["DAFTAR PENDUKUNG"],
            ["NIK", "Nama", "Tanggal Lahir", "JK"],
            [NIK_A, "Budi", "01-01-1985", "L"],
            ["", "", "", ""],
            [NIK_A, "Budi S", "01-01-1985", "L"],
            ["3.27E+15", "Siti", "", "P"],
            [NIK_B, "", "", "P"],
            ["327105", "Agus", "17 Agustus 1985", "Laki-laki"],
        ],
        delimiter=";",
    )
    with open_table(path, kind="list") as table:
        summary, by_line = decide_table(table, "list")
    assert (summary.accepted, summary.rejected, summary.blank) == (2, 3, 1)
    assert summary.rows == 6
    assert set(by_line) == {3, 5, 6, 7, 8}
    duplicate = rejected(by_line[5])
    assert (duplicate.reason, duplicate.first_line) == ("duplicate_nik", 3)
    assert "line 3" in duplicate.message
    assert "baris 3" in duplicate.message_id
    damaged = rejected(by_line[6])
    assert damaged.reason == "nik_scientific_notation"
    assert damaged.raw == ("3.27E+15", "Siti", "", "P")
    assert "Teks" in damaged.message_id
    missing = rejected(by_line[7])
    assert missing.reason == "missing_name"
    kept = accepted(by_line[8])  # bad NIK, but name + birth date can still be matched
    assert kept["nik"] is None
    assert kept["birth_date"] == dt.date(1985, 8, 17)
    assert kept["gender"] == "M"
    assert "nik_wrong_length" in kept["flags"]
    assert summary.flagged == 1
    assert summary.flags["nik_wrong_length"] == 1
    assert summary.reasons == {"duplicate_nik": 1, "nik_scientific_notation": 1, "missing_name": 1}


def test_numeric_cell_nik_from_xlsx_is_flagged_possibly_truncated(tmp_path: Path) -> None:
    path = write_xlsx_xlsxwriter(
        tmp_path / "numeric.xlsx",
        [
            ["NIK", "Nama"],
            [3271050101850010, "Budi"],  # typed as a number: Excel would have zeroed the 16th digit
            [3271055203850001.0, "Siti"],
            ["3271051708850010", "Agus"],  # same digits as text: not flagged
        ],
    )
    with open_table(path, kind="list") as table:
        summary, by_line = decide_table(table, "list")
    records = [accepted(outcome) for outcome in by_line.values()]
    assert [r["nik"] for r in records] == ["3271050101850010", "3271055203850001", "3271051708850010"]
    assert "possibly_truncated" in records[0]["flags"]
    assert "possibly_truncated" not in records[1]["flags"]
    assert "possibly_truncated" not in records[2]["flags"]
    assert summary.flags["possibly_truncated"] == 1


def test_truncated_niks_sharing_digits_are_not_rejected_as_duplicates() -> None:
    _, outcomes = decide(
        ("NIK", "Nama"), [(3271050101850010.0, "Budi"), (3271050101850010.0, "Bayu")], typed=True
    )
    assert all(isinstance(o, dict) for o in outcomes.values())
    assert "possible_duplicate" in accepted(outcomes[3])["flags"]


def test_placeholder_niks_are_not_duplicates_of_each_other() -> None:
    _, outcomes = decide(
        ("NIK", "Nama", "Tgl Lahir"),
        [("2222222222222222", "Budi", "01-01-1980"), ("2222222222222222", "Siti", "02-02-1982")],
    )
    assert [type(o) for o in outcomes.values()] == [dict, dict]
    _, outcomes = decide(("NIK", "Nama"), [("2222222222222222", "Budi")])
    assert rejected(outcomes[2]).reason == "nik_placeholder"


def test_list_row_with_unusable_nik_needs_a_birth_date() -> None:
    _, outcomes = decide(
        ("NIK", "Nama", "TTL"),
        [
            ("", "Budi", "Bandung, 01-01-1985"),
            ("", "Siti", ""),
            ("12345", "Agus", ""),
            ("", "Dewi", "Bandung, 31-02-1985"),
        ],
    )
    kept, no_date, bad_nik, bad_date = outcomes.values()
    kept = accepted(kept)
    assert (kept["birth_place"], kept["birth_date"]) == ("Bandung", dt.date(1985, 1, 1))
    assert "nik_empty" in kept["flags"]
    assert rejected(no_date).reason == "nik_empty"
    assert rejected(bad_nik).reason == "nik_wrong_length"
    assert "5 digits" in rejected(bad_nik).message
    assert rejected(bad_date).reason == "birth_date_unparseable"


def test_birth_date_column_holding_place_and_date(tmp_path: Path) -> None:
    # A "Tgl Lahir" column filled like a TTL column: the date still counts, the place is kept.
    path = write_csv(
        tmp_path / "dukungan.csv",
        [["Nama", "Tgl Lahir"], ["Siti Aminah", "Bandung, 12-03-1985"], ["Budi", "Bandung"]],
    )
    with open_table(path, kind="list") as table:
        _, outcomes = decide_table(table, "list")
    kept, refused = outcomes.values()
    kept = accepted(kept)
    assert (kept["birth_place"], kept["birth_date"]) == ("Bandung", dt.date(1985, 3, 12))
    assert rejected(refused).reason == "birth_date_unparseable"


def test_roster_row_with_bad_nik_is_kept_through_a_valid_nip() -> None:
    _, outcomes = decide(
        ("NIP", "NIK", "Nama Pegawai", "Unit Kerja"),
        [
            (NIP_A, "32710501018500", "Budi", "Dinas Pendidikan"),
            ("", "32710501018500", "Siti", "Dinas Kesehatan"),
            ("", "", "Agus", ""),
            ("1985", "", "Dewi", ""),
            (NIP_A[:-1] + "2", NIK_B, "Rina", "Sekretariat"),
        ],
        kind="roster",
    )
    kept, refused, nothing, bad_nip, ok = outcomes.values()
    kept = accepted(kept)
    assert (kept["nip"], kept["nik"], kept["unit"]) == (NIP_A, None, "Dinas Pendidikan")
    assert "nik_wrong_length" in kept["flags"]
    assert rejected(refused).reason == "nik_wrong_length"
    assert rejected(nothing).reason == "missing_identifier"
    assert rejected(bad_nip).reason == "invalid_nip"
    assert accepted(ok)["nik"] == NIK_B


def test_roster_nip_and_nik_contradictions_are_flagged_not_rejected() -> None:
    _, outcomes = decide(("NIP", "NIK", "Nama", "JK"), [(NIP_A, NIK_B, "Siti", "L")], kind="roster")
    record = accepted(outcomes[2])
    assert {"gender_differs_from_nik", "nip_nik_birth_date_differ", "nip_nik_gender_differ"} <= record[
        "flags"
    ]


def test_unparseable_birth_date_is_only_a_flag_when_the_nik_identifies_the_person() -> None:
    _, outcomes = decide(("NIK", "Nama", "Tanggal Lahir", "JK"), [(NIK_A, "Budi", "17-08-8S", "X")])
    record = accepted(outcomes[2])
    assert record["birth_date"] is None
    assert record["gender"] is None
    assert {"birth_date_unparseable", "gender_unknown"} <= record["flags"]


def test_a_two_digit_year_keeps_a_list_row_without_nik_and_is_flagged() -> None:
    _, outcomes = decide(("NIK", "Nama", "TTL"), [("", "Budi Santoso", "Bandung, 17-08-85")])
    record = accepted(outcomes[2])
    assert (record["birth_date"], record["birth_place"]) == (dt.date(1985, 8, 17), "Bandung")
    assert "birth_date_century_guessed" in record["flags"]


def test_undecodable_bytes_in_a_name_are_flagged() -> None:
    _, outcomes = decide(("NIK", "Nama"), [(NIK_A, "Ren\ufffd")])
    assert "undecodable_text" in accepted(outcomes[2])["flags"]


TODAY = dt.date(2026, 1, 1)


@pytest.mark.parametrize(
    ("value", "expected", "month_first"),
    [
        ("17-08-1985", dt.date(1985, 8, 17), False),
        ("17/08/1985", dt.date(1985, 8, 17), False),
        ("17.08.1985", dt.date(1985, 8, 17), False),
        ("1985-08-17", dt.date(1985, 8, 17), False),
        ("1985-08-17 00:00:00", dt.date(1985, 8, 17), False),
        ("1985-08-17T08:15", dt.date(1985, 8, 17), False),
        ("17 Agustus 1985", dt.date(1985, 8, 17), False),
        ("17 AGT 1985", dt.date(1985, 8, 17), False),
        ("17-Agu-1985", dt.date(1985, 8, 17), False),
        ("1 Pebruari 1990", dt.date(1990, 2, 1), False),
        ("17081985", dt.date(1985, 8, 17), False),
        ("19850817", dt.date(1985, 8, 17), False),
        ("08/17/1985", dt.date(1985, 8, 17), True),
        (31276, dt.date(1985, 8, 17), False),
        (31276.0, dt.date(1985, 8, 17), False),
        (dt.datetime(1985, 8, 17, 0, 0), dt.date(1985, 8, 17), False),
        (dt.date(1985, 8, 17), dt.date(1985, 8, 17), False),
        ("17-08-85", dt.date(1985, 8, 17), False),
        ("17/08/09", dt.date(2009, 8, 17), False),  # 2009: 17 in 2026
        ("17/08/10", dt.date(1910, 8, 17), False),  # 2010 would make a 16-year-old voter
        ("17 Agustus 85", dt.date(1985, 8, 17), False),
        ("08/17/85", dt.date(1985, 8, 17), True),
        ("31-02-1985", None, False),
        ("17 Agustusan 1985", None, False),
        ("01-01-1850", None, False),
        ("01-01-2999", None, False),
        ("１７-08-1985", None, False),  # fullwidth digits: dates are typed with ASCII digits
        ("", None, False),
        (None, None, False),
        (True, None, False),
    ],
)
def test_birth_dates(value: CellValue, expected: dt.date | None, month_first: bool) -> None:
    century_guessed = value in ("17-08-85", "17/08/09", "17/08/10", "17 Agustus 85", "08/17/85")
    assert parse_birth_date(value, today=TODAY) == (expected, month_first, century_guessed)
    # The column rules read the same cell alike, as CSV text and as a workbook cell.
    for typed in (False, True) if value is None or isinstance(value, str) else (True,):
        _, outcomes = decide(
            ("NIK", "Nama", "Tanggal Lahir"), [(NIK_A, "Budi", value)], typed=typed, today=TODAY
        )
        row = accepted(outcomes[2])
        flags = row["flags"]
        got = (row["birth_date"], "birth_date_month_first" in flags, "birth_date_century_guessed" in flags)
        assert got == (expected, month_first, century_guessed), f"typed={typed}"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("L", "M"),
        ("Laki-laki", "M"),
        ("LAKI LAKI", "M"),
        ("Pria", "M"),
        ("P", "F"),
        ("Perempuan", "F"),
        ("wanita", "F"),
        ("", None),
        ("?", None),
    ],
)
def test_gender(value: str, expected: str | None) -> None:
    assert normalize_gender(value) == expected
    for typed in (False, True):
        _, outcomes = decide(("NIK", "Nama", "JK"), [(NIK_A, "Budi", value)], typed=typed)
        row = accepted(outcomes[2])
        assert row["gender"] == expected, f"typed={typed}"
        assert ("gender_unknown" in row["flags"]) == (expected is None and value != ""), f"typed={typed}"


PLACE_DATE_CASES: list[tuple[CellValue, str | None, CellValue]] = [
    ("Kota Bandung, 17-08-1985", "Kota Bandung", "17-08-1985"),
    ("Bandung 17 Agustus 1985", "Bandung", "17 Agustus 1985"),
    ("Bandung", "Bandung", None),
    (dt.date(1985, 8, 17), None, dt.date(1985, 8, 17)),
]


@pytest.mark.parametrize(("value", "place", "date"), PLACE_DATE_CASES)
def test_place_and_date_split(value: CellValue, place: str | None, date: CellValue) -> None:
    assert split_place_date(value) == (place, date)
    if isinstance(value, str):  # the column expression on TTL text
        frame = pl.DataFrame({"ttl": [value]})
        for stage in values.split_place_date("ttl", "out"):
            frame = frame.with_columns(**stage)
        assert frame.select("out_place", "out_date").row(0) == (place, date)
    # The rules keep the place and read the date part as a birth date.
    for typed in (False, True) if isinstance(value, str) else (True,):
        _, outcomes = decide(("NIK", "Nama", "TTL"), [(NIK_A, "Budi", value)], typed=typed)
        row = accepted(outcomes[2])
        assert (row["birth_place"], row["birth_date"]) == (place, parse_birth_date(date)[0]), f"typed={typed}"
