"""Indonesian name normalisation and comparison (docs/domain.md: Names)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from matching.names import compare_names, normalize_name, token_weight
from matching.thresholds import NAME_STRONG, NAME_VARIANT


@pytest.mark.parametrize(
    ("raw", "tokens", "titles"),
    [
        (
            "Drs. H. Agoes Soepriyanto, S.Pd., M.Si.",
            ("agoes", "soepriyanto"),
            ("Drs.", "H.", "S.Pd.", "M.Si."),
        ),
        ("Hj. Siti Aminah, S.E., M.M.", ("siti", "aminah"), ("Hj.", "S.E.", "M.M.")),
        (
            "Prof. Dr. Ir. Budi Santoso, M.Kes., Ph.D",
            ("budi", "santoso"),
            ("Prof.", "Dr.", "Ir.", "M.Kes.", "Ph.D"),
        ),
        ("dr. Rina Marlina, A.Md.Kep.", ("rina", "marlina"), ("dr.", "A.Md.Kep.")),
        ("KH. Abdul Muis, Lc., MBA", ("abdul", "muis"), ("KH.", "Lc.", "MBA")),
        ("Ns. Dewi Lestari, S.Kep.", ("dewi", "lestari"), ("Ns.", "S.Kep.")),
        ("Budi Santoso SE", ("budi", "santoso"), ("SE",)),
        ("Rina S.Pd.I", ("rina",), ("S.Pd.I",)),
    ],
)
def test_titles_before_and_after_are_removed(
    raw: str, tokens: tuple[str, ...], titles: tuple[str, ...]
) -> None:
    n = normalize_name(raw)
    assert n.tokens == tokens
    assert n.removed_titles == titles
    assert n.original == raw


def test_leading_h_is_haji_but_later_h_is_an_initial() -> None:
    # Decision documented in matching.names: a leading "H." reads as Haji.
    assert normalize_name("H. Sutrisno").tokens == ("sutrisno",)
    assert normalize_name("Budi H.").tokens == ("budi", "h")
    assert normalize_name("Budi H.").initials == (False, True)


def test_a_title_alone_is_kept_as_the_name() -> None:
    assert normalize_name("Dr.").tokens == ("dr",)


def test_a_fathers_name_written_on_without_bin_is_set_aside_too() -> None:
    """KTP "Ahmad bin Abdullah", HR file "Ahmad Abdullah": the same person, not a dropped middle name."""
    comparison = compare_names("Ahmad Abdullah", "Ahmad bin Abdullah")
    assert (comparison.similarity, comparison.missing) == (1.0, 0.0)
    assert comparison.notes == ("bin/binti suffix dropped: abdullah",)
    assert compare_names("Ahmad bin Abdullah", "Ahmad Abdullah") == comparison
    # Only trailing tokens, and never the whole name.
    assert compare_names("Abdullah Ahmad", "Ahmad bin Abdullah").missing > 0
    assert compare_names("Abdullah", "Ahmad bin Abdullah").similarity < 1.0


def test_batak_boru_marker_weighs_as_little_as_balinese_prefixes() -> None:
    with_marker = compare_names("Rosmawati Br Sitepu", "Rosmawati Sitepu")
    assert with_marker.missing == compare_names("Ni Putu Lestari", "Putu Lestari").missing
    assert with_marker.similarity > 0.99


def test_bin_binti_suffix_is_dropped_and_noted() -> None:
    n = normalize_name("Ahmad Fauzi bin Abdullah")
    assert n.tokens == ("ahmad", "fauzi")
    assert n.dropped == ("abdullah",)
    assert any("bin/binti" in note for note in compare_names(n, "Ahmad Fauzi").notes)


@pytest.mark.parametrize(
    ("old", "new", "rule"),
    [
        ("Soekarno", "Sukarno", "oe->u"),
        ("Djoko", "Joko", "dj->j"),
        ("Tjahjo", "Cahyo", "tj->c"),
        ("Njoman", "Nyoman", "nj->ny"),
        ("Sjarif", "Syarif", "sj->sy"),
        ("Chairul", "Khairul", "ch->kh"),
        ("Jusuf", "Yusuf", "j->y"),
    ],
)
def test_old_spellings_unify(old: str, new: str, rule: str) -> None:
    cmp = compare_names(f"Agus {old}", f"Agus {new}")
    assert cmp.similarity == 1.0
    assert any(rule in note for note in cmp.notes)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Muhammad Rizki", "Mochamad Rizki"),
        ("Muhammad Rizki", "Moch. Rizki"),
        ("Muhammad Rizki", "Muh. Rizki"),
        ("Muhammad Rizki", "Moh Rizki"),
        ("Muhammad Rizki", "Mohammad Rizki"),
        ("Muhammad Rizki", "M. Rizki"),
        ("Ahmad Fauzi", "Achmad Fauzi"),
        ("Ahmad Fauzi", "Akhmad Fauzi"),
        ("Abdul Muis", "Abd. Muis"),
        ("Nur Hasanah", "Noor Hasanah"),
        ("Siti Aisyah", "Siti Aisah"),
        ("Siti Aisyah", "Siti Aisha"),
        ("Nurhayati", "Nur Hayati"),
    ],
)
def test_arabic_variants_initials_and_joined_words(a: str, b: str) -> None:
    assert compare_names(a, b).similarity >= 0.95


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Oey Hong Djien", "Oei Hong Jien"),  # Chinese-Indonesian, Dutch-era spelling: final y is an i
        ("Roy Sembiring", "Roi Sembiring"),
        ("I Nyoman Swarta", "I Nyoman Suarta"),  # Balinese: w between consonant and vowel is a u
        ("Kwee Swan Liat", "Kuee Suan Liat"),
        ("Dwi Swastika", "Dui Suastika"),
    ],
)
def test_free_spellings_of_y_and_w_unify(a: str, b: str) -> None:
    assert compare_names(a, b).similarity == 1.0


@pytest.mark.parametrize(("a", "b"), [("Wayan Sudarma", "Uayan Sudarma"), ("Dewi Lestari", "Deui Lestari")])
def test_w_at_the_start_or_after_a_vowel_stays_w(a: str, b: str) -> None:
    assert compare_names(a, b).similarity < 1.0


def test_dropped_middle_name_and_initial_stay_strong() -> None:
    assert compare_names("Ahmad Kusumo Santoso", "Ahmad Santoso").similarity >= NAME_STRONG
    assert compare_names("Siti Aminah", "Siti A.").similarity >= NAME_STRONG


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Siti Aminah", "Siti Rahmawati"),
        ("Muhammad Rizki", "Muhammad Fajar"),
        ("Budi Santoso", "Rina Marlina"),
    ],
)
def test_different_people_sharing_common_words_are_clearly_different(a: str, b: str) -> None:
    assert compare_names(a, b).similarity < NAME_VARIANT


def test_common_tokens_weigh_less_than_rare_ones() -> None:
    for common in ("siti", "nur", "muhamad", "wayan", "made", "putu", "sri", "dewi", "i", "ni", "bin"):
        assert token_weight(common) < token_weight("kusumaningrum")
    assert (
        compare_names("Siti Nur", "Siti Nur").weight < compare_names("Kusumaningrum", "Kusumaningrum").weight
    )


names = st.lists(
    st.sampled_from(
        ["Siti", "Nur", "Aminah", "Dj.", "Soedjono", "M.", "Rizki", "bin", "Drs.", "S.Pd.", "Wayan"]
    ),
    min_size=0,
    max_size=5,
).map(" ".join)


@given(names, names)
def test_similarity_is_bounded_and_symmetric(a: str, b: str) -> None:
    ab, ba = compare_names(a, b), compare_names(b, a)
    assert 0.0 <= ab.similarity <= 1.0
    assert ab == ba


@given(names)
def test_a_name_matches_itself(a: str) -> None:
    if normalize_name(a).unified:
        assert compare_names(a, a).similarity == 1.0
