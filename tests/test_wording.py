"""Every explanation the matcher writes has an Indonesian wording (app.wording), checked on what it writes."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from app import wording
from app.services.synthetic import generate
from matching.engine import match
from matching.names import compare_names
from matching.records import KINDS, Finding, ListEntry, RosterPerson
from tests.matching.test_domain_variety import (
    test_the_same_name_written_another_way_agrees_strongly as variety,
)

# English words the matcher uses; none may reach a page.
ENGLISH = re.compile(
    r"\b(identical|similarity|digits|agree|position|swapped|both sides|list|roster|titles|removed|"
    r"spellings|unified|variants|dropped|initial|only in|tokens|disagree|available|regency|gender|birth|"
    r"found|through)\b"
)
VARIETY_PAIRS = [pair for mark in variety.pytestmark for pair in mark.args[1]]  # type: ignore[attr-defined]


def _findings() -> list[Finding]:
    data = generate(11, roster_size=400, list_size=4000, plant_per_kind=60, decoys_per_type=20)
    found = match(data.roster, data.entries)
    # The domain's name variety, each pair once through the NIK and once without it.
    roster = [RosterPerson(i, f"32710552038{i:05d}", a, nip=None) for i, (a, _b) in enumerate(VARIETY_PAIRS)]
    entries = [ListEntry(i, f"32710552038{i:05d}", b) for i, (_a, b) in enumerate(VARIETY_PAIRS)]
    assert len(VARIETY_PAIRS) > 20
    return found + match(roster, entries)


@pytest.fixture(scope="module")
def findings() -> list[Finding]:
    return _findings()


def test_every_wording_the_matcher_writes_is_rendered_in_indonesian(findings: list[Finding]) -> None:
    unknown = {
        (feature.name, feature.detail)
        for finding in findings
        for feature in finding.explanation
        if wording.detail_or_none(feature.name, feature.detail) is None
    }
    assert not unknown, sorted(unknown)[:20]
    assert {f.kind for f in findings} == set(KINDS)  # every kind's wordings were seen


def test_the_indonesian_lines_carry_no_english_and_write_decimals_with_a_comma(
    findings: list[Finding],
) -> None:
    for finding in findings:
        features = [{"name": f.name, "outcome": f.outcome, "detail": f.detail} for f in finding.explanation]
        line = wording.explanation(finding.kind, finding.match_class, finding.score, features)
        leftover = ENGLISH.search(line.replace("daftar pembanding", "").replace("daftar ASN", ""))
        assert leftover is None, line
        # Kemendagri writes a district code with dots (32.04.26); a damaged NIK is quoted as the file has it.
        verbatim = re.sub(r"\d{2}\.\d{2}\.\d{2}|\(\d[.,]\d+E\+15\)", "", line.replace("M.", ""))
        assert not re.search(r"\d\.\d", verbatim), line


def test_name_notes_read_as_a_reviewer_would_say_them() -> None:
    comparison = compare_names("Drs. Moch. Soedjono, M.Si.", "Muhammad Sujono")
    detail = "; ".join((f"similarity {comparison.similarity:.2f}", *comparison.notes))
    assert wording.detail("name", detail) == (
        "kemiripan 1,00; gelar diabaikan: Drs., M.Si.; ejaan disamakan: oe→u, dj→j; "
        "variasi nama: moch = muhammad"
    )
    assert wording.detail("gender", "M on both sides") == "laki-laki di kedua daftar"
    assert wording.detail("birth_date", "list 1985-03-12, NIP 1985-03-21") == (
        "daftar pembanding 12-03-1985, NIP 21-03-1985"
    )
    assert wording.detail("nik", "something new") == "something new"  # unknown wording: shown, not lost


def test_times_sizes_numbers_and_actors_read_as_indonesians_write_them() -> None:
    stored = datetime(2026, 12, 7, 14, 28)  # UTC, naive as SQLite gives it back
    assert wording.when(stored) == "07-12-2026 21:28 WIB"
    assert wording.when(stored.replace(tzinfo=UTC), "WIT") == "07-12-2026 23:28 WIT"
    assert wording.when(None) == "–"
    assert wording.size(512) == "512 B"
    assert wording.size(11_848_909) == "11,3 MB"
    assert wording.number(0.94) == "0,94"
    assert wording.number(1234.5, 1) == "1.234,5"
    assert wording.actor("user:operator.demo") == "operator.demo"
    assert wording.actor("system:screening") == "Netra (pemeriksaan ulang otomatis)"
    assert wording.actor("cli:demo") == "baris perintah (demo)"
    assert wording.actor("key:nk_ab12") == "kunci API nk_ab12…"
