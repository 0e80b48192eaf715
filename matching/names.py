"""Indonesian personal-name normalisation and comparison.

Normalisation keeps the original and produces comparable tokens:

1. Case, accents and punctuation are dropped; hyphens split tokens ("Nur-Hayati").
2. Academic and religious titles are removed before and after the name, including comma-separated degree
   lists ("Drs. H. Agoes Soepriyanto, S.Pd., M.Si."). *Decision on "H."*: a leading ``H``/``H.`` is read as
   *Haji* (it is by far the most common reading on KTP and HR data); an ``H.`` after the first name token is
   an initial and kept.
3. ``bin``/``binti`` and the father's name after it are dropped for comparison (and noted).
4. Old spellings (1947: oe→u; 1972: dj→j, tj→c, nj→ny, sj→sy, ch→kh, j→y) are canonicalised on both sides to
   one form. Because both sides go through the same rules, the canonical form merges old and new spellings
   ("Tjahjo" and "Cahyo" both become ``cahyo``); it is a comparison key, not a spelling to show.
5. Arabic-origin variants (Muhammad / Mohammad / Muhamad / Mochamad / Moch / Moh / Muh; Ahmad / Achmad /
   Akhmad; Abdul / Abd; Nur / Noor; Aisyah / Aisah / Aisha) map to one token.

Comparison aligns tokens (exact, fuzzy via rapidfuzz, initials standing for a word, two tokens written as one)
and weighs each by how identifying it is (:mod:`matching.name_weights`); a token missing from one side only
(a dropped middle name) costs less than two tokens that disagree.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from functools import lru_cache

from rapidfuzz.distance import OSA, Indel

from matching.name_weights import (
    COMMON_TOKENS,
    VERY_COMMON_TOKENS,
    WEIGHT_COMMON,
    WEIGHT_RARE,
    WEIGHT_VERY_COMMON,
)
from matching.thresholds import (
    NAME_DROPPED_TOKEN_COST,
    NAME_INITIAL_WEIGHT_FACTOR,
    NAME_JOIN_MIN_SIMILARITY,
    NAME_TOKEN_MIN_SIMILARITY,
)

__all__ = [
    "DOTTED_DEGREE",
    "PARTICLES_BIN",
    "NameComparison",
    "NormalizedName",
    "canonical_token",
    "compare_names",
    "identifying_word",
    "identifying_words",
    "known_tokens",
    "name_agreement",
    "normalize_name",
    "prefix_title_keys",
    "title_keys",
    "token_weight",
]

# Titles written before the name. "h" (Haji) only counts at the start; see the module docstring.
# fmt: off
_PREFIX_TITLES = frozenset(
    {
        "dr", "drs", "dra", "ir", "prof", "h", "hj", "kh", "drg", "ns", "haji", "hajjah", "hajah", "ust",
        "ustadz", "ustaz", "ustadzah", "kyai", "kiai", "drh", "apt", "bd", "ners", "tgk", "rr", "ra",
        # Forms of address that lists put before a name (Bapak, Ibu, Saudara, Nyonya, Nona, Tuan).
        "bpk", "bapak", "ibu", "sdr", "sdri", "sdra", "ny", "nn", "tn", "teungku", "bdn",
    }
)
# Degrees written after the name (dots removed, lower case).
_DEGREES = frozenset(
    {
        "spd", "se", "sh", "skom", "ssos", "sip", "st", "skep", "msi", "mm", "mpd", "mkes", "mh", "amd",
        "amdkep", "amdkeb", "amdpd", "amdkom", "amdak", "amdgz", "amdfarm", "spdi", "lc", "mba", "phd", "ssi",
        "sag", "shi", "sthi", "mag", "mt", "msc", "bsc", "ked", "sked", "ssit", "stp", "sp", "sfarm", "sgz",
        "sgizi", "amk", "mkom", "mhum", "spsi", "mpsi", "sst", "sn", "ssn", "ak", "cpa", "ma", "mae", "mpa",
        "mp", "msn", "mkep", "mkm", "skm", "sikom", "shum", "sak", "ssy", "sthe", "spt", "pd",
        "shut", "spdsd", "mpdi", "sei", "dr", "drs", "dra", "ir", "hj", "ns", "apt", "mars",
        "ssih", "sos", "kes", "kom", "sps", "mkn", "llm", "cht", "sstp", "ipu", "stat",
        "sarch", "sike", "ssg", "amdkl", "skg", "sfil", "sds", "mb", "mds", "spog",
        "spa", "sppd", "spb", "spm", "spkj", "sprad",
        "map", "mph", "sap", "sth", "strkes", "strkeb", "strkep", "amapd", "ama", "med", "spdgr", "ssosi",
        "meng", "mtr", "sstr", "mhi", "msy", "mfarm", "sifarm", "amdfis", "amdrad",
    }
)
# Degrees too short or too name-like to strip unless written with a dot or in a comma list ("Ma" is a
# Chinese-Indonesian surname, "Sp" a Javanese nickname).
# fmt: on
_AMBIGUOUS_DEGREES = frozenset(
    {"ma", "sp", "pd", "mb", "sos", "kes", "kom", "stat", "ked", "mp", "sn", "ama", "med", "sth"}
)
# A dotted abbreviation of short segments after the name is a degree even when not listed ("S.Tr.Kes",
# "M.A.P", "A.Ma.Pd", "Sp.Ort"); the first segment is how Indonesian degrees start (Sarjana, Magister,
# Ahli Madya, Diploma, Bachelor, Spesialis, Ners).
_DOTTED_DEGREE = re.compile(r"^(?:s|m|a|d|b|sp|ns|amd)\.(?:[a-z]{1,4}\.?)+$")
_PARENTHESES = re.compile(r"\([^)]*\)?")
_PARTICLES_BIN = frozenset({"bin", "binti", "bt", "bte", "binte"})

# Spelling rules in the order they apply. The first seven are the official reforms (1947, 1972); the rest are
# frequent free variations in names. The label is what a reviewer sees.
_OFFICIAL_RULES: tuple[tuple[str, str, str], ...] = (
    ("oe", "u", "oe->u"),
    ("dj", "j", "dj->j"),
    ("tj", "c", "tj->c"),
    ("nj", "ny", "nj->ny"),
    ("sj", "sy", "sj->sy"),
    ("ch", "kh", "ch->kh"),
    ("j", "y", "j->y"),
)
# Frequent free variations in names, applied after the official reforms.
_FREE_RULES: tuple[tuple[str, str, str], ...] = (
    ("kh", "h", "kh->h"),
    ("dh", "d", "dh->d"),
    ("th", "t", "th->t"),
    ("ph", "f", "ph->f"),
    ("v", "f", "v->f"),
    ("q", "k", "q->k"),
    ("sy", "s", "sy->s"),
)
_IY_VOWEL = re.compile(r"iy(?=[aeiou])")
# "Rizky"/"Rizki", "Dedy"/"Dedi", "Susy"/"Susi", and the Chinese-Indonesian "Oey"/"Oei": a final y is an i.
_FINAL_Y = re.compile(r"(?<=[a-z])(?<!y)y$")
# "Prasetyo"/"Prasetio", "Dyah"/"Diah", "Adytya"/"Aditya": y after a consonant is an i.
_CONSONANT_Y = re.compile(r"(?<=[^aeiouy])y")
# "Swarta"/"Suarta", "Swardana"/"Suardana", "Kwee"/"Kuee": w between a consonant and a vowel is a u.
_CONSONANT_W = re.compile(r"(?<=[^aeiouw])w(?=[aeiou])")
_DOUBLE = re.compile(r"([a-z])\1+")


@lru_cache(maxsize=65536)
def _apply_rules(token: str) -> tuple[str, tuple[str, ...]]:
    # Cached: name words repeat massively across a list, and every comparison asks again.
    applied: list[str] = []
    for old, new, label in _OFFICIAL_RULES:
        if old in token:
            token = token.replace(old, new)
            applied.append(label)
    if _FINAL_Y.search(token):
        token = _FINAL_Y.sub("i", token)
        applied.append("y->i")
    for old, new, label in _FREE_RULES:
        if old in token:
            token = token.replace(old, new)
            applied.append(label)
    # "Zaenal"/"Zainal", "Chaerul"/"Khairul", "Maemunah"/"Maimunah".
    if "ae" in token:
        token = token.replace("ae", "ai")
        applied.append("ae->ai")
    if _CONSONANT_Y.search(token):
        token = _CONSONANT_Y.sub("i", token)
        applied.append("y->i")
    if _CONSONANT_W.search(token):
        token = _CONSONANT_W.sub("u", token)
        applied.append("w->u")
    # "Supriyanto" / "Suprianto", "Yuliyana" / "Yuliana": the glide y after i is written or not.
    if _IY_VOWEL.search(token):
        token = _IY_VOWEL.sub("i", token)
        applied.append("iy->i")
    # Doubled letters vary freely ("Muhammad"/"Muhamad", "Hasanuddin"/"Hasanudin", "Sitti"/"Siti").
    if _DOUBLE.search(token):
        token = _DOUBLE.sub(r"\1", token)
        applied.append("double letters")
    return token, tuple(applied)


@lru_cache(maxsize=65536)
def canonical_token(token: str) -> str:
    """Return the canonical spelling of one lower-case token (old spellings and variants unified).

    Examples
    --------
    >>> canonical_token("soedjono"), canonical_token("sujono"), canonical_token("tjahjo")
    ('suyono', 'suyono', 'cahio')
    >>> canonical_token("mochamad") == canonical_token("muhammad")
    True
    """
    base, _ = _apply_rules(token)
    return _VARIANTS.get(base, base)


# Arabic-origin variants: every spelling maps to the canonical form of the first.
# fmt: off
_VARIANT_GROUPS: tuple[tuple[str, ...], ...] = (
    (
        "muhammad", "mohammad", "muhamad", "mohamad", "mochamad", "mochammad", "mohamed", "muhammed",
        "mochamat", "muhamat", "mohammed", "moch", "moh", "muh", "mohd", "muhd", "mhd", "mochd", "mukhamad",
        "mukhammad", "muchammad", "muchamad",
    ),
    ("ahmad", "achmad", "akhmad", "ahmat", "achmat", "akhmat", "ahmed"),
    ("abdul", "abd", "abdoel", "abdul"),
    ("nur", "noor", "nor", "noer", "nuur"),
    ("aisyah", "aisah", "aisha", "aisya", "aishah", "aisyiah"),
    ("fatimah", "fatima", "fathimah"),
    ("rahman", "rachman", "rakhman"),
    ("rahmat", "rachmat", "rakhmat", "rahmad", "rachmad"),
    ("yusuf", "yusup", "yosef", "joesoef"),
    ("hidayat", "hidajat"),
    ("mustafa", "mustofa", "musthofa", "mustapa"),
    ("zainal", "zaenal", "zainul"),
    ("syaiful", "saiful", "syaifullah", "saifullah"),
    ("khairul", "choirul", "khoirul", "hoirul", "chairul", "khaerul"),
    ("soleh", "sholeh", "saleh", "shaleh", "sholih", "solih", "salih"),
    ("usman", "utsman", "osman", "oesman", "ustman"),
    ("husin", "husein", "husain", "hussein", "husen"),
    # "St." is how Sulawesi records abbreviate Siti.
    ("siti", "st"),
    # Balinese abbreviations seen in HR exports.
    ("gusti", "gst"),
    ("ngurah", "ngr"),
    ("ketut", "kt", "ktut"),
    ("wayan", "wyn"),
    ("nyoman", "nym"),
    ("putu", "pt"),
    ("kadek", "kdk"),
    ("komang", "kmg"),
    ("gede", "gd", "gde"),
    ("cokorda", "cok", "cokorde", "tjokorda", "tjokorde"),
)
# One written token that stands for two ("IB Made Suarta" = "Ida Bagus Made Suarta").
_EXPANSIONS: dict[str, tuple[str, str]] = {"ib": ("ida", "bagus"), "aa": ("anak", "agung")}
# fmt: on


def _build_variants() -> dict[str, str]:
    table: dict[str, str] = {}
    for group in _VARIANT_GROUPS:
        target, _ = _apply_rules(group[0])
        for spelling in group:
            base, _ = _apply_rules(spelling)
            table[base] = target
    return table


_VARIANTS = _build_variants()


def _build_weights() -> dict[str, float]:
    weights: dict[str, float] = {}
    for token in COMMON_TOKENS:
        weights[canonical_token(token)] = WEIGHT_COMMON
    for token in VERY_COMMON_TOKENS:
        weights[canonical_token(token)] = WEIGHT_VERY_COMMON
    return weights


_WEIGHTS = _build_weights()


def known_tokens() -> list[str]:
    """The canonical name words weighed as common or very common (:mod:`matching.name_weights`)."""
    return sorted(_WEIGHTS)


_TITLE_KEYS = _PREFIX_TITLES | _DEGREES


def title_keys() -> list[str]:
    """Titles and degrees as :func:`normalize_name` recognises their letters ("drs", "spd", "hj", ...)."""
    return sorted(_TITLE_KEYS)


def prefix_title_keys() -> list[str]:
    """The titles :func:`normalize_name` removes from the start of a name ("dr", "h", "hj", ...)."""
    return sorted(_PREFIX_TITLES)


DOTTED_DEGREE = _DOTTED_DEGREE.pattern
"""A dotted abbreviation read as a degree even when unlisted ("S.Tr.Kes", "M.A.P"), in lower case."""
PARTICLES_BIN = tuple(sorted(_PARTICLES_BIN))
"""Words after which a father's name follows ("bin", "binti")."""


