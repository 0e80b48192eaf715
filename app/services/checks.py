"""Check runs: a roster version checked against list versions, executed by workers as ``check`` jobs.

A run is created ``queued`` with the list versions it will use pinned in ``check_run_lists`` (so its findings
stay explainable after lists change), its roster split into **shards** (id ranges of about
``SHARD_ROWS`` people, ``check_shards``) and one ``check`` job per shard, all in the same transaction. Any
number of workers then claim the shards at once (``FOR UPDATE SKIP LOCKED``); each:

1. reads the lists' keys and its roster slice and matches them with :mod:`matching.engine`
   (:mod:`app.services.candidates`), reporting progress into its shard row, summed into the run's;
2. keeps its finding rows in its shard row, and if it finished the last shard, writes every finding of the
   run in **one** transaction that first deletes whatever the run held (so a re-run, or a shard re-claimed
   after its first worker died, never duplicates findings), carrying earlier review decisions forward by
   ``pair_key`` and marking each finding ``new``/``unchanged`` against the previous run, plus copies of
   the previous run's findings that disappeared as ``resolved``;
3. only writes if it still holds its job's lease: a worker that lost its lease (it stalled and another
   worker re-claimed the shard) throws its results away.

A worker that dies leaves its shard re-claimable after the lease; a job whose lease expired on every
allowed attempt is given up by :func:`app.services.jobs.reap_exhausted`, whose ``on_failure`` marks the
run failed, so no run stays ``running`` forever.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, col

from app import db
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.models import (
    CheckRun,
    CheckRunList,
    CheckShard,
    Finding,
    Job,
    ListVersion,
    Roster,
    RosterVersion,
    WatchList,
    table_of,
    utcnow,
)
from app.services import audit, candidates, jobs, rosters
from app.services.findings import require_reader, visible_run
from app.services.principals import Principal, is_operator
from matching.scoring import single_district_fits

log = logging.getLogger(__name__)

JOB_KIND = "check"
SHARD_ROWS = 25_000
"""Roster people per shard: two workers share a 50,000-person roster; a national one spreads wide."""
FINDINGS_INSERT_BATCH = 2_000


class LeaseLost(RuntimeError):
    """Another worker took the job over; this worker's results are discarded."""


@dataclass(frozen=True)
class RunListVersion:
    list_id: int
    list_version_id: int
    version: int
    list_type: str
    owner: str
    election: str
    file_name: str


# --- creating runs -------------------------------------------------------------------------------------


def select_lists(
    session: Session,
    *,
    election: str | None = None,
    list_type: str | None = None,
    list_ids: Sequence[int] | None = None,
) -> list[tuple[WatchList, ListVersion]]:
    """Active lists (with their active version) that pass the filters, in id order."""
    query = (
        select(WatchList, ListVersion)
        .join(ListVersion, col(ListVersion.id) == col(WatchList.active_version_id))
        .where(col(WatchList.deleted_at).is_(None))
        .order_by(col(WatchList.id))
    )
    if election:
        query = query.where(col(WatchList.election) == election)
    if list_type:
        query = query.where(col(WatchList.list_type) == list_type)
    if list_ids is not None:
        query = query.where(col(WatchList.id).in_(list(list_ids)))
    return [(wl, lv) for wl, lv in session.execute(query).all()]


def create_run(
    session: Session,
    *,
    roster: Roster,
    filters: dict[str, Any],
    created_by: str,
    trigger: str = "manual",
    previous_run_id: int | None = None,
) -> CheckRun:
    """Create a queued run and its job in the caller's transaction (no commit, no permission checks)."""
    if roster.active_version_id is None:
        raise Conflict(f"Roster {roster.id} has no active version yet; upload it first")
    version = session.get(RosterVersion, roster.active_version_id)
    assert version is not None
    assert roster.id is not None
    lists = select_lists(
        session,
        election=filters.get("election"),
        list_type=filters.get("list_type"),
        list_ids=filters.get("list_ids"),
    )
    if filters.get("list_ids") is not None:
        missing = sorted(set(filters["list_ids"]) - {wl.id for wl, _ in lists})
        if missing:
            raise ValidationFailed(f"Lists not found or without an active version: {missing}")
    if not lists:
        raise ValidationFailed("No active list matches these filters")
    run = CheckRun(
        agency_id=roster.agency_id,
        roster_id=roster.id,
        roster_version_id=version.id or 0,
        trigger=trigger,
        filters=filters,
        previous_run_id=previous_run_id,
        rows_total=version.accepted,
        created_by=created_by,
    )
    session.add(run)
    session.flush()
    assert run.id is not None
    session.add_all(CheckRunList(run_id=run.id, list_version_id=lv.id or 0) for _, lv in lists)
    for shard in _shards(session, run):
        jobs.enqueue(session, JOB_KIND, run.id, {"shard": shard.id})
    return run


