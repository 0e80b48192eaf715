"""Synchronous matching (``POST /api/v1/match``): up to 1,000 people against the active lists, at once.

The same engine as a check run (:func:`app.services.candidates.match_people`): the people's NIK variants
are joined to the lists' keys, which each process keeps in memory from one read of the active versions
(reread when a version is activated or retired), and only the entries that become candidates are read
from the database. So an answer costs the matching, not a scan of the lists, and gives the findings a
check run gives.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session

from app.errors import Forbidden, PayloadTooLarge
from app.services import audit, candidates
from app.services.checks import select_lists
from app.services.principals import Principal
from matching import records

MAX_PEOPLE = 1000
CHECKS_PATH = "/api/v1/checks"


@dataclass(frozen=True)
class MatchedPerson:
    index: int
    finding: records.Finding
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
    roster = [records.RosterPerson(i, nik, name, nip) for i, (nik, name, nip) in enumerate(people)]
    active = select_lists(session)
    wanted = select_lists(session, election=election, list_type=list_type)
    by_version = {lv.id or 0: (wl, lv) for wl, lv in wanted}
    out: list[MatchedPerson] = []
    if roster and by_version:
        # The keys cover every active list; the filters pick findings from the lists asked for.
        stored = candidates.cached_lists(session, [lv.id or 0 for _, lv in active])
        found, entries = candidates.match_people(roster, stored, session)
        meta = {row["id"]: row for row in entries.to_dicts()}
        for finding in found:
            row = meta[int(finding.list_ref)]
            if row["version_id"] not in by_version:
                continue
            wl, lv = by_version[row["version_id"]]
            out.append(
                MatchedPerson(
                    index=int(finding.roster_ref),
                    finding=finding,
                    list_id=wl.id or 0,
                    list_version_id=lv.id or 0,
                    list_type=wl.list_type,
                    owner=wl.owner,
                    election=wl.election,
                    line=row["line"],
                    name=row["name"],
                    nik=row["nik"],
                )
            )
    audit.record_lookup(
        session,
        principal,
        "match.lookup",
        target_type="lists",
        detail={"people": len(people), "lists": len(wanted), "findings": len(out)},
    )
    session.commit()
    return MatchResult(len(wanted), out)