@lru_cache(maxsize=262144)
def identifying_word(written: str) -> str | None:
    """A written token (lower case, letters only) in canonical spelling when it is a whole word weighing
    more than a particle ("Siti", "Nur", "Wayan") and no title: the kind of word two names found within
    one district must share; else None."""
    if len(written) < 2 or written in _TITLE_KEYS:
        return None
    canonical = canonical_token(written)
    return canonical if token_weight(canonical) > WEIGHT_VERY_COMMON else None


def identifying_words(name: str) -> frozenset[str]:
    """The words of a name that :func:`identifying_word` keeps, in canonical spelling.

    >>> sorted(identifying_words("Hj. Siti Nurhasanah, S.Pd.")), sorted(identifying_words("Nur Hasanah"))
    (['nurhasanah'], ['hasanah'])
    """
    return frozenset(w for t in normalize_name(name).tokens if (w := identifying_word(t)) is not None)


def token_weight(token: str) -> float:
    """Weight of a canonical token: low for common name words, 1.0 for rare ones.

    Examples
    --------
    >>> token_weight("siti") < token_weight("aminah") < token_weight("kusumaningrum")
    True
    """
    return _WEIGHTS.get(token, WEIGHT_RARE)


@dataclass(frozen=True, slots=True)
class NormalizedName:
    """A name ready for comparison, with what was done to it.

    Attributes
    ----------
    original : str
        The name as given.
    tokens : tuple of str
        Lower-case name tokens without titles or the ``bin``/``binti`` suffix, in original spelling.
    removed_titles : tuple of str
        Titles removed, as written ("Drs.", "S.Pd.").
    unified : tuple of str
        Canonical tokens (old spellings and Arabic variants unified), one per token.
    rules : tuple of str
        Spelling rules that changed a token, e.g. ``"dj->j"``.
    dropped : tuple of str
        Tokens dropped with a ``bin``/``binti`` suffix.
    initials : tuple of bool
        Per token: True when it is a single letter standing for a word ("M." in "M. Rizki").
    """

    original: str
    tokens: tuple[str, ...]
    removed_titles: tuple[str, ...]
    unified: tuple[str, ...]
    rules: tuple[str, ...] = ()
    dropped: tuple[str, ...] = ()
    initials: tuple[bool, ...] = ()

    @property
    def key(self) -> str:
        """The canonical tokens joined by spaces."""
        return " ".join(self.unified)


