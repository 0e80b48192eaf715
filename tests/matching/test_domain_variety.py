"""Hand-written cases for the variety docs/domain.md describes, one per fact."""

from datetime import date

import pytest

from matching.engine import match
from matching.names import compare_names, normalize_name
from matching.nik import parse_nik
from matching.records import ListEntry, RosterPerson
from matching.thresholds import NAME_STRONG


@pytest.mark.parametrize(
    ("a", "b"),
    [
        # Titles before and after, comma-separated, Hj. for women, case and spacing.
        ("Dr. H. Ahmad Fauzi, S.Pd., M.Si.", "Ahmad Fauzi"),
        ("Prof.Dr.H.Ahmad Fauzi,M.Si", "AHMAD FAUZI"),
        ("Hj. Siti Aminah, S.E., M.M.", "siti aminah"),
        ("Hj.Siti Aminah", "Siti  Aminah "),
        ("Budi Santoso, S.Tr.Kes", "Budi Santoso"),
        ("Budi Santoso, M.A.P", "Budi Santoso"),
        ("Rina Wati A.Ma.Pd", "Rina Wati"),
        ("Ns. Rina Marlina, S.Kep.", "Rina Marlina"),
        ("Ibu Siti Aminah", "Siti Aminah"),
        ("Bpk. Budi Santoso", "Budi Santoso"),
        ("Budi Santoso (Alm)", "Budi Santoso"),
        # Old spellings in any position.
        ("Agoes Soeprijanto", "Agus Supriyanto"),
        ("Djoko Santoso", "Joko Santoso"),
        ("Budi Tjahjono", "Budi Cahyono"),
        ("I Njoman Suarta", "I Nyoman Suarta"),
        ("Sjarifuddin Hasan", "Syarifuddin Hasan"),
        ("Chairul Anwar", "Khairul Anwar"),
        ("Jusuf Hamdani", "Yusuf Hamdani"),
        ("Taufik Aditja", "Taufik Aditya"),
        # Arabic-origin variants and abbreviations.
        ("Mochamad Rizki", "Muhammad Rizki"),
        ("Moch. Rizki", "Muhammad Rizki"),
        ("Muh. Rizki", "Muhammad Rizki"),
        ("M. Rizki", "Muhammad Rizki"),
        ("Achmad Fauzi", "Ahmad Fauzi"),
        ("Akhmad Fauzi", "Ahmad Fauzi"),
        ("Abd. Rahman Hakim", "Abdul Rahman Hakim"),
        ("Noor Hasanah", "Nur Hasanah"),
        ("Siti Aisah", "Siti Aisyah"),
        ("Siti Aisha", "Siti Aisyah"),
        ("St. Aminah", "Siti Aminah"),
        # Free variations: y/i, ae/ai.
        ("Rizky Pratama", "Rizki Pratama"),
        ("Dedy Kurniawan", "Dedi Kurniawan"),
        ("Eko Prasetyo", "Eko Prasetio"),
        ("Zaenal Abidin", "Zainal Abidin"),
        # Initials, dropped middle names, bin/binti.
        ("Siti A.", "Siti Aminah"),
        ("Ahmad Fauzi", "Ahmad Budi Fauzi"),
        ("Ahmad Fauzi bin Abdullah", "Ahmad Fauzi"),
        ("Siti Aminah binti Hasan", "Siti Aminah"),
        # Balinese prefixes and abbreviations.
        ("I Wayan Sudarma", "Wayan Sudarma"),
        ("Ni Luh Putu Artini", "Putu Artini"),
        ("Ida Bagus Made Suarta", "IB Made Suarta"),
        ("Anak Agung Gede Wirawan", "A.A. Gede Wirawan"),
        ("I Gusti Ngurah Adnyana", "I Gst. Ngr. Adnyana"),
        # Joined/split words, swapped order, apostrophes, hyphens.
        ("Siti Nurhayati", "Siti Nur Hayati"),
        ("Abdurrahman Wahid", "Abdul Rahman Wahid"),
        ("Siregar Budi", "Budi Siregar"),
        ("Ma'ruf Amin", "Maruf Amin"),
        ("Siti Nur-Hayati", "Siti Nurhayati"),
        # One typed letter.
        ("Bidi Santoso", "Budi Santoso"),
        ("Susanti Khadujah", "Susanti Khadijah"),
        ("Hadi Mueyadi", "Hadi Mulyadi"),
    ],
)
def test_the_same_name_written_another_way_agrees_strongly(a: str, b: str) -> None:
    assert compare_names(a, b).similarity >= NAME_STRONG


