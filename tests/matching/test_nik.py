"""NIK parsing rules (docs/domain.md: NIK section)."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from matching.nik import FLAGS, REJECTIONS, mask_nik, parse_nik

VALID = "3271055203850001"  # Kota Bogor, Bogor Selatan district; woman born 12 March 1985


def test_valid_nik_decodes_region_birth_date_and_gender() -> None:
    nik = parse_nik(VALID)
    assert nik.ok
    assert nik.trusted
    assert (nik.province, nik.regency, nik.district) == ("32", "3271", "327105")
    assert nik.birth_date == date(1985, 3, 12)
    assert nik.gender == "F"
    assert nik.flags == frozenset()


@pytest.mark.parametrize(
    "raw",
    [
        " 3271055203850001 ",
        "'3271055203850001",
        '"3271055203850001"',
        "3271 0552 0385 0001",
        "3271.0552.0385.0001",
        "327105-520385-0001",
        "3271055203850001.0",
        '="3271055203850001"',  # the formula CSV exports write so that Excel keeps the digits as text
        "\u200b3271055203850001",  # zero-width space, pasted from a web page
        "\ufeff3271055203850001\u2060",  # a stray BOM, a word joiner
    ],
)
def test_real_world_formatting_is_accepted(raw: str) -> None:
    assert parse_nik(raw).digits == VALID


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "empty"),
        (None, "empty"),
        ("   ", "empty"),
        ("3.27105E+15", "scientific_notation"),
        ("3,27105E+15", "scientific_notation"),
        ("32710552038500O1", "non_digit"),
        ("327105520385000", "wrong_length"),
        ("32710552038500011", "wrong_length"),
        ("٣٢٧١٠٥٥٢٠٣٨٥٠٠٠١", "non_digit"),  # Arabic-Indic digits are not NIK digits
    ],
)
def test_rejections_carry_a_precise_code_and_message(raw: object, code: str) -> None:
    nik = parse_nik(raw)
    assert nik.rejection == code
    assert nik.digits is None
    assert nik.message


def test_numeric_cell_ending_in_zero_is_possibly_truncated() -> None:
    # Excel keeps 15 significant digits: the 16th becomes 0.
    assert "possibly_truncated" in parse_nik("3271055203850010", numeric_cell=True).flags
    assert "possibly_truncated" in parse_nik(3271055203850010).flags
    assert "possibly_truncated" in parse_nik(3271055203850010.0).flags
    assert "possibly_truncated" not in parse_nik("3271055203850010").flags
    assert "possibly_truncated" not in parse_nik(3271055203850011).flags
    assert parse_nik("3271055203850010", numeric_cell=True).trusted


@pytest.mark.parametrize(
    ("raw", "flag"),
    [
        ("9999055203850001", "unknown_region"),
        ("3271053203850001", "impossible_birth_date"),  # day 32
        ("3271057002850001", "impossible_birth_date"),  # women's day 30 in February
        ("3271055203850000", "serial_zero"),
        ("2222222222222222", "placeholder"),
        ("0000000000000000", "placeholder"),
    ],
)
def test_flagged_niks_are_kept_but_not_trusted(raw: str, flag: str) -> None:
    nik = parse_nik(raw)
    assert nik.ok
    assert flag in nik.flags
    assert not nik.trusted
    assert nik.message


def test_placeholder_is_not_usable_for_pairing() -> None:
    assert not parse_nik("2222222222222222").usable
    assert parse_nik("9999055203850001").usable


def test_mask_keeps_first_and_last_four() -> None:
    assert mask_nik(VALID) == "3271********0001"


@given(st.text(max_size=40))
def test_parser_never_raises_and_is_consistent(raw: str) -> None:
    nik = parse_nik(raw)
    assert nik.raw == raw
    assert (nik.digits is None) == (nik.rejection is not None)
    assert nik.rejection is None or nik.rejection in REJECTIONS
    assert nik.flags <= FLAGS
    if nik.digits is not None:
        assert len(nik.digits) == 16
        assert nik.digits.isascii()
        assert nik.digits.isdigit()


@given(st.from_regex(r"[1-9][0-9]{15}", fullmatch=True), st.sampled_from(["", " ", "-", "."]))
def test_any_sixteen_digits_survive_formatting(digits: str, sep: str) -> None:
    formatted = sep.join(digits[i : i + 4] for i in range(0, 16, 4))
    nik = parse_nik(f"'{formatted}")
    assert nik.digits == digits
    assert parse_nik(int(digits)).digits == digits


@given(st.from_regex(r"[0-9]{16}", fullmatch=True))
def test_decoded_fields_match_the_segments(digits: str) -> None:
    nik = parse_nik(digits)
    assert nik.district == digits[:6]
    day = int(digits[6:8])
    if nik.birth_date is not None:
        assert nik.birth_date.day == day - (40 if nik.gender == "F" else 0)
        assert nik.birth_date.month == int(digits[8:10])
        assert nik.birth_date.year % 100 == int(digits[10:12])
    else:
        assert "impossible_birth_date" in nik.flags
