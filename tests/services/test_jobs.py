"""The job queue: claims, leases, heartbeats, retries and handler dispatch, on the real database."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from app import db
from app.models import Job
from app.services import jobs

KIND = "test_kind"
EXPIRED = timedelta(seconds=-1)  # a lease that has already run out: the worker "died" right after claiming


@pytest.fixture
def calls() -> Iterator[list[tuple[str, int]]]:
    seen: list[tuple[str, int]] = []

    def run(ctx: jobs.JobContext) -> None:
        if ctx.payload.get("explode"):
            raise RuntimeError("boom")
        seen.append(("run", ctx.target_id))

    def on_failure(session: Session, job: Job, error: str) -> None:
        seen.append(("failed", job.target_id))

    jobs.registry.register(KIND, run, on_failure=on_failure, max_attempts=2)
    yield seen
    jobs.registry._handlers.pop(KIND, None)


def test_enqueue_is_claimed_once_and_completed(session: Session, calls: list[tuple[str, int]]) -> None:
    job = jobs.enqueue(session, KIND, 7, {"a": 1})
    session.commit()

    claimed = jobs.claim(session, worker="w1", kinds=[KIND])
    assert claimed is not None
    assert (claimed.id, claimed.status, claimed.worker, claimed.attempts) == (job.id, "running", "w1", 1)
    assert jobs.claim(session, worker="w2", kinds=[KIND]) is None

    assert jobs.complete(session, claimed.id, worker="w1")  # type: ignore[arg-type]
    session.refresh(claimed)
    assert claimed.status == "done"
    assert claimed.finished_at is not None


def test_claim_skips_jobs_not_yet_available(session: Session, calls: list[tuple[str, int]]) -> None:
    jobs.enqueue(session, KIND, 1, available_at=jobs.utcnow() + timedelta(hours=1))
    session.commit()
    assert jobs.claim(session, worker="w1", kinds=[KIND]) is None


def test_expired_lease_is_reclaimed_and_the_first_worker_loses_it(
    session: Session, calls: list[tuple[str, int]]
) -> None:
    jobs.enqueue(session, KIND, 1)
    session.commit()
    first = jobs.claim(session, worker="dead", kinds=[KIND], lease=EXPIRED)
    assert first is not None
    assert first.id is not None

    second = jobs.claim(session, worker="alive", kinds=[KIND])
    assert second is not None
    assert (second.id, second.worker, second.attempts) == (first.id, "alive", 2)
    assert not jobs.heartbeat(session, first.id, worker="dead")
    assert not jobs.complete(session, first.id, worker="dead")
    assert jobs.heartbeat(session, first.id, worker="alive")


def test_job_whose_worker_died_on_every_attempt_is_given_up(
    session: Session, calls: list[tuple[str, int]]
) -> None:
    job = jobs.enqueue(session, KIND, 5)
    session.commit()
    for worker in ("w1", "w2"):  # max_attempts=2
        assert jobs.claim(session, worker=worker, kinds=[KIND], lease=EXPIRED) is not None
    assert jobs.reap_exhausted(session) == 1
    session.refresh(job)
    assert job.status == "failed"
    assert "2 attempts" in (job.error or "")
    assert calls == [("failed", 5)]
    assert jobs.claim(session, worker="w3", kinds=[KIND]) is None


def test_fail_with_retry_requeues_until_attempts_are_used(
    session: Session, calls: list[tuple[str, int]]
) -> None:
    job = jobs.enqueue(session, KIND, 9)
    session.commit()
    assert job.id is not None
    jobs.claim(session, worker="w", kinds=[KIND])
    assert jobs.fail(session, job.id, worker="w", error="flaky", retry_in=timedelta(0))
    session.refresh(job)
    assert (job.status, job.error) == ("queued", "flaky")

    jobs.claim(session, worker="w", kinds=[KIND])
    assert jobs.fail(session, job.id, worker="w", error="flaky again", retry_in=timedelta(0))
    session.refresh(job)
    assert job.status == "failed"
    assert calls == [("failed", 9)]


def test_run_job_dispatches_by_kind_and_records_the_outcome(
    session: Session, calls: list[tuple[str, int]]
) -> None:
    good = jobs.enqueue(session, KIND, 1)
    bad = jobs.enqueue(session, KIND, 2, {"explode": True})
    unknown = jobs.enqueue(session, "no_such_kind", 3)
    session.commit()
    bind = session.connection()

    outcomes = {}
    for _ in range(3):
        job = jobs.claim(session, worker="w")
        assert job is not None
        outcomes[job.id] = jobs.run_job(bind, job, worker="w")
    assert outcomes == {good.id: True, bad.id: False, unknown.id: False}
    for job in (good, bad, unknown):
        session.refresh(job)
    assert (good.status, bad.status, unknown.status) == ("done", "failed", "failed")
    assert bad.error == "RuntimeError: boom"
    assert "no handler" in (unknown.error or "")
    assert calls == [("run", 1), ("failed", 2)]


def test_postgresql_claims_skip_rows_locked_by_another_worker(fresh_database_url: str) -> None:
    engine = db.create_engine(fresh_database_url)
    if engine.dialect.name != "postgresql":
        pytest.skip("SKIP LOCKED is PostgreSQL's")
    try:
        with Session(engine) as setup:
            first = jobs.enqueue(setup, KIND, 1)
            second = jobs.enqueue(setup, KIND, 2)
            setup.commit()
            ids = (first.id, second.id)
        with Session(engine) as holder, Session(engine) as other:
            # Another worker is mid-claim on the oldest job: it holds the row lock and has not committed.
            holder.execute(sa.select(Job.id).where(Job.id == ids[0]).with_for_update())  # type: ignore[arg-type]
            claimed = jobs.claim(other, worker="w2", kinds=[KIND])
            assert claimed is not None
            assert claimed.id == ids[1]
            holder.rollback()
    finally:
        engine.dispose()


def _aware(moment: datetime | None) -> datetime:
    assert moment is not None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)  # SQLite reads back naive


def test_a_running_job_counts_as_alive_for_a_few_beats_not_for_its_whole_lease(
    session: Session, calls: list[tuple[str, int]]
) -> None:
    lease = timedelta(minutes=5)
    assert jobs.beat_interval(lease) == timedelta(seconds=10)
    assert jobs.alive_window(lease) == timedelta(minutes=1)
    jobs.enqueue(session, KIND, 1)
    session.commit()
    before = jobs.utcnow()
    job = jobs.claim(session, worker="w1", kinds=[KIND], lease=lease)
    assert job is not None
    assert job.id is not None
    assert before + lease <= _aware(job.lease_until) <= jobs.utcnow() + lease
    assert before + timedelta(minutes=1) <= _aware(job.alive_until) <= jobs.utcnow() + timedelta(minutes=1)

    claimed_alive = _aware(job.alive_until)
    assert jobs.heartbeat(session, job.id, worker="w1", lease=lease)
    session.refresh(job)
    assert _aware(job.alive_until) >= claimed_alive
    assert jobs.complete(session, job.id, worker="w1")
    session.refresh(job)
    assert (job.lease_until, job.alive_until) == (None, None)


def test_kept_alive_beats_while_its_body_runs(fresh_database_url: str) -> None:
    engine = db.create_engine(fresh_database_url)
    lease = timedelta(seconds=0.6)  # a beat every 0.2 s
    try:
        with Session(engine) as setup:
            job = jobs.enqueue(setup, KIND, 1, claimed_by="w1", lease=lease)
            setup.commit()
            assert job.id is not None
            job_id, first_alive = job.id, _aware(job.alive_until)
        with jobs.kept_alive(engine, job_id, worker="w1", lease=lease):
            time.sleep(0.7)
        with Session(engine) as check:
            beaten = check.get(Job, job_id)
            assert beaten is not None
            assert _aware(beaten.alive_until) > first_alive
            assert _aware(beaten.lease_until) > first_alive
    finally:
        engine.dispose()
