"""A generic job queue kept in the ``jobs`` table, shared by every worker that reaches the database.

Life of a job::

    enqueue ──> queued ──claim──> running ──complete──> done
                  ^                 │  │
                  │   fail(retry)   │  └──fail / attempts used up──> failed
                  └─────────────────┘
                  lease expired (worker died): claimable again while attempts remain

A claim takes a *lease*: the job belongs to the claiming worker until ``lease_until``. A live worker
extends it with :func:`heartbeat` every :func:`beat_interval`; a dead one stops doing so, and once the
lease has expired any worker may claim the job again. The lease is long, so that a worker stalled by a
busy database is not overtaken; ``alive_until`` (a few missed beats) says much sooner that the worker is
gone, so pages can show the work as interrupted rather than still running.

Handlers must be idempotent: a job can run again after its first runner died half-way (ingestion is,
because a version is stored in one transaction or not at all).

Claiming uses ``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several workers on several machines
never wait on each other, and a guarded ``UPDATE … WHERE status = <what we read>`` on SQLite, whose
writers are serialised anyway.

Handlers are registered per ``Job.kind``::

    @jobs.handler("check")
    def run_check(ctx: jobs.JobContext) -> None:
        with Session(ctx.engine) as session:
            ...

``on_failure`` (optional) runs in its own transaction when a job is given up for good, so the
resource it worked on can be marked failed with the reason.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, or_, select, update
from sqlmodel import Session, col

from app import db
from app.models import Job, utcnow

log = logging.getLogger(__name__)

DEFAULT_LEASE = timedelta(minutes=2)
DEFAULT_MAX_ATTEMPTS = 3
BEAT_CEILING = timedelta(seconds=10)
BEATS_MISSED = 6
"""Beats a worker may miss before its job counts as interrupted: a SQLite heartbeat waits behind the job's
own write transaction, which can take several seconds on a large file."""


def beat_interval(lease: timedelta) -> timedelta:
    """How often a running job's worker beats: often enough that a dead one is noticed within a minute."""
    return min(lease / 3, BEAT_CEILING)


def alive_window(lease: timedelta) -> timedelta:
    """How long after a beat its worker still counts as alive."""
    return min(lease, beat_interval(lease) * BEATS_MISSED)


@dataclass(frozen=True)
class JobContext:
    """What a handler gets: the job's identity and a bind to open its own sessions with (:func:`session_for`).

    ``engine`` is an :class:`Engine`, or in tests the :class:`Connection` every session joins.
    """

    engine: Engine | Connection
    job_id: int
    kind: str
    target_id: int
    payload: dict[str, Any]
    attempt: int
    worker: str


JobHandler = Callable[[JobContext], None]
FailureHandler = Callable[[Session, Job, str], None]


@dataclass
class _Registration:
    run: JobHandler
    on_failure: FailureHandler | None = None
    max_attempts: int = DEFAULT_MAX_ATTEMPTS


@dataclass
class HandlerRegistry:
    """Maps ``Job.kind`` to the function that does the work."""

    _handlers: dict[str, _Registration] = field(default_factory=dict)

    def register(
        self,
        kind: str,
        run: JobHandler,
        *,
        on_failure: FailureHandler | None = None,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    ) -> None:
        self._handlers[kind] = _Registration(run, on_failure, max_attempts)

    def get(self, kind: str) -> _Registration | None:
        return self._handlers.get(kind)

    def kinds(self) -> tuple[str, ...]:
        return tuple(self._handlers)


registry = HandlerRegistry()


def handler(
    kind: str, *, on_failure: FailureHandler | None = None, max_attempts: int = DEFAULT_MAX_ATTEMPTS
) -> Callable[[JobHandler], JobHandler]:
    """Decorator form of ``registry.register``."""

    def decorate(run: JobHandler) -> JobHandler:
        registry.register(kind, run, on_failure=on_failure, max_attempts=max_attempts)
        return run

    return decorate


def max_attempts_of(kind: str) -> int:
    registration = registry.get(kind)
    return registration.max_attempts if registration else DEFAULT_MAX_ATTEMPTS


