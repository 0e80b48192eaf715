"""Score one candidate pair: which kind of finding it is, if any, and why (every compared feature).

Kinds and classes (a finding is a *suspected* violation that a person reviews, ``docs/domain.md``):

========================== ============ ===================================================================
kind                       class        when
========================== ============ ===================================================================
``nik_exact``              confirmed    same NIK, same name or a variant of it
``nik_match_name_mismatch`` conflict    same NIK, clearly different name (NIK used by someone else, "dicatut")
``nik_truncated``          probable     last digit possibly zeroed by Excel on either side (it ends in 0, the
                                        other 15 agree), strong name agreement
``nik_one_digit``          probable     one substitution or one adjacent transposition, strong name agreement,
                                        no contradicting birth date or gender
``name_birth_region``      possible     list entry without usable NIK: strong name, same birth date, same
                                        regency
``nip_birth_name``         possible     roster NIK unusable: NIP birth date and gender equal the list NIK's,
                                        strong name
``nik_district_name``      possible     list NIK in scientific notation, no birth date to compare: the
                                        district it still shows is the roster NIK's, strong name with an
                                        identifying word in common
========================== ============ ===================================================================

A NIK in scientific notation (``3.20426E+15``) still shows its district: it must agree wherever it is
compared (a list NIK with the roster NIK, a roster NIK with the list NIK on the NIP path), and it stands in
for the regency of a list entry that states none.

A name alone never makes a finding. Which pairs are worth scoring is the engine's job
(:mod:`matching.engine`); :func:`score_pair` decides each one and is the reference every bulk shortcut is
tested against.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import TypeVar

from matching import thresholds as th
from matching.names import NameComparison, compare_names, identifying_words, name_agreement
from matching.nik import Nik, mask_nik, parse_nik, shows_prefix
from matching.nip import Nip, parse_nip
from matching.records import KINDS, Feature, Finding, ListEntry, Ref, RosterPerson

__all__ = [
    "clean_date",
    "clean_gender",
    "clean_regency",
    "compare_nik_digits",
    "district_fit",
    "roster_birth_date",
    "roster_gender",
    "score_pair",
    "score_pairs",
    "single_district_fits",
]

T = TypeVar("T")

_MALE = frozenset({"m", "l", "male", "laki-laki", "laki laki", "lakilaki", "laki", "pria", "lk", "1"})
_FEMALE = frozenset({"f", "p", "w", "female", "perempuan", "wanita", "pr", "2"})


def clean_gender(value: object) -> str | None:
    """``"M"``/``"F"`` from the ways lists write gender (Indonesian L/P, Laki-laki/Perempuan, M/F, 1/2).

    Examples
    --------
    >>> clean_gender("L"), clean_gender("Perempuan"), clean_gender("F"), clean_gender("?")
    ('M', 'F', 'F', None)
    """
    if value is None:
        return None
    text = str(value).strip().lower().rstrip(".")
    if text in _MALE:
        return "M"
    if text in _FEMALE:
        return "F"
    return None


def clean_date(value: object) -> date | None:
    """A plain ``date`` from a date, a datetime (pandas Timestamp) or an ISO ``YYYY-MM-DD`` string.

    A datetime never equals a date in Python, so list dates are made plain before any comparison.

    Examples
    --------
    >>> from datetime import datetime
    >>> clean_date(datetime(1985, 3, 12, 0, 0)), clean_date("1985-03-12"), clean_date("12/03/1985")
    (datetime.date(1985, 3, 12), datetime.date(1985, 3, 12), None)
    """
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip()[:10])
        except ValueError:
            return None
    return None


def clean_regency(value: object) -> str | None:
    """A 4-digit Kemendagri regency code from ``"3271"``, ``"32.71"``, ``3271`` or a longer code's prefix.

    Examples
    --------
    >>> clean_regency("32.71"), clean_regency(3271), clean_regency("32.71.05"), clean_regency("Bogor")
    ('3271', '3271', '3271', None)
    """
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip()
    if len(text) == 4 and text.isdigit():
        return text
    digits = "".join(c for c in text if c.isdigit())
    return digits[:4] if len(digits) >= 4 and digits.isascii() else None


def roster_birth_date(nik: Nik, nip: Nip | None) -> date | None:
    """The birth date used for a roster person: the NIP's, else a trusted NIK's.

    HR records the real birth date in the NIP; a NIK's date segment is sometimes wrong (``docs/domain.md``).

    Examples
    --------
    >>> from matching.nik import parse_nik
    >>> roster_birth_date(parse_nik("3271051203850001"), parse_nip("198503132010011001"))
    datetime.date(1985, 3, 13)
    """
    if nip is not None and nip.ok and nip.birth_date is not None:
        return nip.birth_date
    return nik.birth_date if nik.trusted else None


def compare_nik_digits(a: str, b: str) -> tuple[str, int | None]:
    """Classify how two 16-digit NIKs differ.

    Parameters
    ----------
    a, b : str
        16 digits each.

    Returns
    -------
    (str, int or None)
        ``("exact", None)``, ``("one_substitution", p)``, ``("adjacent_transposition", p)`` with the 1-based
        position ``p`` (the first of the two swapped digits), or ``("different", None)``.

    Examples
    --------
    >>> compare_nik_digits("3271055203850001", "3271055203850007")
    ('one_substitution', 16)
    >>> compare_nik_digits("3271055203850001", "3271052503850001")
    ('adjacent_transposition', 7)
    """
    if a == b:
        return "exact", None
    diff = [i for i in range(16) if a[i] != b[i]]
    if len(diff) == 1:
        return "one_substitution", diff[0] + 1
    if len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]:
        return "adjacent_transposition", diff[0] + 1
    return "different", None


def _name_feature(cmp: NameComparison) -> Feature:
    if cmp.similarity >= 1.0 and not cmp.notes:
        outcome = "exact"
    elif cmp.similarity >= th.NAME_VARIANT:
        outcome = "similar"
    else:
        outcome = "different"
    detail = "; ".join((f"similarity {cmp.similarity:.2f}", *cmp.notes))
    return Feature("name", outcome, detail)


def _date_feature(label: str, listed: date | None, roster: date | None, source: str) -> Feature:
    if listed is None or roster is None:
        return Feature("birth_date", "unknown", f"{label}: not available on both sides")
    if listed == roster:
        return Feature("birth_date", "match", f"{listed.isoformat()} on the list and in the {source}")
    return Feature("birth_date", "mismatch", f"list {listed.isoformat()}, {source} {roster.isoformat()}")


def _gender_feature(listed: str | None, roster: str | None) -> Feature:
    if listed is None or roster is None:
        return Feature("gender", "unknown", "not available on both sides")
    if listed == roster:
        return Feature("gender", "match", f"{listed} on both sides")
    return Feature("gender", "mismatch", f"list {listed}, roster {roster}")


def roster_gender(nik: Nik, nip: Nip | None) -> str | None:
    """The gender used for a roster person: the NIP's, else a trusted NIK's."""
    if nip is not None and nip.ok and nip.gender is not None:
        return nip.gender
    return nik.gender if nik.trusted else None


def _score(kind: str, similarity: float) -> float:
    base, span = th.SCORE[kind]
    value = base + span * (1.0 - similarity if kind == "nik_match_name_mismatch" else similarity)
    return round(min(1.0, max(0.0, value)), 4)


def _finding(r: RosterPerson, e: ListEntry, kind: str, sim: float, features: list[Feature]) -> Finding:
    return Finding(r.ref, e.ref, kind, KINDS[kind], _score(kind, sim), tuple(features))


def _strong(cmp: NameComparison, min_weight: float) -> bool:
    return cmp.similarity >= th.NAME_STRONG and cmp.weight >= min_weight and not cmp.unexplained_extra


def score_pair(roster: RosterPerson, entry: ListEntry) -> Finding | None:
    """Classify one candidate pair.

    Parameters
    ----------
    roster : RosterPerson
    entry : ListEntry

    Returns
    -------
    Finding or None
        None when the pair is not a finding of any kind.

    Examples
    --------
    >>> r = RosterPerson(1, "3271055203850001", "Dra. Siti Aminah, M.Pd.")
    >>> score_pair(r, ListEntry(9, "3271055203850001", "SITI AMINAH")).match_class
    'confirmed'
    >>> score_pair(r, ListEntry(9, "3271055203850001", "Budi Santoso")).kind
    'nik_match_name_mismatch'
    >>> score_pair(r, ListEntry(9, "3271055203850007", "Siti Aminah")).kind
    'nik_one_digit'
    >>> score_pair(r, ListEntry(9, "3271055203850007", "Rina Marlina")) is None
    True
    """
    entry = _clean_entry(entry)
    rn = parse_nik(roster.nik, numeric_cell=roster.numeric_cell)
    en = parse_nik(entry.nik, numeric_cell=entry.numeric_cell) if entry.nik is not None else None
    nip = parse_nip(roster.nip) if roster.nip else None
    r_birth = roster_birth_date(rn, nip)
    r_gender = roster_gender(rn, nip)
    birth_source = "NIP" if nip is not None and nip.ok and nip.birth_date is not None else "roster NIK"

    if rn.usable and en is not None and en.usable and rn.digits and en.digits:
        return _score_nik_pair(roster, entry, rn, en, r_birth, r_gender, birth_source)
    if rn.usable and rn.digits:
        return _score_birth_region(roster, entry, rn, en, r_birth, r_gender, birth_source)
    if nip is not None and nip.ok and en is not None and en.usable and en.trusted:
        return _score_nip(roster, entry, rn, en, nip)
    return None


def _clean_entry(e: ListEntry) -> ListEntry:
    # Lists write dates, genders and regencies many ways ("L"/"P", "32.71", a datetime): compare plain values.
    birth, regency, gender = clean_date(e.birth_date), clean_regency(e.regency), clean_gender(e.gender)
    if (
        birth == e.birth_date
        and not isinstance(e.birth_date, datetime)
        and regency == e.regency
        and gender == e.gender
    ):
        return e
    return replace(e, birth_date=birth, regency=regency, gender=gender)


def _score_nik_pair(
    r: RosterPerson,
    e: ListEntry,
    rn: Nik,
    en: Nik,
    r_birth: date | None,
    r_gender: str | None,
    birth_source: str,
) -> Finding | None:
    assert rn.digits is not None
    assert en.digits is not None
    outcome, position = compare_nik_digits(rn.digits, en.digits)
    # Excel keeps 15 significant digits: a NIK that differs only in its last digit, where one side ends in 0,
    # is read as truncated even when nobody told us it came from a numeric cell (a CSV export of the damaged
    # sheet loses that): a typing slip onto exactly that digit and that value is far rarer.
    last_zero = rn.digits[15] == "0" or en.digits[15] == "0"
    truncated = outcome == "one_substitution" and position == 16 and last_zero
    if outcome == "different":
        return None
    cmp = compare_names(r.name, e.name)
    name_f = _name_feature(cmp)
    masked = mask_nik(rn.digits)
    date_f = _date_feature("birth date", e.birth_date, r_birth, birth_source)
    gender_f = _gender_feature(e.gender, r_gender)
    if outcome == "exact":
        nik_f = Feature("nik", "exact", f"identical NIK {masked}")
        features = [nik_f, name_f, date_f, gender_f]
        if cmp.similarity >= th.NAME_VARIANT:
            return _finding(r, e, "nik_exact", cmp.similarity, features)
        # Same NIK, clearly different name: evidence of "NIK dicatut" or a list error, never silently a match.
        return _finding(r, e, "nik_match_name_mismatch", cmp.similarity, features)
    # A stated birth date or gender that contradicts the roster means another person, not a typo.
    if date_f.outcome == "mismatch" or gender_f.outcome == "mismatch":
        return None
    complete = cmp.similarity >= 1.0 and cmp.missing == 0
    min_weight = th.NAME_MIN_WEIGHT_NEAR_NIK_COMPLETE if complete else th.NAME_MIN_WEIGHT_NEAR_NIK
    # Only a list NIK that decodes to a real date can be a namesake's own NIK; "36" as a day is a typo.
    namesake_possible = en.trusted and date_f.outcome != "match"
    if position is not None and 7 <= position <= 12 and not truncated and namesake_possible:
        min_weight = th.NAME_MIN_WEIGHT_NEAR_NIK_BIRTH_SEGMENT
    if not _strong(cmp, min_weight):
        return None
    if truncated:
        side = "roster" if rn.digits[15] == "0" else "list"
        damaged = rn if side == "roster" else en
        source = "came from a numeric cell and ends in 0" if damaged.possibly_truncated else "ends in 0"
        nik_f = Feature(
            "nik",
            "last_digit_unknown",
            f"first 15 digits agree; the {side} NIK {source}, so its last digit may have been lost "
            "(Excel keeps 15 significant digits)",
        )
        return _finding(r, e, "nik_truncated", cmp.similarity, [nik_f, name_f, date_f, gender_f])
    if outcome == "one_substitution":
        nik_f = Feature("nik", outcome, f"one substitution at position {position} ({masked} on the roster)")
    else:
        assert position is not None
        nik_f = Feature(
            "nik", outcome, f"adjacent digits swapped at positions {position}-{position + 1} ({masked})"
        )
    return _finding(r, e, "nik_one_digit", cmp.similarity, [nik_f, name_f, date_f, gender_f])


def _score_birth_region(
    r: RosterPerson,
    e: ListEntry,
    rn: Nik,
    en: Nik | None,
    r_birth: date | None,
    r_gender: str | None,
    birth_source: str,
) -> Finding | None:
    if en is not None and en.usable:
        return None
    assert rn.digits is not None
    shown = en.scientific_prefix if en is not None else None
    if shown is not None and not shows_prefix(rn.digits, shown):
        return None  # the list's own damaged NIK names another district
    gender_f = _gender_feature(e.gender, r_gender)
    if gender_f.outcome == "mismatch":
        return None
    if e.birth_date is None or r_birth is None:
        return _score_district(r, e, rn, shown, r_birth, gender_f, birth_source) if shown else None
    if e.birth_date != r_birth:
        return None
    if shown is not None:
        region_f = Feature("region", "match", _district_detail(e.nik, shown, "list"))
    elif e.regency is not None and e.regency == rn.regency:
        region_f = Feature("region", "match", f"regency {e.regency} on the list and in the roster NIK")
    else:
        return None
    cmp = compare_names(r.name, e.name)
    if not _strong(cmp, th.NAME_MIN_WEIGHT_BIRTH_REGION):
        return None
    why = "none given" if en is None else (en.rejection or "placeholder")
    features = [
        Feature("nik", "unusable", f"list entry has no usable NIK ({why})"),
        _name_feature(cmp),
        _date_feature("birth date", e.birth_date, r_birth, birth_source),
        region_f,
        gender_f,
    ]
    return _finding(r, e, "name_birth_region", cmp.similarity, features)


def _district_code(shown: str) -> str:
    """A district code as Kemendagri writes it: 32.04.26."""
    return f"{shown[:2]}.{shown[2:4]}.{shown[4:]}"


def _district_detail(written: str | None, shown: str, side: str) -> str:
    other = "roster" if side == "list" else "list"
    return (
        f"district {_district_code(shown)} shown by the {side} NIK in scientific notation ({written}) "
        f"and in the {other} NIK"
    )


def _score_district(
    r: RosterPerson,
    e: ListEntry,
    rn: Nik,
    shown: str,
    r_birth: date | None,
    gender_f: Feature,
    birth_source: str,
) -> Finding | None:
    """A list NIK Excel turned into scientific notation, and no birth date to compare: the district it
    still shows and the name are all there is (``thresholds.NAME_MIN_WEIGHT_DISTRICT``)."""
    if e.regency is not None and e.regency != rn.regency:
        return None
    if not identifying_words(r.name) & identifying_words(e.name):
        return None
    cmp = compare_names(r.name, e.name)
    complete = cmp.similarity >= 1.0 and cmp.missing == 0
    if not complete or cmp.weight < th.NAME_MIN_WEIGHT_DISTRICT:
        return None
    features = [
        Feature(
            "nik",
            "district_only",
            f"list NIK in scientific notation ({e.nik}): Excel kept only its first digits, the district "
            f"{_district_code(shown)}, which the roster NIK {mask_nik(rn.digits or '')} shares",
        ),
        _name_feature(cmp),
        _date_feature("birth date", e.birth_date, r_birth, birth_source),
        gender_f,
    ]
    return _finding(r, e, "nik_district_name", cmp.similarity, features)


def _score_nip(r: RosterPerson, e: ListEntry, rn: Nik, en: Nik, nip: Nip) -> Finding | None:
    nb, eb = nip.birth_date, en.birth_date
    if nb is None or eb is None or (nb.day, nb.month, nb.year % 100) != (eb.day, eb.month, eb.year % 100):
        return None
    if nip.gender is None or nip.gender != en.gender:
        return None
    if e.birth_date is not None and e.birth_date != nb:
        return None
    if e.gender is not None and e.gender != nip.gender:
        return None
    # Most pairs sharing a birth date and gender are strangers: decide on the bare agreement, explain later.
    cmp = name_agreement(r.name, e.name)
    complete = cmp.similarity >= 1.0 and cmp.missing == 0
    min_weight = th.NAME_MIN_WEIGHT_NIP_COMPLETE if complete else th.NAME_MIN_WEIGHT_NIP
    solid = cmp.weight >= th.NAME_NIP_SOLID_WEIGHT
    share = th.NAME_NIP_MAX_MISSING_SHARE_SOLID if solid else th.NAME_NIP_MAX_MISSING_SHARE
    if not _strong(cmp, min_weight) or cmp.missing > share * cmp.weight:
        return None
    shown = rn.scientific_prefix
    assert en.digits is not None
    if shown is not None and not shows_prefix(en.digits, shown):
        return None  # the roster's own damaged NIK names another district
    cmp = compare_names(r.name, e.name)
    why = rn.rejection or "placeholder"
    features = [
        Feature("nik", "unusable", f"roster NIK is unusable ({why}); found through the NIP"),
        _name_feature(cmp),
        Feature("birth_date", "match", f"{nb.isoformat()} in the NIP and in the list NIK"),
        Feature("gender", "match", f"{nip.gender} in the NIP and in the list NIK"),
        Feature("nip", "match", f"{nip.kind} NIP birth date and gender agree with the list NIK"),
    ]
    if shown is not None:
        features.append(Feature("region", "match", _district_detail(r.nik, shown, "roster")))
    return _finding(r, e, "nip_birth_name", cmp.similarity, features)


def single_district_fits(items: Sequence[T], fit: Callable[[T], tuple[Hashable, str, float]]) -> list[T]:
    """The ``items`` (findings, or finding rows) that stand, ``fit`` giving each one's list entry, kind and
    score: a ``nik_district_name`` finding stands only when its entry fits no other civil servant as well.

    A district and a name are all such a finding has, and one list row is one person: of several civil
    servants of the district whose names agree with it, only the best fit is reported, and none when the
    best are tied ("Siti Mardiyah" five times in one kecamatan names nobody). Every path applies this to
    all the findings of one check, after every part of it is scored.

    >>> tied = [(7, "nik_district_name", 0.55), (7, "nik_district_name", 0.55), (7, "nik_exact", 1.0)]
    >>> single_district_fits(tied, tuple), single_district_fits(tied[:1], tuple)
    ([(7, 'nik_exact', 1.0)], [(7, 'nik_district_name', 0.55)])
    """
    fits = [fit(item) for item in items]
    best: dict[Hashable, list[float]] = {}
    for entry, kind, score in fits:
        if kind == "nik_district_name":
            best.setdefault(entry, []).append(score)
    top = {entry: max(scores) for entry, scores in best.items()}
    single = {entry for entry, scores in best.items() if scores.count(top[entry]) == 1}
    return [
        item
        for item, (entry, kind, score) in zip(items, fits, strict=True)
        if kind != "nik_district_name" or (entry in single and score == top[entry])
    ]


def district_fit(finding: Finding) -> tuple[Hashable, str, float]:
    """What :func:`single_district_fits` reads of a :class:`Finding`."""
    return finding.list_ref, finding.kind, finding.score


def _ref_key(ref: Ref) -> tuple[bool, int | str]:
    return (isinstance(ref, str), ref)


def _sort_key(f: Finding) -> tuple[tuple[bool, int | str], tuple[bool, int | str]]:
    return (_ref_key(f.roster_ref), _ref_key(f.list_ref))


def score_pairs(pairs: Iterable[tuple[RosterPerson, ListEntry]]) -> list[Finding]:
    """Classify candidate pairs produced elsewhere (the database, or :class:`ListIndex`).

    Parameters
    ----------
    pairs : iterable of (RosterPerson, ListEntry)
        Duplicates are allowed; at most one finding per ``(roster_ref, list_ref)`` is returned.

    Returns
    -------
    list of Finding
        Sorted by roster ref, then list ref (ints before strings).

    Examples
    --------
    >>> r = RosterPerson(1, "3271055203850001", "Siti Aminah")
    >>> e = ListEntry(7, "3271055203850001", "Siti Aminah")
    >>> [f.kind for f in score_pairs([(r, e), (r, e)])]
    ['nik_exact']
    """
    best: dict[tuple[Ref, Ref], Finding] = {}
    seen: set[tuple[Ref, Ref]] = set()
    for roster, entry in pairs:
        pair_id = (roster.ref, entry.ref)
        if pair_id in seen:
            continue
        seen.add(pair_id)
        found = score_pair(roster, entry)
        if found is not None:
            best[pair_id] = found
    return single_district_fits(sorted(best.values(), key=_sort_key), district_fit)