_DOT_JOIN = re.compile(r"\.(?=[A-Za-z])")
_NON_LETTER = re.compile(r"[^a-z]")


def _strip_accents(text: str) -> str:
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=65536)
def _title_key(raw_token: str) -> str:
    return _NON_LETTER.sub("", raw_token.lower())


@lru_cache(maxsize=65536)
def _token_text(piece: str) -> str:
    return _NON_LETTER.sub("", _strip_accents(piece).lower())


def _is_dotted_degree(piece: str) -> bool:
    return "." in piece and _DOTTED_DEGREE.match(piece.lower()) is not None


def _is_title(piece: str) -> bool:
    key = _title_key(piece)
    return key in _DEGREES or key in _PREFIX_TITLES or _is_dotted_degree(piece)


def _split_raw(part: str, *, leading: bool = False) -> list[str]:
    tokens: list[str] = []
    for n, piece in enumerate(part.replace("-", " ").replace("/", " ").split()):
        key = _title_key(piece)
        # The first word of a name is never read as a degree: "M.Ali" is Muhammad Ali.
        degree = not (leading and n == 0) and _is_dotted_degree(piece)
        if "." in piece.rstrip(".") and key not in _DEGREES and key not in _PREFIX_TITLES and not degree:
            # "M.Rizki", "Moh.Ali": a dot glued to the next word separates two tokens.
            tokens.extend(p for p in _DOT_JOIN.sub(". ", piece).split() if p)
        else:
            tokens.append(piece)
    return tokens


