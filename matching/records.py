"""The domain's words: a roster's civil servant, a list's entry, and a finding with its explanation.

Plain frozen dataclasses over plain values: the scoring (:mod:`matching.scoring`) and the bulk engine
(:mod:`matching.engine`) take and give these; the service turns them into its own table rows and answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

__all__ = ["CLASSES", "KINDS", "Feature", "Finding", "ListEntry", "Ref", "RosterPerson"]

KINDS: dict[str, str] = {
    "nik_exact": "confirmed",
    "nik_match_name_mismatch": "conflict",
    "nik_truncated": "probable",
    "nik_one_digit": "probable",
    "name_birth_region": "possible",
    "nip_birth_name": "possible",
    "nik_district_name": "possible",
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
