"""The name filter is safe: it never refuses a pair whose names :func:`compare_names` can align."""

import random

import polars as pl
from hypothesis import example, given, settings
from hypothesis import strategies as st

from app.services import synthetic
from matching.name_filter import may_agree, name_units, name_words
from matching.names import identifying_words, name_agreement

_WORDS = (
    *synthetic._MALE, *synthetic._FEMALE, *synthetic._RARE, *synthetic._BATAK, *synthetic._BALI_ORDER,
    *synthetic._BALI_NAMES, *synthetic._PREFIX_TITLES, *synthetic._DEGREES, *synthetic._ADDRESS,
    *synthetic._SPLITS, *synthetic._SPLITS.values(), *synthetic._BALI_ABBREV,
    *synthetic._BALI_ABBREV.values(),
    "bin", "binti", "br.", "boru", "I", "Ni", "Gusti", "Ngurah", "A.", "M.", "Moch.", "St.", "Abd.", "(Alm)",
    "(Almh.)", "-", "'", "Ma'ruf", "Nur-Hayati", "S.Pd.,M.Pd.", "H.M.", "Sri,", "K.H.", "Hj.Siti", "Dr.Ir.",
)  # fmt: skip
_SEPARATORS = (" ", " ", " ", ", ", ",", ".", ". ", "  ", "-", "")

word = st.one_of(
    st.sampled_from(_WORDS),
    st.text(alphabet="abcdehijkmnorstuyAEIKMNSY.,'-() ", min_size=1, max_size=10),
)
name = st.lists(st.tuples(word, st.sampled_from(_SEPARATORS)), max_size=6).map(
    lambda parts: "".join(w + sep for w, sep in parts).strip()
)


@st.composite
def name_pairs(draw: st.DrawFn) -> tuple[str, str]:
    """Two names: unrelated, or one written as another source would write it (mostly aligning)."""
    if draw(st.booleans()):
        return draw(name), draw(name)
    # name_variant rewrites a name's words: give it a name that has some.
    words = draw(st.lists(st.sampled_from([w for w in _WORDS if w.isalpha()]), min_size=1, max_size=4))
    first = " ".join(words)
    rng = random.Random(draw(st.integers(0, 2**32)))
    return first, synthetic.name_variant(first, rng, strength=draw(st.integers(1, 4)))


@settings(max_examples=120)
@given(st.lists(name_pairs(), min_size=1, max_size=40))
def test_a_refused_pair_never_aligns(pairs: list[tuple[str, str]]) -> None:
    agree = may_agree(pl.Series([a for a, _ in pairs]), pl.Series([b for _, b in pairs]))
    for (a, b), allowed in zip(pairs, agree.tolist(), strict=True):
        if not allowed:
            comparison = name_agreement(a, b)
            assert comparison.weight == 0, (a, b)
            assert comparison.similarity == 0, (a, b)


def test_clearly_different_names_are_refused() -> None:
    first = pl.Series(["Siti Aminah", "Bambang Sutrisno", "Dra. Rina Marlina, M.Pd.", "Wahyudi"])
    second = pl.Series(["Budi Santoso", "Rina Marlina", "Agus Suprianto", "Wahyuni"])
    assert may_agree(first, second).tolist() == [False, False, False, False]


def test_each_distinct_name_is_read_once() -> None:
    units = name_units(pl.Series(["Drs. H. Agus Salim, M.Si.", "Drs. H. Agus Salim, M.Si.", "Nurhayati"]))
    assert sorted(units["name"].unique().to_list()) == ["Drs. H. Agus Salim, M.Si.", "Nurhayati"]
    assert set(units.filter(pl.col("name") == "Nurhayati")["canonical"]) == {"nurhayati"}


@settings(max_examples=150)
@given(st.lists(name, min_size=1, max_size=30))
@example(["Muhammad.A.)E"])  # normalize_name reads "ae": split at the dot glued to a letter
def test_the_district_key_words_hold_every_identifying_word(names: list[str]) -> None:
    """The engine joins damaged-NIK entries to civil servants on these words: none may be missing."""
    words = name_words(pl.Series(names))
    for i, written in enumerate(names):
        assert identifying_words(written) <= set(words.filter(pl.col("i") == i)["word"]), written