@lru_cache(maxsize=262144)
def normalize_name(raw: str) -> NormalizedName:
    """Normalise an Indonesian personal name for comparison.

    Parameters
    ----------
    raw : str
        The name as written in the source, titles and all.

    Returns
    -------
    NormalizedName

    Examples
    --------
    >>> n = normalize_name("Drs. H. Agoes Soedjono, S.Pd., M.Si.")
    >>> n.tokens, n.removed_titles, n.unified
    (('agoes', 'soedjono'), ('Drs.', 'H.', 'S.Pd.', 'M.Si.'), ('agus', 'suyono'))
    >>> normalize_name("Ahmad Fauzi bin Abdullah").dropped
    ('abdullah',)
    """
    text = _strip_accents(raw).replace("’", "'").replace("`", "'")
    # "(Alm)", "(PNS)", a nickname in brackets: not part of the name to compare.
    bracketed = [m.group(0) for m in _PARENTHESES.finditer(text)]
    if bracketed:
        text = _PARENTHESES.sub(" ", text)
    parts = [p.strip() for p in text.split(",")]
    name_raw: list[str] = _split_raw(parts[0], leading=True) if parts else []
    prefix_titles: list[str] = []
    suffix_titles: list[str] = []
    for part in parts[1:]:
        pieces = _split_raw(part)
        if pieces and all(_is_title(p) for p in pieces):
            suffix_titles.extend(pieces)
        else:
            name_raw.extend(pieces)

    # Leading titles (a leading H. is Haji, see the module docstring); the name itself is never emptied.
    while len(name_raw) > 1 and _title_key(name_raw[0]) in _PREFIX_TITLES:
        prefix_titles.append(name_raw.pop(0))
    # Trailing degrees written without a comma ("Budi Santoso SE", "Rina M.Pd").
    trailing: list[str] = []
    while len(name_raw) > 1:
        last = name_raw[-1]
        key = _title_key(last)
        if (key in _DEGREES and ("." in last or key not in _AMBIGUOUS_DEGREES)) or _is_dotted_degree(last):
            trailing.insert(0, name_raw.pop())
        else:
            break
    # Dotted titles elsewhere ("Siti Hj. Aminah" appears in HR exports).
    kept: list[str] = []
    middle_titles: list[str] = []
    for i, piece in enumerate(name_raw):
        key = _title_key(piece)
        if i > 0 and "." in piece and len(key) > 1 and (key in _DEGREES or key in _PREFIX_TITLES):
            middle_titles.append(piece)
        else:
            kept.append(piece)
    removed = prefix_titles + middle_titles + trailing + suffix_titles + bracketed

    tokens: list[str] = []
    initials: list[bool] = []
    dropped: list[str] = []
    for piece in kept:
        token = _token_text(piece)
        if not token:
            continue
        if token in _PARTICLES_BIN and tokens:
            # "bin"/"binti" + father's name: the father's name is not the person's own name.
            dropped = [_NON_LETTER.sub("", p.lower()) for p in kept[kept.index(piece) + 1 :]]
            dropped = [d for d in dropped if d]
            break
        if token in _EXPANSIONS and len(kept) > 1:
            tokens.extend(_EXPANSIONS[token])
            initials.extend((False, False))
            continue
        tokens.append(token)
        initials.append(len(token) == 1)

    unified: list[str] = []
    rules: list[str] = []
    for token, is_initial in zip(tokens, initials, strict=True):
        if is_initial:
            unified.append(token)
            continue
        base, applied = _apply_rules(token)
        canon = _VARIANTS.get(base, base)
        for label in applied:
            if label not in rules:
                rules.append(label)
        unified.append(canon)
    return NormalizedName(
        original=raw,
        tokens=tuple(tokens),
        removed_titles=tuple(removed),
        unified=tuple(unified),
        rules=tuple(rules),
        dropped=tuple(dropped),
        initials=tuple(initials),
    )


