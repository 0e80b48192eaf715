"""Regency names as lists write them, mapped to Kemendagri codes only when unambiguous."""

from __future__ import annotations

import pytest

from matching.regions import regency_code_for_name


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Kota Bandung", "3273"),
        ("KAB. BANDUNG", "3204"),
        ("Kabupaten Bandung Barat", "3217"),
        ("Kodya Bandung", "3273"),
        ("KOTA DENPASAR", "5171"),
        ("Denpasar", "5171"),  # only a city has this name
        ("Kota Adm. Jakarta Selatan", "3174"),
        ("Jakarta Selatan", "3174"),
        ("Kab Badung", "5103"),
        ("Bandung", None),  # a kabupaten and a kota: a guessed region must not make a finding
        ("Kabupaten Merauke", None),  # 9101 on older NIKs, 9301 since Papua's 2022 split
        ("Atlantis", None),
        ("", None),
    ],
)
def test_regency_code_for_name(text: str, code: str | None) -> None:
    assert regency_code_for_name(text) == code
