"""Which pairs of names could agree at all: a safe pre-filter for many pairs at once.

:func:`matching.names.compare_names` aligns the tokens of two names. Its similarity is 0, and no rule that
needs a name to agree can accept the pair, unless some whole word of one name aligns with a whole word of the
other (an initial may confirm such an agreement, never make it alone): the same canonical token, a fuzzy match
of at least
``NAME_TOKEN_MIN_SIMILARITY`` (Indel, on the canonical or the written forms, or one wrong letter in four),
or two adjacent tokens written as one word. Deciding that for one pair costs tens of microseconds in
Python; a one-digit NIK neighbour is nearly always someone else, so most candidate pairs fail it.

:func:`may_agree` answers it for whole columns of pairs. It reads every name more generously than
:func:`~matching.names.normalize_name` does: titles, bracketed remarks kept out, ``bin`` suffixes and
dotted pieces stay in as tokens (a dotted piece both whole and split at its dots), and two tokens may join
across any titles between them. Every token ``normalize_name`` keeps is therefore among these, every join it
can make is among these joins, and the alignment test itself is ``compare_names``'s. So a pair refused here
has similarity 0: the filter can only let too many through, never drop a finding (``tests/matching``
compares it with ``compare_names`` on generated names).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import polars as pl
from rapidfuzz import process
from rapidfuzz.distance import OSA, Indel

from matching.names import (
    DOTTED_DEGREE,
    PARTICLES_BIN,
    canonical_token,
    identifying_word,
    known_tokens,
    prefix_title_keys,
    title_keys,
)
from matching.nik import WHITESPACE
from matching.thresholds import NAME_JOIN_MIN_SIMILARITY, NAME_TOKEN_MIN_SIMILARITY

__all__ = ["may_agree", "name_units", "name_words"]

_WS = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in WHITESPACE) + "]"
_EXPANSIONS = {"ib": ("ida", "bagus"), "aa": ("anak", "agung")}


def _canonical(written: pl.Series) -> pl.Series:
    """:func:`canonical_token` of each distinct written token (cached there: names repeat their words)."""
    distinct = written.unique().to_list()
    return written.replace_strict({w: canonical_token(w) for w in distinct}, return_dtype=pl.String)


def name_units(names: pl.Series) -> pl.DataFrame:
    """Every token (and pair of tokens written as one) any reading of each name could hold.

    Columns: ``name`` (the name as given), ``written`` (lower case, letters only, original spelling),
    ``canonical`` (:func:`canonical_token`; an initial as it is), ``initial`` (one letter), ``joined`` (two
    tokens written as one).

    What :func:`~matching.names.normalize_name` certainly removes is left out here too: bracketed remarks,
    a comma part that holds only titles ("…, S.Pd., M.Si."), titles at the start while a word follows
    them in the first part, and a father's name after "bin" / "binti". Everything it may keep stays in.

    >>> units = name_units(pl.Series(["Dra. Hj. Nur Hayati, M.Pd."]))
    >>> sorted(set(units["canonical"].to_list()))
    ['hayati', 'nur', 'nurhayati']
    """
    distinct = names.unique()
    frame = pl.DataFrame({"name": distinct}).with_row_index("id")
    text = (
        pl.col("name").str.normalize("NFKD").str.replace_all(r"\p{M}", "").str.replace_all(r"\([^)]*\)?", " ")
    )
    # Positions are exploded with the lists they number: no window over the rows is needed.
    parts = (
        frame.select("id", part=text.str.split(","))
        .with_columns(part_no=pl.int_ranges(0, pl.col("part").list.len()))
        .explode("part", "part_no")
    )
    pieces = (
        parts.with_columns(
            piece=pl.col("part")
            .str.replace_all(_WS + r"|[\-/]", " ")
            .str.split(" ")
            .list.eval(pl.element().filter(pl.element() != ""))  # numbered as written: "-A.A" opens the name
        )
        .with_columns(piece_no=pl.int_ranges(0, pl.col("piece").list.len()))
        .explode("piece", "piece_no")
        .drop_nulls("piece")
    )
    titles = title_keys()
    key = pl.col("piece").str.to_lowercase().str.replace_all(r"[^a-z]", "")
    degree = pl.col("piece").str.contains(".", literal=True) & pl.col(
        "piece"
    ).str.to_lowercase().str.contains(DOTTED_DEGREE)
    leading = (pl.col("part_no") == 0) & (pl.col("piece_no") == 0)
    # As normalize_name splits "M.Rizki" / "Moh.Ali" at the dots and keeps a degree ("S.Pd") whole.
    split = (
        pl.col("piece").str.strip_chars_end(".").str.contains(".", literal=True)
        & ~key.is_in(titles)
        & (leading | ~degree)
    )
    pieces = pieces.with_columns(split=split, title=key.is_in(titles) | degree, dotted=degree)
    tokens = (
        pieces.with_columns(
            token=pl.when("split")
            .then(pl.col("piece").str.replace_all(r"\.([A-Za-z])", ". ${1}").str.split(" "))
            .otherwise(pl.concat_list(pl.col("piece")))
        )
        .with_columns(sub_no=pl.int_ranges(0, pl.col("token").list.len()))
        .explode("token", "sub_no")
        .filter(pl.col("token") != "")
        .with_columns(
            written=pl.col("token").str.to_lowercase().str.replace_all(r"[^a-z]", ""),
            title=pl.when("split")
            .then(pl.col("token").str.to_lowercase().str.replace_all(r"[^a-z]", "").is_in(titles))
            .otherwise("title"),
        )
    )
    # A comma part of titles only ("S.Pd., M.Si.") is no part of the name.
    all_titles = pl.col("title").all().over(["id", "part_no"]) & (pl.col("part_no") > 0)
    tokens = tokens.filter(~all_titles).sort("id", "part_no", "piece_no", "sub_no")
    tokens = tokens.with_columns(pos=pl.int_range(pl.len()).over("id"))
    # Titles that open the name go while a word of the first part follows them.
    first_part = pl.col("part_no") == 0
    prefix = pl.col("written").is_in(prefix_title_keys())
    run = (prefix & first_part).cum_prod().over("id").cast(pl.Boolean)  # still in the opening run
    in_first = first_part.cast(pl.Int64).sum().over("id")
    tokens = tokens.filter(~(run & (pl.col("pos") < in_first - 1)))
    # A father's name after "bin" / "binti" is never compared (once a word surely kept precedes it).
    word = ~pl.col("title") & ~pl.col("dotted") & (pl.col("written") != "")
    tokens = tokens.with_columns(words=word.cast(pl.Int32).cum_sum().over("id") - word.cast(pl.Int32))
    particle = pl.col("written").is_in(list(PARTICLES_BIN)) & (pl.col("words") > 0)
    tokens = tokens.with_columns(cut=particle.cast(pl.Int32).cum_sum().over("id"))
    tokens = tokens.filter((pl.col("cut") == 0) & (pl.col("written") != ""))
    expanded = (
        tokens.filter(pl.col("written").is_in(list(_EXPANSIONS)))
        .with_columns(written=pl.col("written").replace_strict({k: list(v) for k, v in _EXPANSIONS.items()}))
        .explode("written")
        .with_columns(sub_no=pl.int_range(100, 100 + pl.len()).over(["id", "pos"]), title=pl.lit(False))
    )
    units = (
        pl.concat([tokens, expanded], how="diagonal_relaxed")
        .sort("id", "pos", "sub_no")
        .with_columns(
            pos=pl.int_range(pl.len()).over("id"),
            initial=pl.col("written").str.len_bytes() == 1,
            # What a reading may leave out between two tokens it joins: titles, "IB"/"AA" when expanded.
            filler=pl.col("title") | pl.col("written").is_in(list(_EXPANSIONS)),
        )
        .select("id", "pos", "written", "initial", "filler")
    )
    units = units.with_columns(
        canonical=pl.when(pl.col("initial")).then(pl.col("written")).otherwise(_canonical(units["written"]))
    )
    tokens_out = units.select("id", "written", "canonical", "initial", joined=pl.lit(False))
    both = pl.concat([tokens_out, _joins(units)])
    names_of = pl.DataFrame(
        {"id": pl.int_range(len(distinct), dtype=pl.UInt32, eager=True), "name": distinct}
    )
    return both.join(names_of, on="id").select("name", "written", "canonical", "initial", "joined")


def name_words(names: pl.Series) -> pl.DataFrame:
    """For each name (by position ``i``), every ``word`` :func:`~matching.names.identifying_words` could
    find in it: each piece whole and split at its dots, as :func:`~matching.names.identifying_word` keeps
    it.

    Cheaper than :func:`name_units` (no titles, joins or father's names worked out) and a superset of
    what ``identifying_words`` keeps, so a join on these words drops no pair sharing one.

    >>> name_words(pl.Series(["Dr. H. Agoes Soedjono, S.Pd.", "Siti M.Aminah"])).rows()
    [(0, 'agus'), (0, 'suyono'), (1, 'aminah'), (1, 'maminah')]
    """
    text = names.cast(pl.String).fill_null("").str.normalize("NFKD").str.replace_all(r"\p{M}", "")
    pieces = (
        pl.DataFrame(
            {"piece": text.str.replace_all(r"\([^)]*\)?", " ").str.replace_all(_WS + r"|[,\-/]", " ")}
        )
        .with_row_index("i")
        .with_columns(piece=pl.col("piece").str.split(" "))
        .explode("piece")
        .with_columns(
            part=pl.concat_list(
                pl.col("piece"),
                pl.col("piece").str.split("."),
                # as normalize_name splits "M.Rizki": at a dot glued to the next letter
                pl.col("piece").str.replace_all(r"\.([A-Za-z])", ". ${1}").str.split(" "),
            )
        )
        .explode("part")
        .select("i", written=pl.col("part").str.to_lowercase().str.replace_all(r"[^a-z]", ""))
        .filter(pl.col("written").str.len_bytes() > 1)
        .unique()
    )
    words = {w: identifying_word(w) for w in pieces["written"].unique().to_list()}
    kept = {w: c for w, c in words.items() if c is not None}
    return (
        pieces.filter(pl.col("written").is_in(list(kept)))
        .select(
            pl.col("i").cast(pl.Int64), word=pl.col("written").replace_strict(kept, return_dtype=pl.String)
        )
        .unique()
        .sort("i", "word")
    )


def _joins(units: pl.DataFrame) -> pl.DataFrame:
    """Two tokens written as one ("Nur Hayati" / "Nurhayati"): every pair of non-initial tokens with only
    fillers between them, in order; the joined word is canonicalised as ``compare_names`` does."""
    words = units.select("id", "pos", "written", "initial", "filler").sort("id", "pos")
    # For each token, the next one that is not a filler (else the name's last): a join reaches no further.
    stop = pl.when(~pl.col("filler")).then(pl.col("pos"))
    reach = words.with_columns(
        stop=pl.coalesce(stop.shift(-1).backward_fill().over("id"), pl.col("pos").max().over("id"))
    ).filter(~pl.col("initial"))
    pairs = (
        reach.with_columns(other=pl.int_ranges(pl.col("pos") + 1, pl.col("stop") + 1))
        .explode("other")
        .drop_nulls("other")
        .join(
            words.filter(~pl.col("initial")).select("id", other="pos", second="written"),
            on=["id", "other"],
        )
        .select("id", written=pl.col("written") + pl.col("second"))
        .unique()
    )
    return pairs.with_columns(
        canonical=_canonical(pairs["written"]), initial=pl.lit(False), joined=pl.lit(True)
    ).select("id", "written", "canonical", "initial", "joined")


def may_agree(first: pl.Series, second: pl.Series) -> npt.NDArray[np.bool_]:
    """For each pair ``(first[i], second[i])``: could :func:`~matching.names.compare_names` align two whole
    words?

    ``False`` means the names share no whole word a comparison could align: their similarity is 0.

    >>> may_agree(pl.Series(["Siti Aminah", "M. Rizki", "Nurhayati", "Ibrahim", "Marjuki"]),
    ...           pl.Series(["Aminah", "Muhammad Rizky", "Nur Hayati", "Budi", "M. Hidayat"])).tolist()
    [True, True, True, False, False]
    """
    pairs = pl.DataFrame({"a": first, "b": second}).with_row_index("pair")
    if not pairs.height:
        return np.zeros(0, dtype=np.bool_)
    units = name_units(pl.concat([first, second])).with_columns(
        wl=pl.col("written").str.len_chars(), cl=pl.col("canonical").str.len_chars()
    )
    columns = ["pair", "written", "canonical", "initial", "joined", "wl", "cl"]
    # The same initial on both sides stays in: it is all a name of initials ("M.") can agree by, and which
    # pieces of a name are titles only normalize_name decides. An initial standing for a word is not looked
    # for: where there is a word, an initial never agrees alone.
    left = pairs.join(units.rename({"name": "a"}), on="a").select(columns)
    right = pairs.join(units.rename({"name": "b"}), on="b").select(columns)
    agree = set(left.join(right, on=["pair", "canonical"]).get_column("pair").to_list())
    undecided = pairs.filter(~pl.col("pair").is_in(list(agree)))
    if undecided.height:
        agree |= _fuzzy(left, right, undecided["pair"])
    result = np.zeros(pairs.height, dtype=np.bool_)
    result[list(agree)] = True
    return result


def _fuzzy(left: pl.DataFrame, right: pl.DataFrame, pairs: pl.Series) -> set[int]:
    """Pairs with two different full words that align fuzzily, as ``compare_names`` scores them.

    Two tokens: Indel similarity at least ``NAME_TOKEN_MIN_SIMILARITY`` on the canonical or the written
    forms, or one wrong letter in four; not two different known names, nor a name and its Arabic feminine.
    A joined pair of tokens exists only where it is at least ``NAME_JOIN_MIN_SIMILARITY`` like a word of the
    other name (canonical forms): only that is looked for.
    """
    wanted = pairs.implode()
    a = left.filter(pl.col("pair").is_in(wanted) & ~pl.col("initial")).drop("initial")
    b = right.filter(pl.col("pair").is_in(wanted) & ~pl.col("initial")).drop("initial")
    found = _similar_tokens(a.filter(~pl.col("joined")), b.filter(~pl.col("joined")))
    found |= _joined_words(a.filter(pl.col("joined")), b) | _joined_words(b.filter(pl.col("joined")), a)
    return found


def _lengths_allow(x: pl.Expr, y: pl.Expr, cutoff: float) -> pl.Expr:
    # Indel similarity is at most 2 * shorter / (sum of lengths): the bound compare_names applies first.
    return 2 * pl.min_horizontal(x, y) >= cutoff * (x + y)


def _similar(frame: pl.DataFrame, cutoff: float, *, four_letter_typos: bool) -> set[int]:
    """Pairs of ``frame`` (``pair``, words ``x`` and ``y``, their lengths ``lx`` and ``ly``) whose words are
    at least ``cutoff`` alike."""
    four = (pl.col("lx") == 4) & (pl.col("ly") == 4)
    near = frame.filter(
        _lengths_allow(pl.col("lx"), pl.col("ly"), cutoff) | (four if four_letter_typos else pl.lit(False))
    )
    if not near.height:
        return set()
    distinct = near.select("x", "y", "lx", "ly").unique()
    xs, ys = distinct["x"].to_list(), distinct["y"].to_list()
    similar = process.cpdist(xs, ys, scorer=Indel.normalized_similarity, workers=-1) >= cutoff
    if four_letter_typos:
        # One typed letter wrong in a 4-letter word ("Budi"/"Bidi") is still that word.
        is_four = distinct.select(four).to_series().to_numpy()
        if is_four.any():
            similar |= is_four & (process.cpdist(xs, ys, scorer=OSA.distance, workers=-1) == 1)
    aligned = distinct.filter(pl.Series(similar)).select("x", "y")
    return set(near.join(aligned, on=["x", "y"]).get_column("pair").to_list())


def _similar_tokens(a: pl.DataFrame, b: pl.DataFrame) -> set[int]:
    known = known_tokens()
    cutoff = NAME_TOKEN_MIN_SIMILARITY
    four = ((pl.col("cl") == 4) & (pl.col("cl_b") == 4)) | ((pl.col("wl") == 4) & (pl.col("wl_b") == 4))
    words = (
        a.join(b, on="pair", suffix="_b")
        # Lengths first (numbers, cheap): most token pairs of two strangers' names are too unlike in length.
        .filter(
            _lengths_allow(pl.col("cl"), pl.col("cl_b"), cutoff)
            | _lengths_allow(pl.col("wl"), pl.col("wl_b"), cutoff)
            | four
        )
        .filter(pl.col("canonical") != pl.col("canonical_b"))
        # Two different known names are two names ("Wahyudi"/"Wahyuni"); the Arabic feminine form is
        # another name ("Halim"/"Halimah"): compare_names aligns neither.
        .filter(~(pl.col("canonical").is_in(known) & pl.col("canonical_b").is_in(known)))
        .filter(
            (pl.col("canonical") + "ah" != pl.col("canonical_b"))
            & (pl.col("canonical_b") + "ah" != pl.col("canonical"))
        )
    )
    forms = pl.concat(
        [
            words.select("pair", x="canonical", y="canonical_b", lx="cl", ly="cl_b"),
            words.select("pair", x="written", y="written_b", lx="wl", ly="wl_b"),
        ]
    ).unique()
    return _similar(forms, cutoff, four_letter_typos=True)


def _joined_words(joins: pl.DataFrame, words: pl.DataFrame) -> set[int]:
    cutoff = NAME_JOIN_MIN_SIMILARITY
    pairs = (
        joins.select("pair", x="canonical", lx="cl")
        .join(words.select("pair", y="canonical", ly="cl"), on="pair")
        .filter(_lengths_allow(pl.col("lx"), pl.col("ly"), cutoff))
        .unique()
    )
    return _similar(pairs, cutoff, four_letter_typos=False)
