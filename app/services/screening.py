"""Continuous screening: a new list version re-checks every roster that was checked against the list.

Registered with :func:`app.services.ingestion.on_list_version_activated`, so it runs inside the transaction
that activates the version: it only *queues* runs (a run and its job per roster), which then execute like
any other. Each re-check uses the filters of the roster's latest run that covered the list, against the
lists active now (so the new version), and names that run as its ``previous_run_id``; when it finishes its
findings are marked ``new`` or ``unchanged`` against it, and the findings that disappeared are copied in
as ``resolved`` (see :mod:`app.services.checks`). ``GET /api/v1/checks/{id}/changes`` lists the difference.

Only each roster's latest *succeeded* run counts: a roster re-checked since with filters that leave the
list out is not screened against it any more. A run still queued when the version arrives pinned the old
version, so the re-check is queued regardless.
"""

from __future__ import annotations

import logging

from sqlalchemy import func, select
from sqlmodel import Session, col

from app.errors import NetraError
from app.models import CheckRun, CheckRunList, ListVersion, Roster
from app.services import checks, ingestion

log = logging.getLogger(__name__)

SCREENING_ACTOR = "system:screening"
TRIGGER = "list_version"


def runs_to_repeat(session: Session, list_id: int) -> list[CheckRun]:
    """Per roster, its latest succeeded run, if that run covered a version of the list."""
    latest_per_roster = (
        select(col(CheckRun.roster_id), func.max(col(CheckRun.id)).label("run_id"))
        .where(col(CheckRun.status) == "succeeded")
        .group_by(col(CheckRun.roster_id))
        .subquery()
    )
    covered = (
        select(col(CheckRunList.run_id))
        .join(ListVersion, col(ListVersion.id) == col(CheckRunList.list_version_id))
        .where(col(ListVersion.list_id) == list_id)
    )
    query = (
        select(CheckRun)
        .join(latest_per_roster, latest_per_roster.c.run_id == col(CheckRun.id))
        .where(col(CheckRun.id).in_(covered))
        .order_by(col(CheckRun.id))
    )
    return list(session.scalars(query).all())


def rescreen(session: Session, list_id: int, version_id: int) -> list[CheckRun]:
    """Queue a re-check of every roster whose latest run covered ``list_id`` (no commit)."""
    queued: list[CheckRun] = []
    for previous in runs_to_repeat(session, list_id):
        roster = session.get(Roster, previous.roster_id)
        if roster is None or roster.deleted_at is not None or roster.active_version_id is None:
            continue
        try:
            # A savepoint: one roster whose filters no longer match any list must not undo the others.
            with session.begin_nested():
                run = checks.create_run(
                    session,
                    roster=roster,
                    filters=dict(previous.filters),
                    created_by=SCREENING_ACTOR,
                    trigger=TRIGGER,
                    previous_run_id=previous.id,
                )
                run.trigger_version_id = version_id
                session.add(run)
        except NetraError as exc:
            log.info("list %s v%s: roster %s not re-checked: %s", list_id, version_id, roster.id, exc.message)
            continue
        queued.append(run)
    if queued:
        log.info(
            "list %s: version %s activated, %s roster(s) queued for re-check",
            list_id,
            version_id,
            len(queued),
        )
    return queued


@ingestion.on_list_version_activated
def on_list_version_activated(session: Session, list_id: int, version_id: int) -> None:
    rescreen(session, list_id, version_id)


def rechecks_of(session: Session, version_ids: list[int]) -> list[CheckRun]:
    """The re-checks these list versions queued, newest first."""
    if not version_ids:
        return []
    query = (
        select(CheckRun)
        .where(col(CheckRun.trigger_version_id).in_(version_ids))
        .order_by(col(CheckRun.id).desc())
    )
    return list(session.scalars(query).all())
