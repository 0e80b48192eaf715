"""Retention: delete the personal data Netra no longer uses once it is older than the retention period.

UU PDP (27/2022) asks for deletion when the retention period ends (docs/domain.md, "Personal data").
What is no longer used, and so what ``purge_expired`` deletes once it is older than the cut-off:

1. **Check runs that a later successful run of the same roster has replaced**, with their findings. Reviews
   were carried forward to the later run's findings (``Finding.pair_key``), so the old rows only repeat
   names and NIKs. The latest successful run of each roster stays however old it is: it is the current
   answer. Queued and running runs are never touched.
2. **Entries and rejected rows of list and roster versions that are no longer active** (superseded by a newer
   upload, or failed), unless a remaining finding still cites them: a finding under review must stay
   explainable. The version rows stay, as the record of which file was uploaded by whom.

Deleted lists and rosters were already purged when they were deleted. The audit trail is not purged here:
it holds masked NIKs only, and its retention is an organisational decision.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from app.models import (
    CheckRun,
    CheckRunList,
    CheckShard,
    Finding,
    ListVersion,
    RosterEntry,
    RosterVersion,
    utcnow,
)
from app.services import audit
from app.services.ingestion import delete_stored_rows, rowcount

# Statuses of versions that no check reads any more.
_RETIRED = ("superseded", "failed")
_FINISHED_RUNS = ("succeeded", "failed")


@dataclass(frozen=True, slots=True)
class PurgeCounts:
    check_runs: int = 0
    findings: int = 0
    list_entries: int = 0
    roster_entries: int = 0
    rejections: int = 0


def purge_expired(session: Session, *, days: int, actor: str, now: datetime | None = None) -> PurgeCounts:
    """Delete what the module docstring lists, finished before ``now - days``; records an audit event.

    The caller commits (or rolls back, for a dry run).
    """
    if days < 1:
        raise ValueError("the retention period must be at least one day")
    cutoff = (now or utcnow()) - timedelta(days=days)

    later = aliased(CheckRun)
    replaced_runs = select(col(CheckRun.id)).where(
        col(CheckRun.status).in_(_FINISHED_RUNS),
        col(CheckRun.finished_at) < cutoff,
        exists().where(
            col(later.roster_id) == col(CheckRun.roster_id),
            col(later.status) == "succeeded",
            col(later.id) > col(CheckRun.id),
        ),
    )
    run_ids = list(session.scalars(replaced_runs))
    findings = check_runs = 0
    if run_ids:
        findings = rowcount(session.execute(delete(Finding).where(col(Finding.run_id).in_(run_ids))))
        session.execute(delete(CheckRunList).where(col(CheckRunList.run_id).in_(run_ids)))
        session.execute(delete(CheckShard).where(col(CheckShard.run_id).in_(run_ids)))
        check_runs = rowcount(session.execute(delete(CheckRun).where(col(CheckRun.id).in_(run_ids))))

    list_versions = list(
        session.scalars(
            select(col(ListVersion.id)).where(
                col(ListVersion.status).in_(_RETIRED),
                col(ListVersion.finished_at) < cutoff,
                ~exists().where(col(Finding.list_version_id) == ListVersion.id),
            )
        )
    )
    cited_roster_version = (
        exists()
        .where(col(Finding.roster_entry_id) == RosterEntry.id)
        .where(col(RosterEntry.version_id) == RosterVersion.id)
    )
    roster_versions = list(
        session.scalars(
            select(col(RosterVersion.id)).where(
                col(RosterVersion.status).in_(_RETIRED),
                col(RosterVersion.finished_at) < cutoff,
                ~cited_roster_version,
            )
        )
    )
    list_entries, list_rejections = delete_stored_rows(session, "list", list_versions)
    roster_entries, roster_rejections = delete_stored_rows(session, "roster", roster_versions)
    rejections = list_rejections + roster_rejections

    counts = PurgeCounts(check_runs, findings, list_entries, roster_entries, rejections)
    audit.record(
        session,
        actor,
        "retention.purge",
        detail={"days": days, "cutoff": cutoff.isoformat(), **asdict(counts)},
    )
    return counts
