"""Row validation: every row after the header is accepted, rejected with a reason, or counted blank."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from app.ingest.readers import Kind, SourceRow, build_column_map, open_table
from app.ingest.rows import (
    Record,
    Rejection,
    RowValidator,
    normalize_gender,
    parse_birth_date,
    split_place_date,
)
from tests.ingest.conftest import write_csv, write_xlsx_xlsxwriter

NIK_A = "3271050101850001"
NIK_B = "3271055203850001"
NIP_A = "198501012010011001"


def validate(
    header: tuple[str, ...], rows: list[tuple[object, ...]], kind: Kind = "list"
) -> tuple[RowValidator, list[Record | Rejection]]:
    validator = RowValidator(build_column_map(SourceRow(1, header)), kind)
    source = [SourceRow(i, tuple(row)) for i, row in enumerate(rows, start=2)]  # type: ignore[arg-type]
    return validator, list(validator.run(source))


def test_every_row_is_accepted_rejected_or_blank(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "list.csv",
        [
            ["DAFTAR PENDUKUNG"],
            ["NIK", "Nama", "Tanggal Lahir", "JK"],
            [NIK_A, "Budi", "01-01-1985", "L"],
            ["", "", "", ""],
            [NIK_A, "Budi S", "01-01-1985", "L"],
            ["3.27105E+15", "Siti", "", "P"],
            [NIK_B, "", "", "P"],
            ["327105", "Agus", "17 Agustus 1985", "Laki-laki"],
        ],
        delimiter=";",
    )
    with open_table(path, kind="list") as table:
        validator = RowValidator(table.columns, "list")
        outcomes = list(validator.run(table))
    summary = validator.summary
    assert (summary.accepted, summary.rejected, summary.blank) == (2, 3, 1)
    assert summary.rows == 6
    by_line = {outcome.line: outcome for outcome in outcomes}
    assert set(by_line) == {3, 5, 6, 7, 8}
    duplicate = by_line[5]
    assert isinstance(duplicate, Rejection)
    assert (duplicate.reason, duplicate.first_line) == ("duplicate_nik", 3)
    assert "line 3" in duplicate.message
    assert "baris 3" in duplicate.message_id
    damaged = by_line[6]
    assert isinstance(damaged, Rejection)
    assert damaged.reason == "nik_scientific_notation"
    assert damaged.raw == ("3.27105E+15", "Siti", "", "P")
    assert "Teks" in damaged.message_id
    missing = by_line[7]
    assert isinstance(missing, Rejection)
    assert missing.reason == "missing_name"
    kept = by_line[8]
    assert isinstance(kept, Record)  # bad NIK, but name + birth date can still be matched
    assert kept.nik is None
    assert kept.birth_date == dt.date(1985, 8, 17)
    assert kept.gender == "M"
    assert "nik_wrong_length" in kept.flags
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
        validator = RowValidator(table.columns, "list")
        records = [o for o in validator.run(table) if isinstance(o, Record)]
    assert [r.nik for r in records] == ["3271050101850010", "3271055203850001", "3271051708850010"]
    assert "possibly_truncated" in records[0].flags
    assert "possibly_truncated" not in records[1].flags
    assert "possibly_truncated" not in records[2].flags
    assert validator.summary.flags["possibly_truncated"] == 1


def test_truncated_niks_sharing_digits_are_not_rejected_as_duplicates() -> None:
    _validator, outcomes = validate(
        ("NIK", "Nama"), [(3271050101850010.0, "Budi"), (3271050101850010.0, "Bayu")]
    )
    assert all(isinstance(o, Record) for o in outcomes)
    assert "possible_duplicate" in outcomes[1].flags  # type: ignore[union-attr]


def test_placeholder_niks_are_not_duplicates_of_each_other() -> None:
    _, outcomes = validate(
        ("NIK", "Nama", "Tgl Lahir"),
        [("2222222222222222", "Budi", "01-01-1980"), ("2222222222222222", "Siti", "02-02-1982")],
    )
    assert [type(o) for o in outcomes] == [Record, Record]
    _, outcomes = validate(("NIK", "Nama"), [("2222222222222222", "Budi")])
    assert isinstance(outcomes[0], Rejection)
    assert outcomes[0].reason == "nik_placeholder"


def test_list_row_with_unusable_nik_needs_a_birth_date() -> None:
    _, outcomes = validate(
        ("NIK", "Nama", "TTL"),
        [
            ("", "Budi", "Bandung, 01-01-1985"),
            ("", "Siti", ""),
            ("12345", "Agus", ""),
            ("", "Dewi", "Bandung, 31-02-1985"),
        ],
    )
    kept, no_date, bad_nik, bad_date = outcomes
    assert isinstance(kept, Record)
    assert (kept.birth_place, kept.birth_date) == ("Bandung", dt.date(1985, 1, 1))
    assert "nik_empty" in kept.flags
    assert isinstance(no_date, Rejection)
    assert no_date.reason == "nik_empty"
    assert isinstance(bad_nik, Rejection)
    assert bad_nik.reason == "nik_wrong_length"
    assert "5 digits" in bad_nik.message
    assert isinstance(bad_date, Rejection)
    assert bad_date.reason == "birth_date_unparseable"


def test_birth_date_column_holding_place_and_date(tmp_path: Path) -> None:
    # A "Tgl Lahir" column filled like a TTL column: the date still counts, the place is kept.
    path = write_csv(
        tmp_path / "dukungan.csv",
        [["Nama", "Tgl Lahir"], ["Siti Aminah", "Bandung, 12-03-1985"], ["Budi", "Bandung"]],
    )
    with open_table(path, kind="list") as table:
        outcomes = list(RowValidator(table.columns, "list").run(table))
    kept, rejected = outcomes
    assert isinstance(kept, Record)
    assert (kept.birth_place, kept.birth_date) == ("Bandung", dt.date(1985, 3, 12))
    assert isinstance(rejected, Rejection)
    assert rejected.reason == "birth_date_unparseable"


def test_roster_row_with_bad_nik_is_kept_through_a_valid_nip() -> None:
    _, outcomes = validate(
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
    kept, rejected, nothing, bad_nip, ok = outcomes
    assert isinstance(kept, Record)
    assert (kept.nip, kept.nik, kept.unit) == (NIP_A, None, "Dinas Pendidikan")
    assert "nik_wrong_length" in kept.flags
    assert isinstance(rejected, Rejection)
    assert rejected.reason == "nik_wrong_length"
    assert isinstance(nothing, Rejection)
    assert nothing.reason == "missing_identifier"
    assert isinstance(bad_nip, Rejection)
    assert bad_nip.reason == "invalid_nip"
    assert isinstance(ok, Record)
    assert ok.nik == NIK_B


def test_roster_nip_and_nik_contradictions_are_flagged_not_rejected() -> None:
    _, outcomes = validate(("NIP", "NIK", "Nama", "JK"), [(NIP_A, NIK_B, "Siti", "L")], kind="roster")
    record = outcomes[0]
    assert isinstance(record, Record)
    assert {"gender_differs_from_nik", "nip_nik_birth_date_differ", "nip_nik_gender_differ"} <= record.flags


def test_unparseable_birth_date_is_only_a_flag_when_the_nik_identifies_the_person() -> None:
    _, outcomes = validate(("NIK", "Nama", "Tanggal Lahir", "JK"), [(NIK_A, "Budi", "17-08-8S", "X")])
    record = outcomes[0]
    assert isinstance(record, Record)
    assert record.birth_date is None
    assert record.gender is None
    assert {"birth_date_unparseable", "gender_unknown"} <= record.flags


def test_a_two_digit_year_keeps_a_list_row_without_nik_and_is_flagged() -> None:
    _, outcomes = validate(("NIK", "Nama", "TTL"), [("", "Budi Santoso", "Bandung, 17-08-85")])
    record = outcomes[0]
    assert isinstance(record, Record)
    assert (record.birth_date, record.birth_place) == (dt.date(1985, 8, 17), "Bandung")
    assert "birth_date_century_guessed" in record.flags


def test_undecodable_bytes_in_a_name_are_flagged() -> None:
    _, outcomes = validate(("NIK", "Nama"), [(NIK_A, "Ren\ufffd")])
    assert "undecodable_text" in outcomes[0].flags  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("value", "expected", "month_first"),
    [
        ("17-08-1985", dt.date(1985, 8, 17), False),
        ("17/08/1985", dt.date(1985, 8, 17), False),
        ("17.08.1985", dt.date(1985, 8, 17), False),
        ("1985-08-17", dt.date(1985, 8, 17), False),
        ("1985-08-17 00:00:00", dt.date(1985, 8, 17), False),
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
        ("", None, False),
        (None, None, False),
        (True, None, False),
    ],
)
def test_birth_dates(value: object, expected: dt.date | None, month_first: bool) -> None:
    century_guessed = value in ("17-08-85", "17/08/09", "17/08/10", "17 Agustus 85", "08/17/85")
    got = parse_birth_date(value, today=dt.date(2026, 1, 1))  # type: ignore[arg-type]
    assert got == (expected, month_first, century_guessed)


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


def test_place_and_date_split() -> None:
    assert split_place_date("Kota Bandung, 17-08-1985") == ("Kota Bandung", "17-08-1985")
    assert split_place_date("Bandung 17 Agustus 1985") == ("Bandung", "17 Agustus 1985")
    assert split_place_date("Bandung") == ("Bandung", None)
    assert split_place_date(dt.date(1985, 8, 17)) == (None, dt.date(1985, 8, 17))
