"""Check runs under real workers and real commits: lease expiry, re-claim, lease safety, the reaper."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlmodel import Session, col

from app import db
from app.models import CheckRun, CheckShard, Finding, Job
from app.services import candidates, checks, jobs
from app.services.principals import Principal
from app.worker import Worker
from tests import factories
from tests.check_data import World, make_world

EXPIRED = timedelta(seconds=-1)  # a lease already run out: its worker "died" right after claiming


@pytest.fixture
def engine(fresh_database_url: str) -> Iterator[Engine]:
    engine = db.create_engine(fresh_database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def world(engine: Engine) -> World:
    with Session(engine, expire_on_commit=False) as session:
        return make_world(session, factories.create_agency(session))


def start(engine: Engine, world: World) -> int:
    operator = Principal(kind="key", id=1, name="op", role="operator", agency_id=world.agency.id)
    with Session(engine, expire_on_commit=False) as session:
        run = checks.start_run(session, operator, roster_id=world.roster.parent_id)
        assert run.id is not None
        return run.id


def state(engine: Engine, run_id: int) -> tuple[str, int, int]:
    with Session(engine) as session:
        run = session.get(CheckRun, run_id)
        assert run is not None
        count = session.scalar(select(func.count()).select_from(Finding).where(col(Finding.run_id) == run_id))
        return run.status, run.findings_count, int(count or 0)


def test_a_run_whose_worker_died_is_reclaimed_and_finishes_once(engine: Engine, world: World) -> None:
    run_id = start(engine, world)
    with Session(engine) as session:
        dead = jobs.claim(session, worker="dead-worker", kinds=[checks.JOB_KIND], lease=EXPIRED)
        assert dead is not None
        assert dead.id is not None
        dead_id = dead.id

    worker = Worker(engine, name="live-worker", kinds=[checks.JOB_KIND])
    assert worker.run_once()
    assert state(engine, run_id) == ("succeeded", 3, 3)
    with Session(engine) as session:
        job = session.get(Job, dead_id)
        assert job is not None
        assert (job.status, job.worker, job.attempts) == ("done", "live-worker", 2)

    # The first worker wakes up and finishes its work: it no longer holds the lease, so it writes nothing.
    with pytest.raises(checks.LeaseLost):
        checks.execute_run(engine, run_id, job_id=dead_id, worker="dead-worker")
    assert state(engine, run_id) == ("succeeded", 3, 3)


def test_running_a_run_again_never_duplicates_findings(engine: Engine, world: World) -> None:
    run_id = start(engine, world)
    Worker(engine, kinds=[checks.JOB_KIND]).drain()
    checks.execute_run(engine, run_id)
    assert state(engine, run_id) == ("succeeded", 3, 3)


def test_a_run_whose_every_attempt_died_is_failed_by_the_reaper(engine: Engine, world: World) -> None:
    run_id = start(engine, world)
    registration = jobs.registry.get(checks.JOB_KIND)
    assert registration is not None
    with Session(engine) as session:
        for _ in range(registration.max_attempts):
            assert (
                jobs.claim(session, worker="dying-worker", kinds=[checks.JOB_KIND], lease=EXPIRED) is not None
            )
        assert jobs.claim(session, worker="dying-worker", kinds=[checks.JOB_KIND], lease=EXPIRED) is not None
    with Session(engine) as session:
        assert jobs.reap_exhausted(session) == 1
    status, _, findings = state(engine, run_id)
    assert (status, findings) == ("failed", 0)
    with Session(engine) as session:
        run = session.get(CheckRun, run_id)
        assert run is not None
        assert run.error is not None
        assert "stopped responding" in run.error
        assert run.finished_at is not None


def test_a_failing_run_is_marked_failed_with_the_reason(
    engine: Engine, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_id = start(engine, world)

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("scoring blew up")

    monkeypatch.setattr(candidates, "generate_findings", explode)
    Worker(engine, kinds=[checks.JOB_KIND]).drain()
    with Session(engine) as session:
        run = session.get(CheckRun, run_id)
        assert run is not None
        assert run.status == "failed"
        assert run.error is not None
        assert "scoring blew up" in run.error


def test_a_run_whose_job_disappeared_is_failed_by_the_next_worker_poll(engine: Engine, world: World) -> None:
    run_id = start(engine, world)
    with Session(engine) as session:
        job = session.scalars(select(Job).where(col(Job.target_id) == run_id)).one()
        session.delete(job)
        session.commit()
    assert Worker(engine, name="sweeping-worker").run_once() is False
    assert state(engine, run_id)[0] == "failed"
    with Session(engine) as session:
        assert checks.reap_stuck_runs(session) == 0


def test_two_workers_share_a_runs_shards_and_the_findings_are_written_once(
    engine: Engine, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(checks, "SHARD_ROWS", 2)  # the world's four people in two shards
    run_id = start(engine, world)
    # Both workers hold a shard before either finishes: each must see the other's shard as committed.
    both_matching = threading.Barrier(2, timeout=30)
    match = candidates.generate_findings

    def generate(*args: Any, **kwargs: Any) -> candidates.ScoredRun:
        both_matching.wait()
        return match(*args, **kwargs)

    monkeypatch.setattr(candidates, "generate_findings", generate)
    workers = [Worker(db.create_engine(str(engine.url)), kinds=[checks.JOB_KIND]) for _ in range(2)]
    ran: list[bool] = []
    threads = [threading.Thread(target=lambda w=w: ran.append(w.run_once())) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert ran == [True, True]
    assert state(engine, run_id) == ("succeeded", 3, 3)
    with Session(engine) as session:
        run = session.get(CheckRun, run_id)
        assert run is not None
        shards = session.scalars(select(CheckShard).where(col(CheckShard.run_id) == run_id)).all()
        assert [(s.status, s.rows_done, s.result) for s in shards] == [("done", 2, []), ("done", 2, [])]
        assert (run.progress, run.rows_matched) == (100.0, sum(s.rows_matched for s in shards))
    for worker in workers:
        assert isinstance(worker.engine, Engine)
        worker.engine.dispose()


def test_a_dead_workers_shard_is_reclaimed_while_the_other_shard_runs(
    engine: Engine, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(checks, "SHARD_ROWS", 2)
    run_id = start(engine, world)
    with Session(engine) as session:
        dead = jobs.claim(session, worker="dead-worker", kinds=[checks.JOB_KIND], lease=EXPIRED)
        assert dead is not None
    assert Worker(engine, name="live-worker", kinds=[checks.JOB_KIND]).drain() == 2
    assert state(engine, run_id) == ("succeeded", 3, 3)