@pytest.mark.parametrize(
    ("a", "b"),
    [
        # Twins and siblings: family name shared, given names close but different.
        ("Wahyudi Simatupang", "Wahyuni Simatupang"),
        ("Wahyu Pangaribuan", "Wahyudi Pangaribuan"),
        ("Suryadi Sastrowardoyo", "Supriyadi Sastrowardoyo"),
        ("Rina Siregar", "Rini Siregar"),
        ("Budi Nasution", "Bayu Nasution"),
        ("Halim Simatupang", "Halimah Simatupang"),
        ("Latif Harahap", "Latifah Harahap"),
        # Another person sharing only common words.
        ("Siti Aminah", "Siti Rahmawati"),
        ("Suryadi", "Suryani Kamaluddin"),
    ],
)
def test_relatives_and_namesakes_stay_apart(a: str, b: str) -> None:
    assert compare_names(a, b).similarity < NAME_STRONG


def test_degrees_and_titles_are_reported_as_removed() -> None:
    n = normalize_name("Dr. H. Ahmad Fauzi, S.Pd., M.Si.")
    assert n.tokens == ("ahmad", "fauzi")
    assert n.removed_titles == ("Dr.", "H.", "S.Pd.", "M.Si.")
    assert normalize_name("M.Ali Akbar").tokens == ("m", "ali", "akbar")  # the first word is never a degree


@pytest.mark.parametrize(
    ("raw", "digits"),
    [
        ("3271 0552 0385 0001", "3271055203850001"),
        ("3271.0552.0385.0001", "3271055203850001"),
        ("3271-0552-0385-0001", "3271055203850001"),
        ("'3271055203850001", "3271055203850001"),
        ("3271055203850001.0", "3271055203850001"),
        ('"3271055203850001"', "3271055203850001"),
        (" 3271055203850001 ", "3271055203850001"),
    ],
)
def test_nik_formatting_noise_is_accepted(raw: str, digits: str) -> None:
    assert parse_nik(raw).digits == digits


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("327105520385000", "wrong_length"),
        ("32710552038500011", "wrong_length"),
        ("3.27105E+15", "scientific_notation"),
    ],
)
def test_nik_damage_is_rejected(raw: str, code: str) -> None:
    assert parse_nik(raw).rejection == code


@pytest.mark.parametrize(
    ("raw", "flag"),
    [
        ("2222222222222222", "placeholder"),
        ("0000000000000000", "placeholder"),
        ("1234567890123456", "placeholder"),
        ("9999055203850001", "unknown_region"),
        ("3271055203850000", "serial_zero"),
        ("3271057202850001", "impossible_birth_date"),  # women's day 32
    ],
)
def test_suspicious_niks_are_flagged(raw: str, flag: str) -> None:
    assert flag in parse_nik(raw).flags


def test_papua_province_codes_and_womens_day_decode() -> None:
    for province in ("91", "92", "93", "94", "95", "96"):
        nik = parse_nik(f"{province}01015203850001")
        assert nik.province == province
        assert nik.trusted  # 93-96 come from the 2022 split; older NIKs keep 91/92
        assert (nik.birth_date, nik.gender) == (date(1985, 3, 12), "F")


NIK = "3271055203850001"


def kinds(roster: list[RosterPerson], entries: list[ListEntry]) -> list[str]:
    return [f.kind for f in match(roster, entries)]