@dataclass(frozen=True, slots=True)
class NameComparison:
    """How similar two names are, and why.

    Attributes
    ----------
    similarity : float
        0..1, weighted by how identifying each token is.
    notes : tuple of str
        What made the difference, for reviewers ("titles removed: Drs.", "initial m = muhammad", ...).
    weight : float
        Total weight of the tokens that agree: low when only common tokens ("Siti", "Nur") agree.
    missing : float
        Total weight of the tokens that align with nothing, on the side where it is larger (a dropped middle
        name, an extra word).
    unexplained_extra : bool
        One name holds every word of the other plus words nothing explains: more than a particle ("Siti",
        "Nur") left out, where the shorter name agrees by a single word ("Susanti" / "Indah Susanti",
        "Suwarno" / "Harsanto Rahmat Suwarno"). The same NIK may still tie such names together; nothing
        weaker may (see ``thresholds.NAME_STRONG``).
    """

    similarity: float
    notes: tuple[str, ...]
    weight: float = 0.0
    missing: float = 0.0
    unexplained_extra: bool = False


def _as_normalized(name: str | NormalizedName) -> NormalizedName:
    return name if isinstance(name, NormalizedName) else normalize_name(name)


def _merge_joined(
    mine: list[str], other: list[tuple[str, str, bool]], joins: tuple[str | None, ...]
) -> list[str]:
    """Join two adjacent tokens of ``other`` that together spell a token of ``mine`` ("Nur Hayati").

    ``joins`` holds the canonical form of each adjacent pair of ``other`` as given (None next to an initial);
    the scan runs left to right and a merged token is not merged again.
    """
    notes: list[str] = []
    if len(other) < 2:
        return notes
    mine_set = set(mine)
    mine_key = tuple(mine)
    # A joined word is long: it can only be this similar to a word at least _JOIN_LENGTH_SHARE as long.
    longest = max(len(m) for m in mine) / _JOIN_LENGTH_SHARE + 1e-9
    i = shift = 0
    while i < len(other) - 1:
        joined = joins[i + shift]
        if joined is not None and len(joined) <= longest:
            (c1, d1, _), (c2, d2, _) = other[i], other[i + 1]
            if c1 not in mine_set and c2 not in mine_set and _joins_any(joined, mine_key):
                notes.append(f"written as one word: {d1} {d2}")
                other[i : i + 2] = [(joined, d1 + d2, False)]
                shift += 1
        i += 1
    return notes


