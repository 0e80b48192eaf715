"""A NIK Excel turned into scientific notation keeps its district: hand-written cases."""

from datetime import date

from matching.engine import match
from matching.nik import parse_nik, scientific_prefix, shows_prefix
from matching.records import ListEntry, RosterPerson
from matching.scoring import score_pair

MAN = "3204261208850003"  # born 1985-08-12, district 32.04.26 (Kab. Bandung, Cangkuang)
WOMAN = "3204265208850003"  # born 1985-08-12: day 52, so Excel's rounding shows the next district
NIP = "198508122010011001"  # a man born 1985-08-12


def kind(roster: RosterPerson, entry: ListEntry) -> str | None:
    found = score_pair(roster, entry)
    return found.kind if found else None


def test_the_district_shown_is_cut_or_rounded() -> None:
    assert parse_nik("3.20426E+15").scientific_prefix == "320426"
    assert scientific_prefix("3,20426e15") == "320426"
    assert scientific_prefix("3.27E+15") is None  # the Scientific format's three digits name no district
    assert shows_prefix(WOMAN, "320427")  # rounded, as Excel shows it
    assert shows_prefix(WOMAN, "320426")  # cut, as other exports write it
    assert not shows_prefix(MAN, "320427")


def test_district_and_a_complete_rare_name_make_a_possible_finding() -> None:
    roster = RosterPerson(1, MAN, "Drs. Hamzah Zainal Kusumaningrum, M.Si.")
    entry = ListEntry(2, "3.20426E+15", "HAMZAH ZAINAL KUSUMANINGRUM", None, None, "M")
    found = score_pair(roster, entry)
    assert found is not None
    assert (found.kind, found.match_class) == ("nik_district_name", "possible")
    assert "district 32.04.26" in found.explanation[0].detail
    woman = RosterPerson(1, WOMAN, "Euis Kusumaningrum")
    assert kind(woman, ListEntry(2, "3.20427E+15", "EUIS KUSUMANINGRUM")) == "nik_district_name"


def test_a_common_or_incomplete_name_or_another_district_is_not_enough() -> None:
    assert kind(RosterPerson(1, MAN, "Budi Santoso"), ListEntry(2, "3.20426E+15", "Budi Santoso")) is None
    roster = RosterPerson(1, MAN, "Hamzah Zainal Kusumaningrum")
    assert kind(roster, ListEntry(2, "3.20426E+15", "Hamzah Kusumaningrum")) is None  # a word missing
    assert kind(roster, ListEntry(2, "3.20431E+15", "Hamzah Zainal Kusumaningrum")) is None
    # A stated birth date that contradicts, or a stated gender.
    entry = ListEntry(2, "3.20426E+15", "Hamzah Zainal Kusumaningrum", None, None, "F")
    assert kind(roster, entry) is None


def test_with_a_birth_date_the_district_stands_in_for_the_regency() -> None:
    roster = RosterPerson(1, MAN, "Asep Kusumaningrum", nip=NIP)
    listed = ListEntry(2, "3.20426E+15", "ASEP KUSUMANINGRUM", date(1985, 8, 12))  # no regency column
    found = score_pair(roster, listed)
    assert found is not None
    assert found.kind == "name_birth_region"
    assert "district 32.04.26" in found.explanation[3].detail
    # The same row in another district is another Asep.
    assert kind(roster, ListEntry(2, "3.20431E+15", "ASEP KUSUMANINGRUM", date(1985, 8, 12), "3204")) is None


def test_a_damaged_roster_nik_must_show_the_list_niks_district() -> None:
    roster = RosterPerson(1, "3.20426E+15", "Asep Kusumaningrum", nip=NIP)
    found = score_pair(roster, ListEntry(2, MAN, "Asep Kusumaningrum"))
    assert found is not None
    assert found.kind == "nip_birth_name"
    assert found.explanation[-1].name == "region"
    assert kind(roster, ListEntry(2, "3204311208850003", "Asep Kusumaningrum")) is None


def test_a_damaged_row_fitting_two_civil_servants_names_neither() -> None:
    twins = [
        RosterPerson(1, MAN, "Asep Kusumaningrum"),
        RosterPerson(2, "3204261208850004", "Asep Kusumaningrum, S.Pd."),
    ]
    entry = ListEntry(9, "3.20426E+15", "ASEP KUSUMANINGRUM")
    assert match(twins, [entry]) == []
    # A civil servant whose name only resembles it does not fit: the one who fits stands.
    better = [twins[0], RosterPerson(2, "3204261208850004", "Asep Kusumaningrat")]
    assert [(f.roster_ref, f.kind) for f in match(better, [entry])] == [(1, "nik_district_name")]