def enqueue(
    session: Session,
    kind: str,
    target_id: int,
    payload: dict[str, Any] | None = None,
    *,
    available_at: datetime | None = None,
    claimed_by: str | None = None,
    lease: timedelta = DEFAULT_LEASE,
) -> Job:
    """Add a job to the caller's transaction; it becomes claimable when the caller commits.

    Not committing here lets a service create a resource and the job that processes it atomically.
    ``claimed_by`` creates it already claimed by that worker under a lease: a caller that runs the job
    itself at once (an inline upload) must not race a worker for it; should the caller die, the lease
    expires and a worker takes it over.
    """
    now = utcnow()
    job = Job(kind=kind, target_id=target_id, payload=payload or {}, available_at=available_at or now)
    if claimed_by is not None:
        job.status, job.worker, job.lease_until, job.attempts = "running", claimed_by, now + lease, 1
        job.alive_until = now + alive_window(lease)
    session.add(job)
    session.flush()
    return job


def _claimable(now: datetime) -> Any:
    return or_(
        (col(Job.status) == "queued") & (col(Job.available_at) <= now),
        (col(Job.status) == "running") & (col(Job.lease_until) < now),
    )


def claim(
    session: Session,
    *,
    worker: str,
    kinds: Iterable[str] | None = None,
    lease: timedelta = DEFAULT_LEASE,
    job_id: int | None = None,
) -> Job | None:
    """Take the oldest claimable job (or job ``job_id``) under a lease, or return ``None``. Commits."""
    now = utcnow()
    kind_list = list(kinds) if kinds is not None else None
    candidates = select(col(Job.id)).where(_claimable(now))
    if job_id is not None:
        candidates = candidates.where(col(Job.id) == job_id)
    if kind_list is not None:
        candidates = candidates.where(col(Job.kind).in_(kind_list))
    candidates = candidates.order_by(col(Job.available_at), col(Job.id)).limit(1)
    postgres = session.get_bind().dialect.name == "postgresql"
    for _ in range(5):  # on SQLite another worker may win the guarded update; try the next candidate
        query = candidates.with_for_update(skip_locked=True) if postgres else candidates
        found = session.execute(query).scalar_one_or_none()
        if found is None:
            session.rollback()
            return None
        claimed = session.execute(
            update(Job)
            .where(col(Job.id) == found, _claimable(now))
            .values(
                status="running",
                worker=worker,
                lease_until=now + lease,
                alive_until=now + alive_window(lease),
                attempts=Job.attempts + 1,
            )
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount == 1:  # type: ignore[attr-defined]
            session.commit()
            job = session.get(Job, found, populate_existing=True)
            assert job is not None
            return job
        session.rollback()
    return None


def heartbeat(session: Session, job_id: int, *, worker: str, lease: timedelta = DEFAULT_LEASE) -> bool:
    """Extend the lease; ``False`` if the job is no longer this worker's. Commits."""
    now = utcnow()
    result = session.execute(
        update(Job)
        .where(col(Job.id) == job_id, col(Job.worker) == worker, col(Job.status) == "running")
        .values(lease_until=now + lease, alive_until=now + alive_window(lease))
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def complete(session: Session, job_id: int, *, worker: str) -> bool:
    """Mark the job done; ``False`` if another worker took it over meanwhile. Commits."""
    result = session.execute(
        update(Job)
        .where(col(Job.id) == job_id, col(Job.worker) == worker, col(Job.status) == "running")
        .values(status="done", finished_at=utcnow(), lease_until=None, alive_until=None, error=None)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def fail(
    session: Session,
    job_id: int,
    *,
    worker: str,
    error: str,
    retry_in: timedelta | None = None,
) -> bool:
    """Record a failure: back to ``queued`` after ``retry_in`` while attempts remain, else ``failed``.

    Commits. When the job is given up, the kind's ``on_failure`` runs in the same transaction.
    """
    job = session.get(Job, job_id, populate_existing=True)
    if job is None or job.worker != worker or job.status != "running":
        session.rollback()
        return False
    registration = registry.get(job.kind)
    max_attempts = max_attempts_of(job.kind)
    job.error = error[:2000]
    job.lease_until = job.alive_until = None
    if retry_in is not None and job.attempts < max_attempts:
        job.status = "queued"
        job.available_at = utcnow() + retry_in
    else:
        job.status = "failed"
        job.finished_at = utcnow()
        if registration and registration.on_failure:
            registration.on_failure(session, job, job.error)
    session.add(job)
    session.commit()
    return True


def reap_exhausted(session: Session) -> int:
    """Give up jobs whose lease expired after their last allowed attempt. Commits.

    Without this a job whose worker died on every attempt would wait forever; the worker calls it
    before claiming.
    """
    now = utcnow()
    expired = session.scalars(
        select(Job).where(col(Job.status) == "running", col(Job.lease_until) < now)
    ).all()
    given_up = 0
    for job in expired:
        if job.attempts < max_attempts_of(job.kind):
            continue
        job.status = "failed"
        job.finished_at = now
        job.lease_until = job.alive_until = None
        job.error = f"worker stopped responding on each of {job.attempts} attempts"
        registration = registry.get(job.kind)
        if registration and registration.on_failure:
            registration.on_failure(session, job, job.error)
        session.add(job)
        given_up += 1
    session.commit()
    return given_up


Sweeper = Callable[[Session], int]
_sweepers: list[Sweeper] = []


def sweeper(sweep_fn: Sweeper) -> Sweeper:
    """Register a clean-up that every worker runs before claiming, e.g. failing runs whose job is gone.

    Services register their own so that nothing they own can stay "running" forever, whatever happened
    to the job row.
    """
    _sweepers.append(sweep_fn)
    return sweep_fn


def sweep(session: Session) -> int:
    """Give up exhausted jobs, then run every registered sweeper; returns how many rows they settled."""
    return reap_exhausted(session) + sum(sweep_fn(session) for sweep_fn in _sweepers)


@contextmanager
def kept_alive(
    bind: Engine | Connection, job_id: int, *, worker: str, lease: timedelta = DEFAULT_LEASE
) -> Iterator[None]:
    """Beat for job ``job_id`` from a side thread while the body runs it, so its lease and liveness last."""
    stop = threading.Event()

    def beat() -> None:
        interval = max(beat_interval(lease).total_seconds(), 0.05)
        while not stop.wait(interval):
            try:
                with session_for(bind) as session:
                    if not heartbeat(session, job_id, worker=worker, lease=lease):
                        log.warning("worker %s lost the lease on job %s", worker, job_id)
                        return
            except Exception:  # SQLite may be busy with the job's own write; the next beat retries
                log.debug("heartbeat for job %s failed", job_id, exc_info=True)

    beating = threading.Thread(target=beat, name=f"heartbeat-{job_id}", daemon=True)
    beating.start()
    try:
        yield
    finally:
        stop.set()
        beating.join()


def session_for(bind: Engine | Connection) -> Session:
    """A session on ``bind`` that joins an outer transaction when given a connection (tests).

    Claiming, completing and failing a job read and then write: on SQLite such a transaction takes the
    write lock as it begins (``db.session_on``), or it would fail at once whenever another process (the web
    server recording a self-check) had committed meanwhile.
    """
    return db.session_on(bind, writes=True)


def run_job(bind: Engine | Connection, job: Job, *, worker: str) -> bool:
    """Run one claimed job with its handler and record the outcome; ``True`` if it succeeded."""
    assert job.id is not None
    registration = registry.get(job.kind)
    with session_for(bind) as session:
        if registration is None:
            fail(session, job.id, worker=worker, error=f"no handler registered for job kind {job.kind!r}")
            return False
        ctx = JobContext(
            engine=bind,
            job_id=job.id,
            kind=job.kind,
            target_id=job.target_id,
            payload=dict(job.payload),
            attempt=job.attempts,
            worker=worker,
        )
        try:
            registration.run(ctx)
        except Exception as exc:  # a handler's failure must not stop the worker
            log.exception("job %s (%s) failed", job.id, job.kind)
            session.rollback()
            fail(session, job.id, worker=worker, error=f"{type(exc).__name__}: {exc}")
            return False
        complete(session, job.id, worker=worker)
        return True
