"""Matcher rules: each kind and each decoy of issue 3, pinned by hand-written cases."""

from collections.abc import Sequence
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.blocking import entry_keys, roster_keys
from matching.matcher import (
    KINDS,
    Finding,
    ListEntry,
    ListIndex,
    RosterPerson,
    match,
    score_pair,
    score_pairs,
)
from matching.nik_batch import nik_values
from matching.synthetic import DECOYS, generate

NIK = "3271055203850001"  # woman born 1985-03-12, Kota Bogor
NIP = "198503122010012001"


def kinds(roster: Sequence[RosterPerson], entries: Sequence[ListEntry]) -> list[tuple[str, str]]:
    return [(f.kind, f.match_class) for f in match(roster, entries)]


def test_same_nik_variant_name_is_confirmed() -> None:
    roster = [RosterPerson(1, NIK, "Dra. Hj. Siti Aisyah, M.Pd.", nip=NIP)]
    assert kinds(roster, [ListEntry(1, f"'{NIK}", "SITI AISAH")]) == [("nik_exact", "confirmed")]


def test_same_nik_clearly_different_name_is_a_conflict() -> None:
    roster = [RosterPerson(1, NIK, "Siti Aisyah")]
    found = match(roster, [ListEntry(1, NIK, "Bambang Sutrisno")])
    assert [(f.kind, f.match_class) for f in found] == [("nik_match_name_mismatch", "conflict")]
    assert found[0].explanation[1].outcome == "different"


def test_one_substitution_and_transposition_with_strong_name_are_probable() -> None:
    roster = [RosterPerson(1, NIK, "Siti Aisyah Kusumaningrum")]
    entries = [
        ListEntry(1, "3271055203850007", "Siti Aisyah Kusumaningrum"),
        ListEntry(2, "3271055230850001", "Siti Aisjah Koesoemaningroem"),
    ]
    found = match(roster, entries)
    assert [(f.kind, f.explanation[0].outcome) for f in found] == [
        ("nik_one_digit", "one_substitution"),
        ("nik_one_digit", "adjacent_transposition"),
    ]
    assert "position 16" in found[0].explanation[0].detail


def test_near_nik_with_different_name_is_not_reported() -> None:
    roster = [RosterPerson(1, NIK, "Siti Aisyah Kusumaningrum")]
    assert match(roster, [ListEntry(1, "3271055203850002", "Rina Marlina")]) == []


def test_near_nik_with_contradicting_birth_date_is_not_reported() -> None:
    roster = [RosterPerson(1, NIK, "Siti Aminah")]
    entry = ListEntry(1, "3271055303850001", "Siti Aminah", birth_date=date(1985, 3, 13))
    assert match(roster, [entry]) == []


def test_excel_truncated_nik_on_either_side_is_probable() -> None:
    roster = [RosterPerson(1, "3271055203850007", "Siti Aminah")]
    entry = ListEntry(1, "3271055203850000", "Siti Aminah", numeric_cell=True)
    assert kinds(roster, [entry]) == [("nik_truncated", "probable")]
    roster = [RosterPerson(1, "3271055203850000", "Siti Aminah", numeric_cell=True)]
    assert kinds(roster, [ListEntry(1, "3271055203850007", "Siti Aminah")]) == [("nik_truncated", "probable")]


def test_list_entry_without_nik_found_by_name_birth_date_and_regency() -> None:
    roster = [RosterPerson(1, NIK, "Siti Aminah Kusumaningrum")]
    entry = ListEntry(1, "3.27105E+15", "Siti Aminah Kusumaningrum", date(1985, 3, 12), "3271", "F")
    assert kinds(roster, [entry]) == [("name_birth_region", "possible")]


def test_common_name_different_nik_and_birth_date_is_not_reported() -> None:
    roster = [RosterPerson(1, NIK, "Siti Aminah"), RosterPerson(2, "3271051506900003", "Muhammad Rizki")]
    entries = [
        ListEntry(1, "3271054107920002", "Siti Aminah", date(1992, 7, 1), "3271", "F"),
        ListEntry(2, "3271051102880001", "Muhammad Rizki", date(1988, 2, 11), "3271", "M"),
        ListEntry(3, None, "Siti Aminah", date(1985, 3, 13), "3271", "F"),
        ListEntry(4, None, "Muhammad Rizki", date(1990, 6, 16), "3201", "M"),
    ]
    assert match(roster, entries) == []