# Indel similarity is at most 2 * shorter / (sum of lengths), so similarity s needs shorter/longer >= s/(2-s).
_JOIN_LENGTH_SHARE = NAME_JOIN_MIN_SIMILARITY / (2 - NAME_JOIN_MIN_SIMILARITY)


@lru_cache(maxsize=262144)
def _adjacent_joins(name: NormalizedName) -> tuple[str | None, ...]:
    t, ini = name.tokens, name.initials
    return tuple(
        None if ini[k] or ini[k + 1] else canonical_token(t[k] + t[k + 1]) for k in range(len(t) - 1)
    )


@lru_cache(maxsize=262144)
def _joins_any(joined: str, tokens: tuple[str, ...]) -> bool:
    return any(_joins(joined, m) for m in tokens)


@lru_cache(maxsize=262144)
def _joins(joined: str, token: str) -> bool:
    # Indel similarity is at most 2 * shorter / (sum of lengths): lengths alone may already rule a pair out.
    short, total = min(len(joined), len(token)), len(joined) + len(token)
    if 2 * short < NAME_JOIN_MIN_SIMILARITY * total:
        return False
    return Indel.normalized_similarity(joined, token) >= NAME_JOIN_MIN_SIMILARITY


@lru_cache(maxsize=262144)
def _fuzzy(x: str, y: str) -> float:
    """Similarity of two different full canonical tokens as used for alignment; 0.0 when they do not align.

    Cached: a list repeats the same name words, so most pairs were seen before.
    """
    short, total = min(len(x), len(y)), len(x) + len(y)
    if 2 * short < NAME_TOKEN_MIN_SIMILARITY * total:
        return 0.0
    s = Indel.normalized_similarity(x, y)
    if s < NAME_TOKEN_MIN_SIMILARITY and len(x) == len(y) == 4 and OSA.distance(x, y) == 1:
        # One typed letter wrong in a 4-letter word ("Budi"/"Bidi", Indel 0.75) is still that word.
        s = NAME_TOKEN_MIN_SIMILARITY
    return s if s >= NAME_TOKEN_MIN_SIMILARITY else 0.0


def _initial_of(initial: str, canonical: str, written: str) -> bool:
    # Old spelling reaches initials too: "J." stands for "Janti" = Yanti.
    return (
        canonical.startswith(initial)
        or written.startswith(initial)
        or (initial == "j" and canonical.startswith("y"))
    )


