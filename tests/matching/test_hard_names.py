"""The name rules that decide near-NIK and name-only findings in dense serial neighbourhoods.

Dukcapil issues serials 0001, 0002, … per district and birth date, so a list row one digit away from a civil
servant's NIK is usually a neighbour with another name. These cases are the false findings seen on data
shaped like real lists, and their like: each must stay unreported, while the genuine variants next to them
stay found.
"""

from datetime import date

import pytest

from matching.names import compare_names
from matching.records import ListEntry, RosterPerson
from matching.scoring import score_pair

NIK = "3271055203850001"  # woman born 1985-03-12, Kota Bogor
NEIGHBOUR = "3271055203850002"  # the next serial: same district and birth date
NIP = "198503122010012001"


def near(roster_name: str, list_name: str) -> str | None:
    found = score_pair(RosterPerson(1, NIK, roster_name), ListEntry(2, NEIGHBOUR, list_name))
    return found.kind if found else None


def same_nik(roster_name: str, list_name: str) -> str | None:
    found = score_pair(RosterPerson(1, NIK, roster_name), ListEntry(2, NIK, list_name))
    return found.kind if found else None


@pytest.mark.parametrize(
    ("roster", "listed"),
    [
        ("Marjuki", "M. HIDAYAT"),
        ("Mustika", "M. SULAIMAN"),
        ("M. Aziz", "Mulyono"),
        ("Moeljono", "M. ILHAM"),
        ("H. M. Fahmi", "MAHMUD"),
        ("S. Wahyuni", "Sri W."),
    ],
)
def test_an_initial_alone_never_carries_the_agreement(roster: str, listed: str) -> None:
    comparison = compare_names(roster, listed)
    assert (comparison.similarity, comparison.weight) == (0.0, 0.0)
    assert "only an initial agrees" in comparison.notes
    assert near(roster, listed) is None
    # The same NIK under such a name is the NIK used by someone else, not a match.
    assert same_nik(roster, listed) == "nik_match_name_mismatch"


@pytest.mark.parametrize(
    ("roster", "listed"),
    [("M. Rizki", "Muhammad Rizky"), ("Ahmad Hidayat", "A. Hidayat"), ("Siti Aminah", "Siti A.")],
)
def test_an_initial_still_confirms_a_name_that_agrees_otherwise(roster: str, listed: str) -> None:
    assert near(roster, listed) == "nik_one_digit"


@pytest.mark.parametrize(
    ("roster", "listed"),
    [
        ("Susanti", "Indah Susanti"),
        ("Juli", "Yuli Suryani"),
        ("Budi", "Budi Santoso"),
        ("Cecep, S.Ag.", "CECEP SOPANDI"),
        ("Elisa, S.M.", "ELIS SURYANI"),
        ("NUR HASANAH", "CUCU NURHASANAH"),
        ("Ujang Suryanto, S.Psi.", "OEDJANG"),
    ],
)
def test_a_one_word_name_inside_a_longer_different_name_is_another_person(roster: str, listed: str) -> None:
    assert compare_names(roster, listed).unexplained_extra
    assert near(roster, listed) is None
    # With the very same NIK the extra word is a name written in full.
    assert same_nik(roster, listed) == "nik_exact"


@pytest.mark.parametrize(
    ("roster", "listed"),
    [
        ("Siti Aminah", "Aminah"),  # a particle left out
        ("Sulastri", "Sri Sulastri"),
        ("I Wayan Sudarta", "Wayan Sudarta"),
        ("Muhammad Rizki Pratama", "Rizki Pratama"),
        ("Ahmad Kusumo Santoso", "Ahmad Santoso"),  # a middle name left out: two words still agree
        ("Budi Santoso Wijaya", "Budi Santoso"),
        ("Ibrahim", "Ibrahim bin Eko"),  # the father's name, not the person's
    ],
)
def test_dropped_particles_and_middle_names_still_agree(roster: str, listed: str) -> None:
    assert not compare_names(roster, listed).unexplained_extra
    assert near(roster, listed) == "nik_one_digit"


def test_name_only_finding_needs_more_than_the_last_of_several_words() -> None:
    def name_only(roster_name: str, list_name: str) -> str | None:
        entry = ListEntry(2, None, list_name, date(1985, 3, 12), "3271", "F")
        found = score_pair(RosterPerson(1, NIK, roster_name, nip=NIP), entry)
        return found.kind if found else None

    assert name_only("Suwarno", "Harsanto Rahmat Suwarno") is None
    assert name_only("Ir. Nurjanah", "EUIS NURJANAH") is None
    assert name_only("Suwarno Harsanto", "Harsanto Rahmat Suwarno") == "name_birth_region"
    assert name_only("Siti Nurjanah", "NURJANAH") == "name_birth_region"