def test_unusable_roster_nik_found_through_nip() -> None:
    roster = [RosterPerson(1, "", "Siti Aminah Kusumaningrum, S.Pd.", nip=NIP)]
    assert kinds(roster, [ListEntry(1, NIK, "Siti Aminah Kusumaningrum")]) == [("nip_birth_name", "possible")]
    # Same name, but the NIP says male: not the same person.
    roster = [RosterPerson(1, "", "Siti Aminah Kusumaningrum", nip="198503122010011001")]
    assert match(roster, [ListEntry(1, NIK, "Siti Aminah Kusumaningrum")]) == []


def test_name_alone_never_makes_a_finding() -> None:
    roster = [RosterPerson(1, NIK, "Kusumaningrum Hadiwijaya")]
    assert match(roster, [ListEntry(1, None, "Kusumaningrum Hadiwijaya")]) == []
    assert match(roster, [ListEntry(1, "3174011203900001", "Kusumaningrum Hadiwijaya")]) == []


def test_explanation_text_is_one_line_and_masks_the_nik() -> None:
    found = match([RosterPerson(1, NIK, "Drs. Agoes")], [ListEntry(1, NIK, "Agus")])[0]
    text = found.explanation_text()
    assert "\n" not in text
    assert NIK not in text
    assert "3271********0001" in text
    assert "titles removed: Drs." in text


def db_path(roster: Sequence[RosterPerson], entries: Sequence[ListEntry]) -> list[Finding]:
    """What the database does: equality joins on the stored key columns, then score_pairs."""
    index: dict[str, list[ListEntry]] = {}
    for e in entries:
        for key in entry_keys(e).all():
            index.setdefault(key, []).append(e)
    pairs = [(r, e) for r in roster for key in roster_keys(r).all() for e in index.get(key, [])]
    return score_pairs(pairs)


def test_database_path_and_in_memory_index_agree_on_generated_data() -> None:
    data = generate(3, roster_size=300, list_size=3000, plant_per_kind=20, decoys_per_type=20)
    in_memory = ListIndex(data.entries).match(data.roster)
    assert in_memory == db_path(data.roster, data.entries)
    pairs = [(f.roster_ref, f.list_ref) for f in in_memory]
    assert len(pairs) == len(set(pairs))


def test_generated_data_meets_quality_targets_without_decoys() -> None:
    data = generate(5, roster_size=1000, list_size=10000, plant_per_kind=100, decoys_per_type=100)
    found = match(data.roster, data.entries)
    assert not [f for f in found if (f.roster_ref, f.list_ref) in data.decoys]
    correct = sum(data.labels.get((f.roster_ref, f.list_ref)) == f.kind for f in found)
    assert correct / len(found) >= 0.995
    assert correct / len(data.labels) >= 0.98
    # Every decoy type is planted, so "no decoy reported" covers each of them.
    assert set(data.decoys.values()) == set(DECOYS)


nik_like = st.from_regex(r"32710552038500[0-9]{2}", fullmatch=True)
name_words = st.lists(st.sampled_from(["Siti", "Aminah", "Budi", "Drs.", "Kusumaningrum", "M."]), max_size=3)


@settings(max_examples=200)
@given(nik_like, nik_like, name_words.map(" ".join), name_words.map(" ".join), st.booleans(), st.booleans())
def test_score_invariants(nik_a: str, nik_b: str, name_a: str, name_b: str, num_a: bool, num_b: bool) -> None:
    roster = RosterPerson(1, nik_a, name_a, numeric_cell=num_a)
    entry = ListEntry(2, nik_b, name_b, numeric_cell=num_b)
    found = score_pair(roster, entry)
    if found is None:
        return
    assert 0.0 <= found.score <= 1.0
    assert KINDS[found.kind] == found.match_class
    assert found.explanation[0].name == "nik"
    if found.kind != "nik_exact" and found.kind != "nik_match_name_mismatch":
        assert nik_a != nik_b
    # The in-memory index finds exactly what scoring one pair finds.
    assert ListIndex([entry]).match([roster]) == [found]


def test_an_index_given_the_nik_values_finds_what_it_finds_from_the_entries() -> None:
    data = generate(5, roster_size=300, list_size=3000, plant_per_kind=8, decoys_per_type=8)
    from_entries = ListIndex(data.entries).match(data.roster)
    given_values = ListIndex(data.entries, nik_values=nik_values([e.nik for e in data.entries]))
    assert given_values.match(data.roster) == from_entries
    assert from_entries  # the generated data plants findings of every kind


def test_an_index_refuses_nik_values_that_do_not_line_up_with_the_entries() -> None:
    entries = [ListEntry("a", "3271055203850001", "Siti Aminah")]
    with pytest.raises(ValueError, match="one value per entry"):
        ListIndex(entries, nik_values=nik_values(["3271055203850001", "3271055203850002"]))