@lru_cache(maxsize=262144)
def _compare(a: NormalizedName, b: NormalizedName) -> NameComparison:
    # (canonical, as written, is_initial) per token.
    xa = list(zip(a.unified, a.tokens, a.initials, strict=True))
    xb = list(zip(b.unified, b.tokens, b.initials, strict=True))
    if not xa or not xb:
        return NameComparison(0.0, ("a name is empty after normalisation",), 0.0)
    notes = _merge_joined([t[0] for t in xa], xb, _adjacent_joins(b))
    notes += _merge_joined([t[0] for t in xb], xa, _adjacent_joins(a))

    # Score every token pair, then align greedily from the best pair down. The note is formatted only for
    # pairs that end up aligned: (kind, as written a, as written b, similarity).
    candidates: list[tuple[float, float, int, int, tuple[str, str, str, float] | None]] = []
    for i, (x, dx, x_init) in enumerate(xa):
        for j, (y, dy, y_init) in enumerate(xb):
            if x == y:
                w = token_weight(x) * (NAME_INITIAL_WEIGHT_FACTOR if x_init else 1.0)
                candidates.append((1.0, w, i, j, None))
            elif x_init or y_init:
                if (x_init and not y_init and _initial_of(x, y, dy)) or (
                    y_init and not x_init and _initial_of(y, x, dx)
                ):
                    full, initial = (dy, dx) if x_init else (dx, dy)
                    w = token_weight(y if x_init else x) * NAME_INITIAL_WEIGHT_FACTOR
                    candidates.append((1.0, w, i, j, ("initial", initial, full, 1.0)))
            elif x in _WEIGHTS and y in _WEIGHTS:
                # Two different known names are two names, however close ("Wahyudi"/"Wahyuni", "Wahyu"/
                # "Wahyudi", "Suryadi"/"Supriyadi"): twins and siblings carry exactly such pairs. An unknown
                # word close to a name is read as a typo of it ("Ibuahim"/"Ibrahim").
                continue
            elif x + "ah" == y or y + "ah" == x:
                # The Arabic feminine form is another name ("Halim"/"Halimah", "Fauzi"/"Fauziah"), and no
                # single slip of the keyboard adds or drops two letters.
                continue
            else:
                # The written forms count too: a typo next to a respelled letter ("Mulyadi"/"Mueyadi") or
                # an ambiguous old spelling ("Aditja" = Aditya, not Adica) can hide the canonical likeness.
                s = _fuzzy(x, y) if dx == x and dy == y else max(_fuzzy(x, y), _fuzzy(dx, dy))
                if s:
                    w = (token_weight(x) + token_weight(y)) / 2
                    candidates.append((s, w, i, j, ("fuzzy", dx, dy, s)))
    # Full words align before initials: "H." must not take "Khadijah" from its typo "Khidijah".
    candidates.sort(key=lambda c: (c[4] is not None and c[4][0] == "initial", -c[0], -c[1], c[2], c[3]))
    used_a: set[int] = set()
    used_b: set[int] = set()
    num = 0.0
    matched_w = 0.0
    full_words = 0  # aligned pairs of two whole words: what an initial may confirm but never replace
    for s, w, i, j, note in candidates:
        if i in used_a or j in used_b:
            continue
        used_a.add(i)
        used_b.add(j)
        num += s * w
        matched_w += w
        full_words += not (xa[i][2] or xb[j][2])
        if note is not None:
            kind, n1, n2, ns = note
            notes.append(f"initial {n1.upper()}. = {n2}" if kind == "initial" else f"{n1}~{n2} {ns:.2f}")

    def unmatched(tokens: list[tuple[str, str, bool]], used: set[int]) -> tuple[float, list[str], float]:
        """Weight and words of the tokens left unaligned, and the weight of those that are whole words more
        than a particle: "Siti" or "Nur" is often left out of a name, a given name such as "Indah" is not,
        and an extra initial is weak either way."""
        total, words, extra = 0.0, [], 0.0
        for k, (t, d, initial) in enumerate(tokens):
            if k not in used:
                weight = token_weight(t)
                total += weight * (NAME_INITIAL_WEIGHT_FACTOR if initial else 1.0)
                words.append(d)
                extra += weight if not initial and weight > WEIGHT_VERY_COMMON else 0.0
        return total, words, extra

    ua, wa, ea = unmatched(xa, used_a)
    ub, wb, eb = unmatched(xb, used_b)
    small, large = min(ua, ub), max(ua, ub)
    extra = ea if ua > ub else eb
    if matched_w == 0:
        similarity = 0.0
    elif not full_words and not all(t[2] for t in xa + xb):
        # "M." agrees with every M-word: "Marjuki" / "M. Hidayat" and "M. Aziz" / "Mulyono" are two people.
        similarity, matched_w = 0.0, 0.0
        notes.append("only an initial agrees")
    elif small == 0:
        # One name holds every token of the other (a dropped middle name, "Siti" left out): a bounded
        # penalty, because Permendagri 73/2022 asks for 2+ words yet old records often carry fewer.
        similarity = (num / matched_w) * (1 - NAME_DROPPED_TOKEN_COST * min(1.0, large / matched_w))
    else:
        # Tokens on both sides that align with nothing: two different names that share a few words.
        similarity = num / (matched_w + small + large)
    if small == 0 and large > 0:
        notes.append("only in one name: " + " ".join(wa or wb))
    elif small > 0:
        notes.append("tokens that disagree: " + " ".join(wa) + " / " + " ".join(wb))
    unexplained = full_words == 1 and small == 0 and extra > 0
    return NameComparison(
        round(min(1.0, similarity), 6), tuple(notes), round(matched_w, 6), round(large, 6), unexplained
    )


