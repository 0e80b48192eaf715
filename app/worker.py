"""Workers that claim jobs from the database: ``netra worker`` and an in-process thread.

Any number of workers on any number of machines may share one PostgreSQL database; each claims one job
at a time under a lease (see :mod:`app.services.jobs`) and renews the lease from a heartbeat thread
while the handler runs. The embedded default (SQLite) runs :class:`BackgroundWorker` inside the web
process so ``make run`` needs nothing else.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Iterable
from datetime import timedelta

from sqlalchemy import Connection, Engine

from app.services import jobs

log = logging.getLogger(__name__)


def worker_name() -> str:
    # Host and pid say which process held a lease; the suffix keeps two workers of one process apart.
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def _load_handlers() -> None:
    # Handlers register themselves on import; importing here keeps the worker's view of kinds complete.
    import app.services.checks
    import app.services.ingestion  # noqa: F401


class Worker:
    """Claims and runs jobs one at a time."""

    def __init__(
        self,
        engine: Engine | Connection,
        *,
        name: str | None = None,
        lease: timedelta = jobs.DEFAULT_LEASE,
        poll_interval: float = 1.0,
        kinds: Iterable[str] | None = None,
    ) -> None:
        self.engine = engine
        self.name = name or worker_name()
        self.lease = lease
        self.poll_interval = poll_interval
        self.kinds = tuple(kinds) if kinds is not None else None
        _load_handlers()

    def run_once(self) -> bool:
        """Claim and run one job; ``False`` when there was nothing to do."""
        with jobs.session_for(self.engine) as session:
            jobs.sweep(session)
            job = jobs.claim(session, worker=self.name, kinds=self.kinds, lease=self.lease)
        if job is None:
            return False
        assert job.id is not None
        log.info("worker %s claimed job %s (%s, attempt %s)", self.name, job.id, job.kind, job.attempts)
        with jobs.kept_alive(self.engine, job.id, worker=self.name, lease=self.lease):
            jobs.run_job(self.engine, job, worker=self.name)
        return True

    def run_until(self, stop: threading.Event) -> None:
        """Work until ``stop`` is set, sleeping ``poll_interval`` whenever the queue is empty."""
        log.info("worker %s started", self.name)
        while not stop.is_set():
            try:
                worked = self.run_once()
            except Exception:  # the database may be restarting; keep the worker alive
                log.exception("worker %s: claiming failed", self.name)
                worked = False
            if not worked:
                stop.wait(self.poll_interval)
        log.info("worker %s stopped", self.name)

    def drain(self) -> int:
        """Run jobs until none is claimable; returns how many ran (handy for tests and the CLI)."""
        ran = 0
        while self.run_once():
            ran += 1
        return ran


class BackgroundWorker:
    """A :class:`Worker` on a daemon thread, started and stopped with the web app."""

    def __init__(self, engine: Engine | Connection, **options: object) -> None:
        self._worker = Worker(engine, **options)  # type: ignore[arg-type]
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._worker.run_until, args=(self._stop,), name="netra-worker", daemon=True
        )

    def start(self) -> BackgroundWorker:
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._thread.join(timeout)
