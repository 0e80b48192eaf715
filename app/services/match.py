"""Synchronous matching (``POST /api/v1/match``): up to 1,000 people against the active lists, at once.

One query fetches every stored list entry that shares a blocking key with any of the people (a ``UNION`` of
one indexed ``IN`` look-up per key column — no query per person); the matcher's own in-memory
:class:`~matching.matcher.ListIndex` then pairs and scores them. Because the fetched entries are exactly
those sharing a key with someone, the index over them yields the same candidates as an index over the
whole of every list, hence the same findings a check run gives.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, union_all
from sqlmodel import Session

from app.errors import Forbidden, PayloadTooLarge
from app.services import audit
from app.services.candidates import KEY_COLUMNS, LIST_ENTRIES, LIST_ENTRY_COLUMNS, list_entry
from app.services.checks import select_lists
from app.services.principals import Principal
from matching import matcher
from matching.blocking import roster_keys

MAX_PEOPLE = 1000
CHECKS_PATH = "/api/v1/checks"

_L = LIST_ENTRIES  # the alias LIST_ENTRY_COLUMNS belong to: one FROM, not a cross join


@dataclass(frozen=True)
class MatchedPerson:
    index: int
    finding: matcher.Finding
    list_id: int
    list_version_id: int
    list_type: str
    owner: str
    election: str
    line: int
    name: str
    nik: str | None


@dataclass(frozen=True)
class MatchResult:
    lists_checked: int
    findings: list[MatchedPerson]


def _candidate_entries(
    session: Session, people: Sequence[matcher.RosterPerson], version_ids: Sequence[int]
) -> list[Any]:
    keys: dict[str, set[str | int]] = {column: set() for column in KEY_COLUMNS}
    for person in people:
        block = roster_keys(person)
        for column in KEY_COLUMNS:
            value = getattr(block, column)
            if value:
                keys[column].add(value if column == "person_key" else int(value))  # see stored_nik_key
    parts = [
        select(_L.c.id).where(_L.c[column].in_(sorted(values)), _L.c.version_id.in_(list(version_ids)))
        for column, values in keys.items()
        if values
    ]
    if not parts:
        return []
    ids = union_all(*parts).subquery("k")
    query = select(*LIST_ENTRY_COLUMNS, _L.c.line).where(_L.c.id.in_(select(ids.c.id)))
    return list(session.execute(query).all())


def match_people(
    session: Session,
    principal: Principal,
    people: Sequence[tuple[str, str, str | None]],
    *,
    election: str | None = None,
    list_type: str | None = None,
) -> MatchResult:
    """Findings for ``(nik, name, nip)`` people against the active lists that pass the filters. Audited."""
    if principal.role not in ("operator", "auditor", "admin"):
        raise Forbidden("This role cannot match people against the lists")
    if len(people) > MAX_PEOPLE:
        raise PayloadTooLarge(
            f"At most {MAX_PEOPLE} people per request; "
            f"upload them as a roster and start a check run at {CHECKS_PATH}",
            extra={"max_people": MAX_PEOPLE, "use": CHECKS_PATH},
        )
    roster = [
        matcher.RosterPerson(ref=i, nik=nik, name=name, nip=nip) for i, (nik, name, nip) in enumerate(people)
    ]
    lists = select_lists(session, election=election, list_type=list_type)
    by_version = {lv.id or 0: (wl, lv) for wl, lv in lists}
    rows = _candidate_entries(session, roster, list(by_version)) if roster and by_version else []
    entries = [
        list_entry(r.id, r.nik, r.nik_raw, r.name, r.birth_date, r.regency, r.gender, r.numeric_cell)
        for r in rows
    ]
    meta = {r.id: r for r in rows}
    out: list[MatchedPerson] = []
    for found in matcher.ListIndex(entries).match(roster):
        row = meta[found.list_ref]
        wl, lv = by_version[row.version_id]
        out.append(
            MatchedPerson(
                index=int(found.roster_ref),
                finding=found,
                list_id=wl.id or 0,
                list_version_id=lv.id or 0,
                list_type=wl.list_type,
                owner=wl.owner,
                election=wl.election,
                line=row.line,
                name=row.name,
                nik=row.nik,
            )
        )
    audit.record_lookup(
        session,
        principal,
        "match.lookup",
        target_type="lists",
        detail={"people": len(people), "lists": len(lists), "findings": len(out)},
    )
    session.commit()
    return MatchResult(len(lists), out)