def _shards(session: Session, run: CheckRun) -> list[CheckShard]:
    """Split the run's roster version into id ranges of about ``SHARD_ROWS`` people (a version's entries
    are stored in one load, so their ids run nearly without gaps)."""
    assert run.id is not None
    low, high, count = candidates.roster_bounds(session, run.roster_version_id)
    parts = max(1, -(-count // SHARD_ROWS))
    span = high - low + 1
    shards = [
        CheckShard(
            run_id=run.id,
            number=k,
            first_id=low + k * span // parts,
            last_id=low + (k + 1) * span // parts - 1,
        )
        for k in range(parts)
    ]
    session.add_all(shards)
    session.flush()
    return shards


def start_run(
    session: Session,
    principal: Principal,
    *,
    roster_id: int,
    election: str | None = None,
    list_type: str | None = None,
    list_ids: Sequence[int] | None = None,
) -> CheckRun:
    """Queue a check of the roster's active version against the active lists passing the filters. Commits."""
    if principal.role not in ("operator", "admin"):
        raise Forbidden("Only an agency operator or an admin starts checks")
    roster = rosters.visible_roster(session, principal, roster_id)
    filters: dict[str, Any] = {}
    if election:
        filters["election"] = election
    if list_type:
        filters["list_type"] = list_type
    if list_ids is not None:
        filters["list_ids"] = sorted(set(list_ids))
    run = create_run(session, roster=roster, filters=filters, created_by=principal.actor)
    audit.record(
        session,
        principal,
        "check.start",
        target_type="check_run",
        target_id=str(run.id),
        agency_id=run.agency_id,
        detail={"roster_id": roster_id, "filters": filters},
    )
    session.commit()
    return run


# --- reading runs --------------------------------------------------------------------------------------


def get_run(session: Session, principal: Principal, run_id: int) -> CheckRun:
    return visible_run(session, principal, run_id)


def list_runs(
    session: Session,
    principal: Principal,
    *,
    roster_id: int | None = None,
    status: str | None = None,
    cursor: int | None = None,
    limit: int = 50,
) -> tuple[list[CheckRun], int | None]:
    """Runs newest first; the cursor is the last id seen."""
    require_reader(principal)
    limit = max(1, min(limit, 200))
    query = select(CheckRun).order_by(col(CheckRun.id).desc())
    if is_operator(principal):
        query = query.where(col(CheckRun.agency_id) == principal.agency_id)
    if roster_id is not None:
        query = query.where(col(CheckRun.roster_id) == roster_id)
    if status is not None:
        query = query.where(col(CheckRun.status) == status)
    if cursor is not None:
        query = query.where(col(CheckRun.id) < cursor)
    runs = list(session.scalars(query.limit(limit + 1)).all())
    next_cursor = runs[limit - 1].id if len(runs) > limit else None
    return runs[:limit], next_cursor


def run_list_versions(session: Session, run_ids: Sequence[int]) -> dict[int, list[RunListVersion]]:
    """The list versions each run used (one query for many runs)."""
    out: dict[int, list[RunListVersion]] = {run_id: [] for run_id in run_ids}
    if not run_ids:
        return out
    query = (
        select(col(CheckRunList.run_id), ListVersion, WatchList)
        .join(ListVersion, col(ListVersion.id) == col(CheckRunList.list_version_id))
        .join(WatchList, col(WatchList.id) == col(ListVersion.list_id))
        .where(col(CheckRunList.run_id).in_(list(run_ids)))
        .order_by(col(CheckRunList.run_id), col(WatchList.id))
    )
    for run_id, lv, wl in session.execute(query).all():
        out[run_id].append(
            RunListVersion(wl.id, lv.id, lv.version, wl.list_type, wl.owner, wl.election, lv.file_name)
        )
    return out


# --- executing runs ------------------------------------------------------------------------------------


def _session(bind: Engine | Connection) -> Session:
    # Not writes=True: a run reads for a long while, and holding SQLite's write lock meanwhile would stall
    # every look-up. Its transactions that read and then write begin with db.begin_writing instead.
    return db.session_on(bind, writes=False)


def _report_progress(
    bind: Engine | Connection, shard_id: int, job_id: int | None, worker: str | None, **values: Any
) -> None:
    """Record a shard's progress and sum every shard's into the run's. Its own short transaction, so
    readers see progress while the shard is still being matched."""
    try:
        with _session(bind) as session:
            db.begin_writing(session)
            shard = session.get(CheckShard, shard_id)
            run = session.get(CheckRun, shard.run_id) if shard is not None else None
            if shard is None or run is None or run.status != "running":
                return
            if not _holds_lease(session, job_id, worker):
                return
            for name, value in values.items():
                setattr(shard, name, value)
            session.add(shard)
            session.flush()
            _sum_shards(session, run)
            session.commit()
    except Exception:  # progress is advisory; a busy SQLite must not fail the run
        log.debug("progress update for shard %s failed", shard_id, exc_info=True)


def _sum_shards(session: Session, run: CheckRun) -> None:
    done, findings, matched = session.execute(
        select(
            func.coalesce(func.sum(col(CheckShard.rows_done)), 0),
            func.coalesce(func.sum(col(CheckShard.findings_count)), 0),
            func.coalesce(func.sum(col(CheckShard.rows_matched)), 0),
        ).where(col(CheckShard.run_id) == run.id)
    ).one()
    run.progress = round(100.0 * int(done) / run.rows_total, 1) if run.rows_total else 0.0
    run.findings_count = int(findings)
    run.rows_matched = int(matched)
    session.add(run)


def _previous_run(session: Session, run: CheckRun) -> CheckRun | None:
    """The roster's latest succeeded run over the same filters before this one."""
    if run.previous_run_id is not None:
        return session.get(CheckRun, run.previous_run_id)
    query = (
        select(CheckRun)
        .where(
            col(CheckRun.roster_id) == run.roster_id,
            col(CheckRun.status) == "succeeded",
            col(CheckRun.id) < (run.id or 0),
        )
        .order_by(col(CheckRun.id).desc())
    )
    for candidate in session.scalars(query.limit(20)):
        if candidate.filters == run.filters:
            return candidate
    return None


def _holds_lease(session: Session, job_id: int | None, worker: str | None) -> bool:
    if job_id is None:
        return True
    query = select(col(Job.worker), col(Job.status)).where(col(Job.id) == job_id)
    if session.get_bind().dialect.name == "postgresql":
        # Lock the job row until commit, so a re-claim cannot slip in between this check and the write.
        query = query.with_for_update()
    row = session.execute(query).one_or_none()
    return row is not None and row.worker == worker and row.status == "running"


def execute_run(
    bind: Engine | Connection,
    run_id: int,
    *,
    job_id: int | None = None,
    worker: str | None = None,
    shard_id: int | None = None,
) -> CheckRun:
    """Check shard ``shard_id`` of a run (a job's), or, without one, every shard of it from scratch (a
    re-run in this process); safe to call again for the same run or shard."""
    with _session(bind) as session:
        db.begin_writing(session)
        run = session.get(CheckRun, run_id)
        if run is None:
            raise NotFound(f"Check run {run_id} not found")
        if not _holds_lease(session, job_id, worker):
            session.rollback()
            raise LeaseLost(f"check run {run_id}: job {job_id} is no longer held by {worker}")
        shards = list(
            session.scalars(
                select(CheckShard).where(col(CheckShard.run_id) == run_id).order_by(col(CheckShard.number))
            )
        )
        if not shards:  # a run queued before runs had shards
            shards = _shards(session, run)
        if shard_id is None:  # everything again, here
            for shard in shards:
                shard.status, shard.rows_done, shard.result = "queued", 0, []
                shard.findings_count = shard.rows_matched = 0
                session.add(shard)
            mine = shards
        else:
            mine = [shard for shard in shards if shard.id == shard_id]
            if not mine:
                raise NotFound(f"Check run {run_id} has no shard {shard_id}")
        if run.status != "running" or shard_id is None:
            run.status = "running"
            run.started_at = utcnow()
            run.finished_at = None
            run.error = None
            session.add(run)
            _sum_shards(session, run)
        session.commit()
        version_rows = session.execute(
            select(col(ListVersion.id), col(ListVersion.list_id))
            .join(CheckRunList, col(CheckRunList.list_version_id) == col(ListVersion.id))
            .where(col(CheckRunList.run_id) == run_id)
        ).all()
        list_versions: dict[int, int] = {int(v): int(li) for v, li in version_rows}
        lists = candidates.cached_lists(session, sorted(list_versions))
        session.commit()  # the shards read in transactions of their own, without SQLite's write lock
        for shard in mine:
            _check_shard(bind, session, run, shard, list_versions, lists, job_id=job_id, worker=worker)
        session.refresh(run)
        return run


def _check_shard(
    bind: Engine | Connection,
    session: Session,
    run: CheckRun,
    shard: CheckShard,
    list_versions: dict[int, int],
    lists: candidates.StoredLists,
    *,
    job_id: int | None,
    worker: str | None,
) -> None:
    started = time.perf_counter()
    assert shard.id is not None
    shard_id = shard.id

    def progress(done: int, total: int, findings: int, matched: int) -> None:
        _report_progress(
            bind, shard_id, job_id, worker, rows_total=total, rows_done=done, findings_count=findings,
            rows_matched=matched, status="running",
        )  # fmt: skip

    scored = candidates.generate_findings(
        session,
        roster_id=run.roster_id,
        roster_version_id=run.roster_version_id,
        list_versions=list_versions,
        first_id=shard.first_id,
        last_id=shard.last_id,
        lists=lists,
        on_progress=progress,
    )
    db.end_reads(session)  # on SQLite, the next transaction takes the write lock first
    # The run's row is locked while a shard finishes: of two shards finishing at once, one sees the other
    # done and writes the run's findings; none writes them twice.
    locked = session.execute(
        select(CheckRun)
        .where(col(CheckRun.id) == run.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()
    if not _holds_lease(session, job_id, worker):
        session.rollback()
        raise LeaseLost(f"check run {run.id}: job {job_id} is no longer held by {worker}")
    current = session.get(CheckShard, shard_id, populate_existing=True)
    assert current is not None
    current.status = "done"
    current.rows_total = current.rows_done = scored.rows_total
    current.findings_count = len(scored.findings)
    current.rows_matched = len({row["roster_entry_id"] for row in scored.findings})
    current.result = scored.findings
    current.finished_at = utcnow()
    session.add(current)
    session.flush()
    log.info(
        "check run %s shard %s: %s people, %s candidate pairs, %s findings in %.2fs",
        run.id, current.number, scored.rows_total, scored.candidates, len(scored.findings),
        time.perf_counter() - started,
    )  # fmt: skip
    shards = list(
        session.scalars(
            select(CheckShard)
            .where(col(CheckShard.run_id) == run.id)
            .order_by(col(CheckShard.number))
            # As committed by the other workers before the lock was ours, not as this session first read them.
            .execution_options(populate_existing=True)
        )
    )
    if locked.status != "running" or any(other.status != "done" for other in shards):
        _sum_shards(session, locked)
        session.commit()
        return
    rows = [dict(row) for other in shards for row in other.result]
    # A damaged NIK's district may fit civil servants of several shards: decided over the whole run.
    rows = single_district_fits(rows, _district_fit)
    for other in shards:
        other.result = []
        session.add(other)
    write_findings(session, locked, rows, job_id=job_id, worker=worker)


def _district_fit(row: dict[str, Any]) -> tuple[int, str, float]:
    return row["list_entry_id"], row["kind"], row["score"]


def write_findings(
    session: Session,
    run: CheckRun,
    rows: list[dict[str, Any]],
    *,
    job_id: int | None = None,
    worker: str | None = None,
) -> None:
    """Replace the run's findings with ``rows`` and mark it succeeded, in one transaction. Commits."""
    assert run.id is not None
    if not _holds_lease(session, job_id, worker):
        session.rollback()
        raise LeaseLost(f"check run {run.id}: job {job_id} is no longer held by {worker}")
    session.execute(delete(Finding).where(col(Finding.run_id) == run.id))  # a re-run replaces
    previous = _previous_run(session, run)
    decisions = _review_decisions(session, run)
    previous_rows: dict[str, Finding] = {}
    if previous is not None and previous.id is not None:
        previous_rows = {
            f.pair_key: f
            for f in session.scalars(
                select(Finding).where(col(Finding.run_id) == previous.id, col(Finding.change) != "resolved")
            )
        }
    now = utcnow()
    current_keys: set[str] = set()
    for row in rows:
        key = row["pair_key"]
        current_keys.add(key)
        row["run_id"] = run.id
        row["agency_id"] = run.agency_id
        row["created_at"] = now
        row["change"] = "unchanged" if key in previous_rows else "new"
        # Every row carries every column: an executemany INSERT takes its columns from the first row.
        row.update(decisions.get(key, _NO_DECISION))
    resolved = [
        {
            "run_id": run.id,
            "agency_id": run.agency_id,
            "roster_entry_id": f.roster_entry_id,
            "list_entry_id": f.list_entry_id,
            "list_version_id": f.list_version_id,
            "pair_key": f.pair_key,
            "kind": f.kind,
            "match_class": f.match_class,
            "score": f.score,
            "explanation": f.explanation,
            "review_status": f.review_status,
            "review_reason": f.review_reason,
            "reviewed_by": f.reviewed_by,
            "reviewed_at": f.reviewed_at,
            "change": "resolved",
            "created_at": now,
        }
        for key, f in previous_rows.items()
        if key not in current_keys
    ]
    table = table_of(Finding)
    everything = rows + resolved
    for start in range(0, len(everything), FINDINGS_INSERT_BATCH):
        session.execute(insert(table), everything[start : start + FINDINGS_INSERT_BATCH])
    run.previous_run_id = previous.id if previous is not None else None
    run.status = "succeeded"
    run.progress = 100.0
    run.findings_count = len(rows)
    run.rows_matched = len({row["roster_entry_id"] for row in rows})
    run.finished_at = utcnow()
    run.error = None
    session.add(run)
    session.commit()


_NO_DECISION: dict[str, Any] = {
    "review_status": "pending",
    "review_reason": None,
    "reviewed_by": None,
    "reviewed_at": None,
}


def _review_decisions(session: Session, run: CheckRun) -> dict[str, dict[str, Any]]:
    """The latest review decision per pair, from the roster's earlier runs (reviews are few: one query)."""
    query = (
        select(
            col(Finding.pair_key),
            col(Finding.review_status),
            col(Finding.review_reason),
            col(Finding.reviewed_by),
            col(Finding.reviewed_at),
        )
        .join(CheckRun, col(CheckRun.id) == col(Finding.run_id))
        .where(
            col(CheckRun.roster_id) == run.roster_id,
            col(Finding.run_id) != run.id,
            col(Finding.review_status) != "pending",
        )
        .order_by(col(Finding.reviewed_at), col(Finding.id))
    )
    decisions: dict[str, dict[str, Any]] = {}
    for key, status, reason, by, at in session.execute(query).all():
        decisions[key] = {
            "review_status": status,
            "review_reason": reason,
            "reviewed_by": by,
            "reviewed_at": at,
        }
    return decisions


def mark_failed(session: Session, run_id: int, error: str) -> None:
    run = session.get(CheckRun, run_id)
    if run is None or run.status == "succeeded":
        return
    run.status = "failed"
    run.error = error[:2000]
    run.finished_at = utcnow()
    session.add(run)


# --- job handler ---------------------------------------------------------------------------------------


def _on_job_failure(session: Session, job: Job, error: str) -> None:
    # Runs inside jobs.fail / jobs.reap_exhausted's transaction, which commits.
    mark_failed(session, job.target_id, error)


@jobs.handler(JOB_KIND, on_failure=_on_job_failure)
def run_check_job(ctx: jobs.JobContext) -> None:
    shard = ctx.payload.get("shard")
    execute_run(
        ctx.engine,
        ctx.target_id,
        job_id=ctx.job_id,
        worker=ctx.worker,
        shard_id=int(shard) if shard else None,
    )


@jobs.sweeper
def reap_stuck_runs(session: Session) -> int:
    """Fail runs left ``queued``/``running`` whose job was given up or is gone. Commits.

    ``on_failure`` normally does this; this catches runs whose job row was removed by hand.
    """
    live = select(col(Job.target_id)).where(
        col(Job.kind) == JOB_KIND, col(Job.status).in_(["queued", "running"])
    )
    stuck = session.scalars(
        select(CheckRun).where(
            col(CheckRun.status).in_(["queued", "running"]),
            col(CheckRun.id).not_in(live),
        )
    ).all()
    for run in stuck:
        assert run.id is not None
        mark_failed(session, run.id, "the run's job was given up")
    session.commit()
    return len(stuck)


# Continuous screening registers its list-activation hook on import; every process that runs checks (the
# web app and workers import this module) then re-checks rosters when a list gets a new version.
from app.services import screening  # noqa: E402, F401