def test_same_nik_different_names_is_a_conflict_and_two_niks_are_not_joined_by_name() -> None:
    roster = [RosterPerson(1, NIK, "Siti Aminah")]
    assert kinds(roster, [ListEntry(1, NIK, "Bambang Sutrisno")]) == ["nik_match_name_mismatch"]
    # One person with two NIKs: a name alone never makes a finding.
    assert kinds(roster, [ListEntry(2, "3174015203850002", "Siti Aminah")]) == []


def test_placeholder_nik_on_the_list_is_no_evidence() -> None:
    roster = [RosterPerson(1, NIK, "Siti Aminah Kusumaningrum")]
    for bad in ("2222222222222222", "0000000000000000", "1234567890123456"):
        assert kinds(roster, [ListEntry(1, bad, "Siti Aminah Kusumaningrum")]) == []


def test_decoys_from_domain_are_not_reported() -> None:
    roster = [RosterPerson(1, NIK, "Wahyudi Simatupang", nip="198503122010011001")]
    entries = [
        # Same common name, different NIK and birth date.
        ListEntry(1, "3271051506900003", "Wahyudi Simatupang", date(1990, 6, 15), "3271", "M"),
        # One digit away (the twin's serial), clearly different given name.
        ListEntry(2, "3271055203850002", "Wahyuni Simatupang"),
        # Same birth date and name, listed without NIK in another regency.
        ListEntry(3, None, "Wahyudi Simatupang", date(1985, 3, 12), "3201", "M"),
        # Twin without NIK: same birth date and regency, another given name.
        ListEntry(4, None, "Wahyuni Simatupang", date(1985, 3, 12), "3271", None),
    ]
    assert match(roster, entries) == []


def test_truncated_nik_from_a_numeric_cell_still_matches() -> None:
    roster = [RosterPerson(1, "3271055203850007", "Siti Aminah")]
    entry = ListEntry(1, "3271055203850000", "SITI AMINAH, S.Pd.", numeric_cell=True)
    assert kinds(roster, [entry]) == ["nik_truncated"]


def test_complete_name_agreement_through_the_nip() -> None:
    roster = [RosterPerson(1, "3.27105E+15", "Dra. Siti", nip="198503122010012001")]
    assert kinds(roster, [ListEntry(1, NIK, "SITI")]) == ["nip_birth_name"]
    # A longer name on the list that only shares "Siti" is somebody else.
    assert kinds(roster, [ListEntry(1, NIK, "Siti Rahmawati")]) == []


def test_truncated_nik_without_the_numeric_cell_flag_is_still_read_as_truncation() -> None:
    # A CSV export of a damaged sheet: the 0 is there, the numeric-cell information is not.
    roster = [RosterPerson(1, "3271055203850007", "Siti Aminah")]
    found = match(roster, [ListEntry(1, "3271055203850000", "Siti Aminah")])
    assert [f.kind for f in found] == ["nik_truncated"]
    assert "list NIK ends in 0" in found[0].explanation[0].detail


def test_lists_may_write_gender_date_and_regency_their_own_way() -> None:
    from datetime import datetime

    roster = [RosterPerson(1, NIK, "Siti Aminah Kusumaningrum", nip="198503122010012001")]
    for birth, regency, gender in [
        (datetime(1985, 3, 12), "32.71", "P"),
        ("1985-03-12", 3271, "Perempuan"),
        (date(1985, 3, 12), "32.71.05", "F"),
    ]:
        entry = ListEntry(1, None, "Siti Aminah Kusumaningrum", birth, regency, gender)  # type: ignore[arg-type]
        assert kinds(roster, [entry]) == ["name_birth_region"]
    # "L" (laki-laki) is male: it contradicts the NIP and the NIK.
    entry = ListEntry(1, "3271055203850007", "Siti Aminah Kusumaningrum", gender="L")
    assert kinds(roster, [entry]) == []
