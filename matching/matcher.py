"""Cross-check a civil-servant roster against a list: explained findings.

Kinds and classes (a finding is a *suspected* violation that a person reviews, ``DOMAIN.md``):

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
========================== ============ ===================================================================

A name alone never makes a finding. :class:`ListIndex` generates candidates with the keys of
:mod:`matching.blocking` and classifies them with :func:`score_pairs`, the same function the database path
uses on the candidates it generates from the stored keys, so both paths give identical findings.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

import numpy as np
import numpy.typing as npt

from matching import _vector
from matching import thresholds as th
from matching.blocking import (
    BlockKeys,
    birth_region_key,
    clean_date,
    clean_gender,
    clean_regency,
    entry_person_key,
    roster_birth_date,
    roster_keys,
)
from matching.names import NameComparison, compare_names, name_agreement
from matching.nik import Nik, mask_nik, parse_nik
from matching.nip import Nip, parse_nip

__all__ = [
    "CLASSES",
    "KINDS",
    "Feature",
    "Finding",
    "ListEntry",
    "ListIndex",
    "RosterPerson",
    "compare_nik_digits",
    "match",
    "score_pair",
    "score_pairs",
]

KINDS: dict[str, str] = {
    "nik_exact": "confirmed",
    "nik_match_name_mismatch": "conflict",
    "nik_truncated": "probable",
    "nik_one_digit": "probable",
    "name_birth_region": "possible",
    "nip_birth_name": "possible",
}
CLASSES = ("confirmed", "conflict", "probable", "possible")

Ref = int | str


@dataclass(frozen=True, slots=True)
class RosterPerson:
    """A civil servant from a roster.

    Attributes
    ----------
    ref : int or str
        The caller's identifier, returned in findings.
    nik : str
        The NIK as given (parsed with :func:`matching.nik.parse_nik`).
    name : str
    nip : str or None
    numeric_cell : bool
        True when the NIK came from a numeric spreadsheet cell (possible Excel truncation).
    """

    ref: Ref
    nik: str
    name: str
    nip: str | None = None
    numeric_cell: bool = False


@dataclass(frozen=True, slots=True)
class ListEntry:
    """A row of a party-member or supporter list.

    Attributes
    ----------
    ref : int or str
    nik : str or None
    name : str
    birth_date : date or None
        As stated on the list.
    regency : str or None
        4-digit Kemendagri regency/city code of the stated address.
    gender : str or None
        ``"M"`` or ``"F"`` as stated.
    numeric_cell : bool
    """

    ref: Ref
    nik: str | None
    name: str
    birth_date: date | None = None
    regency: str | None = None
    gender: str | None = None
    numeric_cell: bool = False


@dataclass(frozen=True, slots=True)
class Feature:
    """One compared feature of a finding, shown to reviewers as is.

    Attributes
    ----------
    name : str
        ``nik``, ``name``, ``birth_date``, ``region``, ``gender`` or ``nip``.
    outcome : str
        ``exact``, ``one_substitution``, ``adjacent_transposition``, ``last_digit_unknown``, ``unusable``,
        ``similar``, ``different``, ``match``, ``mismatch`` or ``unknown``.
    detail : str
        Human text, e.g. "one substitution at position 7".
    """

    name: str
    outcome: str
    detail: str


@dataclass(frozen=True, slots=True)
class Finding:
    """A roster person suspected to appear on a list.

    Attributes
    ----------
    roster_ref, list_ref : int or str
    kind : str
        See the module docstring.
    match_class : str
        ``confirmed``, ``conflict``, ``probable`` or ``possible``.
    score : float
        0..1; classes occupy disjoint ranges (:data:`matching.thresholds.SCORE`).
    explanation : tuple of Feature
    """

    roster_ref: Ref
    list_ref: Ref
    kind: str
    match_class: str
    score: float
    explanation: tuple[Feature, ...]

    def explanation_text(self) -> str:
        """One line for CSV exports.

        Examples
        --------
        >>> f = Finding(1, 2, "nik_exact", "confirmed", 1.0, (Feature("nik", "exact", "identical NIK"),))
        >>> f.explanation_text()
        'nik_exact (confirmed, 1.00): nik exact - identical NIK'
        """
        parts = "; ".join(f"{f.name} {f.outcome} - {f.detail}" for f in self.explanation)
        return f"{self.kind} ({self.match_class}, {self.score:.2f}): {parts}"


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


def _roster_gender(nik: Nik, nip: Nip | None) -> str | None:
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
    return cmp.similarity >= th.NAME_STRONG and cmp.weight >= min_weight


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
    r_gender = _roster_gender(rn, nip)
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
    if e.birth_date is None or r_birth is None or e.birth_date != r_birth:
        return None
    if e.regency is None or e.regency != rn.regency:
        return None
    gender_f = _gender_feature(e.gender, r_gender)
    if gender_f.outcome == "mismatch":
        return None
    cmp = compare_names(r.name, e.name)
    if not _strong(cmp, th.NAME_MIN_WEIGHT_BIRTH_REGION):
        return None
    why = "none given" if en is None else (en.rejection or "placeholder")
    features = [
        Feature("nik", "unusable", f"list entry has no usable NIK ({why})"),
        _name_feature(cmp),
        _date_feature("birth date", e.birth_date, r_birth, birth_source),
        Feature("region", "match", f"regency {e.regency} on the list and in the roster NIK"),
        gender_f,
    ]
    return _finding(r, e, "name_birth_region", cmp.similarity, features)


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
    cmp = compare_names(r.name, e.name)
    why = rn.rejection or "placeholder"
    features = [
        Feature("nik", "unusable", f"roster NIK is unusable ({why}); found through the NIP"),
        _name_feature(cmp),
        Feature("birth_date", "match", f"{nb.isoformat()} in the NIP and in the list NIK"),
        Feature("gender", "match", f"{nip.gender} in the NIP and in the list NIK"),
        Feature("nip", "match", f"{nip.kind} NIP birth date and gender agree with the list NIK"),
    ]
    return _finding(r, e, "nip_birth_name", cmp.similarity, features)


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
    return sorted(best.values(), key=_sort_key)


class ListIndex:
    """An in-memory index over list entries, built once and matched against rosters.

    Candidates are the pairs that share a key of :func:`matching.blocking.entry_keys` /
    :func:`matching.blocking.roster_keys` (exactly what the database joins on), found with vectorised integer
    keys; pairs sharing a NIK key whose NIKs are more than one edit apart are dropped before scoring, since
    :func:`score_pair` rejects them anyway. Names are normalised only for the remaining candidates.

    Parameters
    ----------
    entries : sequence of ListEntry
    nik_values : int64 array, optional, keyword-only
        The entries' NIKs exactly as :func:`matching.nik_batch.nik_values` gives them (-1 when unusable),
        for a caller that already holds them as numbers: reading 2M NIKs back out of ``ListEntry`` objects
        costs seconds, and the index then touches an entry only when it is a candidate or has no usable
        NIK.

    Examples
    --------
    >>> index = ListIndex([ListEntry("a", "3271055203850001", "Siti Aminah")])
    >>> [f.kind for f in index.match([RosterPerson(1, "3271055203850001", "Siti Aminah, S.Pd.")])]
    ['nik_exact']
    """

    def __init__(self, entries: Sequence[ListEntry], *, nik_values: _vector.I64 | None = None) -> None:
        self._entries = entries
        if nik_values is None:
            nik_values = _vector.nik_values([e.nik or "" for e in entries])
        elif nik_values.shape != (len(entries),):
            raise ValueError("nik_values must hold one value per entry")
        self._values = nik_values
        self._valid = self._values >= 0
        self._window_keys = _vector.window_keys(self._values)
        # Entries without a usable NIK are few: their birth-date + regency keys are built in Python.
        self._by_person_key: dict[str, list[int]] = defaultdict(list)
        for i in np.flatnonzero(~self._valid).tolist():
            # What entry_keys() gives an entry without usable NIK, without building the whole BlockKeys.
            e = entries[i]
            if e.birth_date is None:
                continue
            key = birth_region_key(e.birth_date, e.regency, e.name)
            if key is not None:
                self._by_person_key[key].append(i)
        # The same keys as integers (YYYYMMDD * 10**4 + regency) for a vectorised pre-check of roster people.
        self._person_codes = np.array(sorted(int(k[1:]) for k in self._by_person_key), dtype=np.int64)
        self._birth_gender: npt.NDArray[np.int64] | None = None

    def __len__(self) -> int:
        return len(self._entries)

    def candidates(self, roster: Sequence[RosterPerson]) -> list[tuple[int, int]]:
        """Candidate pairs as ``(roster position, entry position)``, sorted, without duplicates.

        Examples
        --------
        >>> entries = [ListEntry("a", "3271055203850001", "X"), ListEntry("b", "3171055203850001", "Y")]
        >>> ListIndex(entries).candidates([RosterPerson(1, "3271055203850009", "Z")])
        [(0, 0)]
        """
        r_values = _vector.nik_values([p.nik for p in roster])
        keys: dict[int, BlockKeys] = {}
        # Roster people without a usable NIK are few: their full keys are computed in Python. Those with one
        # only need a person key when a list entry without NIK could share it: pre-check cheaply, confirm.
        for r_pos_i in np.flatnonzero(r_values < 0).tolist():
            keys[r_pos_i] = roster_keys(roster[r_pos_i])
        usable = np.flatnonzero(r_values >= 0)
        if len(self._person_codes):
            from_nik, from_nip = _vector.birth_region_codes(
                r_values[usable], [roster[i].nip for i in usable.tolist()]
            )
            maybe = np.isin(from_nik, self._person_codes) | np.isin(from_nip, self._person_codes)
            for r_pos_i in usable[maybe].tolist():
                keys[r_pos_i] = roster_keys(roster[r_pos_i])
        r_parts: list[npt.NDArray[np.int64]] = []
        e_parts: list[npt.NDArray[np.int64]] = []
        for list_keys, roster_window in zip(
            self._window_keys, _vector.window_keys(r_values[usable]), strict=True
        ):
            r_pos, e_pos = _vector.join(list_keys, self._valid, roster_window)
            r_parts.append(usable[r_pos])
            e_parts.append(e_pos)
        r_all = np.concatenate(r_parts) if r_parts else np.empty(0, np.int64)
        e_all = np.concatenate(e_parts) if e_parts else np.empty(0, np.int64)
        pairs = np.unique(r_all * len(self._entries) + e_all)
        r_all, e_all = pairs // max(len(self._entries), 1), pairs % max(len(self._entries), 1)
        near = _vector.within_one_edit(r_values[r_all], self._values[e_all])
        out = set(zip(r_all[near].tolist(), e_all[near].tolist(), strict=True))

        by_g: dict[int, list[tuple[int, str]]] = defaultdict(list)
        for r_pos_i, k in keys.items():
            if k.person_key is None:
                continue
            if k.person_key.startswith("R"):
                out.update((r_pos_i, e) for e in self._by_person_key.get(k.person_key, ()))
            else:
                # "G" + DDMMYY + gender, as an integer for the vectorised pre-filter.
                code = int(k.person_key[1:7]) * 2 + (k.person_key[7] == "F")
                by_g[code].append((r_pos_i, k.person_key))
        if by_g:
            if self._birth_gender is None:
                self._birth_gender = _vector.decoded_birth_gender_keys(self._values)
            hits = np.flatnonzero(np.isin(self._birth_gender, np.array(list(by_g), dtype=np.int64)))
            for e in hits.tolist():
                # Confirm with the scalar key: the entry's NIK must be trusted for its date to count.
                key = entry_person_key(self._entries[e])
                for r_pos_i, wanted in by_g[int(self._birth_gender[e])]:
                    if key == wanted:
                        out.add((r_pos_i, e))
        return sorted(out)

    def match(self, roster: Sequence[RosterPerson]) -> list[Finding]:
        """Findings for a roster, as :func:`score_pairs` over the candidates.

        Examples
        --------
        >>> ListIndex([]).match([RosterPerson(1, "3271055203850001", "Siti")])
        []
        """
        return score_pairs((roster[r], self._entries[e]) for r, e in self.candidates(roster))


def match(roster: Sequence[RosterPerson], entries: Sequence[ListEntry]) -> list[Finding]:
    """Match a roster against list entries in memory.

    Examples
    --------
    >>> roster = [RosterPerson(1, "3271055203850001", "Drs. Agoes Soedjono", nip="198503122010011001")]
    >>> entries = [ListEntry(5, "3271051203850001", "Agus Sujono")]
    >>> [(f.kind, f.match_class) for f in match(roster, entries)]
    [('nik_one_digit', 'probable')]
    """
    return ListIndex(entries).match(roster)
