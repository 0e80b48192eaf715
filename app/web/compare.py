"""Side-by-side presentation of a finding: which NIK digits and name tokens differ, what normalisation did.

Presentation only: the comparison that made the finding lives in :mod:`matching`; this marks up the two
rows so a reviewer sees at a glance what agrees and what does not. Name normalisation is
:func:`matching.names.normalize_name`, the same the matcher used.
"""

from __future__ import annotations

from dataclasses import dataclass

from matching.names import normalize_name


@dataclass(frozen=True, slots=True)
class Digit:
    char: str
    differs: bool


@dataclass(frozen=True, slots=True)
class Token:
    text: str  # as normalised (lower case, original spelling)
    unified: str  # the comparison form (old spellings and Arabic variants unified)
    matched: bool  # its unified form occurs on the other side

    @property
    def respelled(self) -> bool:
        return self.unified != self.text


@dataclass(frozen=True, slots=True)
class NameView:
    original: str
    tokens: tuple[Token, ...]
    removed_titles: tuple[str, ...]
    dropped: tuple[str, ...]
    rules: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Comparison:
    roster_nik: tuple[Digit, ...]
    list_nik: tuple[Digit, ...]
    roster_name: NameView
    list_name: NameView
    nik_differs: int


def nik_digits(mine: str | None, other: str | None) -> tuple[Digit, ...]:
    """Each character of ``mine``, marked where it differs from ``other`` at the same position.

    >>> [d.char for d in nik_digits("3271", "3281") if d.differs]
    ['7']
    """
    if not mine:
        return ()
    other = other or ""
    return tuple(Digit(char, index >= len(other) or other[index] != char) for index, char in enumerate(mine))


def _name_view(raw: str, other_unified: set[str]) -> NameView:
    normalized = normalize_name(raw)
    tokens = tuple(
        Token(text, unified, unified in other_unified)
        for text, unified in zip(normalized.tokens, normalized.unified, strict=True)
    )
    return NameView(raw, tokens, normalized.removed_titles, normalized.dropped, normalized.rules)


def compare(roster_nik: str | None, roster_name: str, list_nik: str | None, list_name: str) -> Comparison:
    """Mark up both rows of a finding.

    >>> c = compare("3271010101900001", "Drs. Agoes Salim", "3271010101900007", "Agus Salim")
    >>> c.nik_differs, [t.matched for t in c.roster_name.tokens], c.roster_name.removed_titles
    (1, [True, True], ('Drs.',))
    """
    roster_norm = normalize_name(roster_name)
    list_norm = normalize_name(list_name)
    roster_digits = nik_digits(roster_nik, list_nik)
    return Comparison(
        roster_nik=roster_digits,
        list_nik=nik_digits(list_nik, roster_nik),
        roster_name=_name_view(roster_name, set(list_norm.unified)),
        list_name=_name_view(list_name, set(roster_norm.unified)),
        nik_differs=sum(1 for digit in roster_digits if digit.differs) if list_nik else 0,
    )
