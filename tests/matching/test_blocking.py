"""Blocking keys: the guarantee the database path relies on."""

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from matching.blocking import entry_keys, nik_block_keys, nik_prefix15, person_block_key, roster_keys
from matching.matcher import ListEntry, RosterPerson

niks = st.from_regex(r"[0-9]{16}", fullmatch=True)


@given(niks, st.integers(0, 15), st.integers(1, 9))
def test_one_substitution_shares_a_key(nik: str, pos: int, delta: int) -> None:
    other = nik[:pos] + str((int(nik[pos]) + delta) % 10) + nik[pos + 1 :]
    assert set(nik_block_keys(nik)) & set(nik_block_keys(other))


@given(niks, st.integers(0, 14))
def test_one_adjacent_transposition_shares_a_key(nik: str, pos: int) -> None:
    other = nik[:pos] + nik[pos + 1] + nik[pos] + nik[pos + 2 :]
    assert set(nik_block_keys(nik)) & set(nik_block_keys(other))


@given(niks)
def test_fixed_number_of_keys_that_fit_the_database_columns(nik: str) -> None:
    keys = nik_block_keys(nik)
    assert len(keys) == 4
    assert all(len(k) <= 16 for k in keys)
    assert len(set(keys)) == 4
    assert nik_prefix15(nik) == nik[:15]


def test_person_keys_pair_the_right_sides() -> None:
    roster = RosterPerson(1, "3271055203850001", "Siti Aminah")
    no_nik_entry = ListEntry(2, None, "Siti Aminah", date(1985, 3, 12), "3271")
    assert roster_keys(roster).person_key == entry_keys(no_nik_entry).person_key

    via_nip = RosterPerson(3, "3.27105E+15", "Siti Aminah", nip="198503122010012001")
    nik_entry = ListEntry(4, "3271055203850001", "Siti Aminah")
    assert roster_keys(via_nip).person_key == entry_keys(nik_entry).person_key
    assert roster_keys(via_nip).nik is None

    assert person_block_key(None, "F", "Siti") is None
    assert person_block_key(date(1985, 3, 12), None, "Siti") is None
    assert person_block_key(date(1985, 3, 12), "F", "  ") is None


def test_placeholder_nik_gets_no_nik_keys() -> None:
    keys = entry_keys(ListEntry(1, "2222222222222222", "Siti", date(1985, 3, 12), "3271"))
    assert keys.nik is None
    assert keys.person_key == "R198503123271"
