"""NIP parsing and NIP/NIK contradictions (DOMAIN.md: NIP section)."""

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


def test_conflicts_only_against_a_trusted_nik() -> None:
    nip = parse_nip("198503122010011001")  # man born 1985-03-12
    assert nip_nik_conflicts(nip, parse_nik("3271055203850001")) == ("gender",)
    assert nip_nik_conflicts(nip, parse_nik("3271051303850001")) == ("birth_date",)
    assert nip_nik_conflicts(nip, parse_nik("3271051203850001")) == ()
    # Serial 0000 makes the NIK's decoded fields untrustworthy: no evidence either way.
    assert nip_nik_conflicts(nip, parse_nik("3271055203850000")) == ()
