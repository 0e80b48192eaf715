"""SQLite (the embedded default) under a concurrent writer, on a real database file.

A check run storing findings commits while people browse them. On SQLite in WAL mode a transaction that has
read cannot start writing once another connection has committed since it began: the write fails at once
with "database is locked", whatever the busy timeout. These tests pin the two ways Netra avoids that:
lookups end their reads before recording the audit event, and sessions that mean to write take the lock
when their transaction begins.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, func, select

from app import db
from app.config import get_settings
from app.models import AuditEvent
from app.services import audit, checks, ingestion, jobs


@pytest.fixture
def sqlite_file(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "concurrency.db"
    db.upgrade(f"sqlite:///{path}")
    yield path
    db.dispose_engines()


def _commit_elsewhere(path: Path) -> None:
    """Another writer (a worker, another request) commits one row."""
    with db.new_session(f"sqlite:///{path}") as other:
        audit.record(other, "worker", "check.progress")
        other.commit()


def _count_events(session: Session) -> int:
    return session.exec(select(func.count()).select_from(AuditEvent)).one()


def test_a_read_transaction_cannot_become_a_writer_after_another_commit(sqlite_file: Path) -> None:
    """The hazard itself, so that the tests below prove something."""
    with db.new_session(f"sqlite:///{sqlite_file}") as session:
        _count_events(session)
        _commit_elsewhere(sqlite_file)
        audit.record(session, "auditor", "finding.list")
        with pytest.raises(OperationalError, match="database is locked"):
            session.commit()


def test_a_lookup_records_its_audit_event_despite_a_concurrent_commit(sqlite_file: Path) -> None:
    with db.new_session(f"sqlite:///{sqlite_file}") as session:
        before = _count_events(session)
        _commit_elsewhere(sqlite_file)
        audit.record_lookup(session, "auditor", "finding.list", "check_run", 1)
        session.commit()
        assert _count_events(session) == before + 2


def test_end_reads_refuses_a_session_with_pending_changes(sqlite_file: Path) -> None:
    with db.new_session(f"sqlite:///{sqlite_file}") as session:
        audit.record(session, "steward", "list.delete")
        with pytest.raises(RuntimeError, match="pending changes"):
            db.end_reads(session)


def test_a_writing_session_holds_the_write_lock_from_its_first_read(sqlite_file: Path) -> None:
    with db.new_session(f"sqlite:///{sqlite_file}", writes=True) as session:
        before = _count_events(session)
        # While it holds the lock, another writer cannot slip a commit in between its read and its write.
        intruder = sqlite3.connect(sqlite_file, timeout=0, isolation_level=None)
        try:
            with pytest.raises(sqlite3.OperationalError, match="database is locked"):
                intruder.execute("BEGIN IMMEDIATE")
        finally:
            intruder.close()
        audit.record(session, "auditor", "finding.review")
        session.commit()
        assert _count_events(session) == before + 1


def _gate(path: Path) -> db._WriterGate:
    return db._gates[db.get_engine(f"sqlite:///{path}")]


@pytest.mark.parametrize("ending", ["commit", "rollback", "close"])
def test_a_writing_transaction_holds_the_writer_gate_until_it_ends(sqlite_file: Path, ending: str) -> None:
    with db.new_session(f"sqlite:///{sqlite_file}", writes=True) as session:
        _count_events(session)
        assert _gate(sqlite_file).busy()
        getattr(session, ending)()
        assert not _gate(sqlite_file).busy()


def test_a_lookup_takes_the_gate_only_for_its_audit_event(sqlite_file: Path) -> None:
    with db.new_session(f"sqlite:///{sqlite_file}") as session:
        _count_events(session)
        assert not _gate(sqlite_file).busy()
        audit.record_lookup(session, "auditor", "finding.list")
        assert _gate(sqlite_file).busy()
        session.commit()
        assert not _gate(sqlite_file).busy()


def test_writers_of_one_process_queue_at_the_gate_and_all_succeed(sqlite_file: Path) -> None:
    url = f"sqlite:///{sqlite_file}"
    second_done = threading.Event()
    errors: list[BaseException] = []

    def second_writer() -> None:
        try:
            with db.new_session(url, writes=True) as other:
                audit.record(other, "operator", "finding.review")
                other.commit()
        except BaseException as exc:  # reported to the test thread below
            errors.append(exc)
        finally:
            second_done.set()

    with db.new_session(url, writes=True) as session:
        before = _count_events(session)
        thread = threading.Thread(target=second_writer)
        thread.start()
        assert not second_done.wait(0.3), "the second writer went ahead while the first held the lock"
        audit.record(session, "steward", "list.delete")
        session.commit()
    assert second_done.wait(10)
    thread.join()
    assert errors == []
    with db.new_session(url) as session:
        assert _count_events(session) == before + 2


def test_a_lookup_event_is_stored_by_the_callers_commit_only(sqlite_file: Path) -> None:
    with db.new_session(f"sqlite:///{sqlite_file}") as session:
        before = _count_events(session)
        audit.record_lookup(
            session, "public:203.0.113.7", "selfcheck.lookup", detail={"nik": "3275********0001"}
        )
        session.rollback()
        assert _count_events(session) == before
        audit.record_lookup(
            session, "public:203.0.113.7", "selfcheck.lookup", detail={"nik": "3275********0001"}
        )
        session.commit()
        event = session.exec(select(AuditEvent).order_by(AuditEvent.id.desc())).first()  # type: ignore[union-attr]
        assert event is not None
        assert (event.actor, event.action, event.detail) == (
            "public:203.0.113.7",
            "selfcheck.lookup",
            {"nik": "3275********0001"},
        )
        assert event.at is not None


def _writing(session: Session) -> Session:
    """A check run's session, at the start of a transaction that reads and then writes."""
    db.begin_writing(session)
    return session


@pytest.mark.parametrize(
    "open_session",
    [
        pytest.param(lambda url: jobs.session_for(db.get_engine(url)), id="jobs"),
        pytest.param(lambda url: ingestion._session(db.get_engine(url)), id="ingestion"),
        pytest.param(lambda url: db.session_scope().__enter__(), id="cli"),
        pytest.param(lambda url: _writing(checks._session(db.get_engine(url))), id="check-run"),
    ],
)
def test_background_and_cli_sessions_write_despite_a_concurrent_commit(
    sqlite_file: Path, monkeypatch: pytest.MonkeyPatch, open_session: Callable[[str], Session]
) -> None:
    """A worker claiming a job, an ingestion storing a file, a CLI command, a check run's first and last
    transactions: each reads, then writes. With
    the web server recording self-checks meanwhile, a `netra lists import` failed at its job claim."""
    url = f"sqlite:///{sqlite_file}"
    monkeypatch.setenv("NETRA_DATABASE_URL", url)
    get_settings.cache_clear()
    session = open_session(url)
    try:
        before = _count_events(session)
        committed = threading.Thread(target=_commit_elsewhere, args=(sqlite_file,))
        committed.start()
        committed.join(timeout=0.5)  # it commits at once, unless this session took the lock with its read
        audit.record(session, "worker", "job.claim")
        session.commit()
        committed.join()
        assert _count_events(session) == before + 2
    finally:
        session.close()
        get_settings.cache_clear()
