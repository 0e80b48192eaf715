"""NIP parsing and NIP/NIK contradictions (docs/domain.md: NIP section)."""

from datetime import date

import pytest

from matching.nik import parse_nik
from matching.nip import nip_nik_conflicts, parse_nip


def test_pns_nip() -> None:
    nip = parse_nip("19850312 201001 2 001")
    assert (nip.kind, nip.birth_date, nip.gender, nip.appointment, nip.serial) == (
        "PNS",
        date(1985, 3, 12),
        "F",
        "201001",
        "001",
    )


def test_pppk_nip_is_told_apart_by_digits_13_14() -> None:
    nip = parse_nip("198503122023211001")
    assert nip.kind == "PPPK"
    assert nip.appointment == "2023"
    assert nip.gender == "M"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "empty"),
        ("19850312201001200", "wrong_length"),
        ("1985031220100120X1", "non_digit"),
        ("198503122010132001", "unknown_layout"),
    ],
)
def test_rejections(raw: str, code: str) -> None:
    assert parse_nip(raw).rejection == code


def test_a_nip_kept_as_text_by_a_csv_formula() -> None:
    assert parse_nip('="198503122010012001"').digits == "198503122010012001"


def test_a_nip_from_a_numeric_cell_keeps_birth_date_and_gender() -> None:
    # Excel keeps 15 significant digits: birth date, appointment and gender survive, the serial does not.
    nip = parse_nip(float(198202142008011003))
    assert nip.ok
    assert (nip.birth_date, nip.gender, nip.appointment, nip.serial) == (
        date(1982, 2, 14),
        "M",
        "200801",
        None,
    )
    assert nip.digits == "198202142008011000"
    assert parse_nip(1.98e17).rejection == "unknown_layout"
    assert parse_nip(3.27e15).rejection == "scientific_notation"


def test_conflicts_only_against_a_trusted_nik() -> None:
    nip = parse_nip("198503122010011001")  # man born 1985-03-12
    assert nip_nik_conflicts(nip, parse_nik("3271055203850001")) == ("gender",)
    assert nip_nik_conflicts(nip, parse_nik("3271051303850001")) == ("birth_date",)
    assert nip_nik_conflicts(nip, parse_nik("3271051203850001")) == ()
    # Serial 0000 makes the NIK's decoded fields untrustworthy: no evidence either way.
    assert nip_nik_conflicts(nip, parse_nik("3271055203850000")) == ()