def compare_names(a: str | NormalizedName, b: str | NormalizedName) -> NameComparison:
    """Compare two names, weighing rare tokens more than common ones.

    Parameters
    ----------
    a, b : str or NormalizedName

    Returns
    -------
    NameComparison
        ``similarity`` is 1.0 for the same canonical tokens, symmetric in ``a`` and ``b``; ``notes`` say what
        normalisation or alignment made the difference.

    Examples
    --------
    >>> c = compare_names("Drs. Moch. Soedjono, M.Si.", "Muhammad Sujono")
    >>> c.similarity
    1.0
    >>> c.notes
    ('titles removed: Drs., M.Si.', 'spellings unified: oe->u, dj->j', 'variants: moch=muhammad')
    >>> compare_names("Siti Aminah", "Siti Rahmawati").similarity < 0.5
    True
    """
    first, second = _ordered(a, b)
    core = _compare(first, second)
    notes: list[str] = []
    titles = first.removed_titles + second.removed_titles
    if titles:
        notes.append("titles removed: " + ", ".join(dict.fromkeys(titles)))
    spell = _spelling_notes(first, second)
    if spell:
        notes.append("spellings unified: " + ", ".join(spell))
    variants = _variant_notes(first, second)
    if variants:
        notes.append("variants: " + ", ".join(variants))
    # One name's father's name, after "bin"/"binti", may be written on without it in the other name.
    dropped = dict.fromkeys(token for n in (first, second) for token in n.dropped)
    if dropped:
        notes.append("bin/binti suffix dropped: " + " ".join(dropped))
    notes.extend(core.notes)
    return replace(core, notes=tuple(notes))


def _ordered(a: str | NormalizedName, b: str | NormalizedName) -> tuple[NormalizedName, NormalizedName]:
    na, nb = _as_normalized(a), _as_normalized(b)
    # Order the pair so the result (and its notes) do not depend on argument order.
    first, second = (na, nb) if (na.unified, na.original) <= (nb.unified, nb.original) else (nb, na)
    return _without_fathers_name(first, second), _without_fathers_name(second, first)


def _without_fathers_name(name: NormalizedName, other: NormalizedName) -> NormalizedName:
    """``name`` without trailing tokens that are the father's name ``other`` gives after ``bin``/``binti``.

    The same person is "Ahmad bin Abdullah" on one list and "Ahmad Abdullah" in an HR file: the father's
    name written on without the particle. Set aside (as ``dropped``) only when ``name`` keeps a token.
    """
    if not other.dropped or name.dropped:
        return name
    fathers = _as_normalized(" ".join(other.dropped)).unified
    count = len(fathers)
    if not count or len(name.unified) <= count or name.unified[-count:] != fathers:
        return name
    return replace(
        name,
        tokens=name.tokens[:-count],
        unified=name.unified[:-count],
        initials=name.initials[:-count],
        dropped=name.tokens[-count:],
    )


def name_agreement(a: str | NormalizedName, b: str | NormalizedName) -> NameComparison:
    """:func:`compare_names` without the normalisation notes: the same similarity, weight and missing.

    For deciding quickly; a finding shows :func:`compare_names`.

    Examples
    --------
    >>> name_agreement("Drs. Moch. Soedjono", "Muhammad Sujono").similarity
    1.0
    """
    return _compare(*_ordered(a, b))


def _spelling_notes(a: NormalizedName, b: NormalizedName) -> list[str]:
    """Official spelling rules that made two differently written tokens equal."""
    labels: list[str] = []
    official = {label for _, _, label in _OFFICIAL_RULES}
    for ta, ua in zip(a.tokens, a.unified, strict=True):
        for tb, ub in zip(b.tokens, b.unified, strict=True):
            if ua == ub and ta != tb and _apply_rules(ta)[0] == _apply_rules(tb)[0]:
                for token in (ta, tb):
                    _, applied = _apply_rules(token)
                    for label in applied:
                        if label in official and label not in labels and not _rule_in_both(label, ta, tb):
                            labels.append(label)
    return labels


def _rule_in_both(label: str, ta: str, tb: str) -> bool:
    return label in _apply_rules(ta)[1] and label in _apply_rules(tb)[1]


def _variant_notes(a: NormalizedName, b: NormalizedName) -> list[str]:
    notes: list[str] = []
    for ta, ua in zip(a.tokens, a.unified, strict=True):
        for tb, ub in zip(b.tokens, b.unified, strict=True):
            if ua == ub and ta != tb and _apply_rules(ta)[0] != _apply_rules(tb)[0]:
                note = f"{ta}={tb}"
                if note not in notes:
                    notes.append(note)
    return notes
