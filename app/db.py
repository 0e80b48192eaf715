"""Engines, sessions and migrations.

SQLite (the default, embedded) and PostgreSQL (through psycopg 3, ``postgresql+psycopg://``) run the same
code and the same migrations. Nothing here touches the database at import time.

Sessions: API routes get one per request from ``app.deps.SessionDep``; the CLI, workers and scripts use
:func:`session_scope`. Services own the transaction (``session.commit()``); routes never commit.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from app.config import get_settings

SQLITE_BUSY_TIMEOUT_MS = 30_000
# Execution option: begin SQLite transactions with the write lock (see :func:`new_session`).
_SQLITE_IMMEDIATE = "netra_sqlite_immediate"
_IMMEDIATE_OPTIONS: Mapping[str, Any] = {_SQLITE_IMMEDIATE: True}
PING_AFTER_IDLE_SECONDS = 5.0
_IDLE_SINCE = "netra_idle_since"
PROJECT_ROOT = Path(__file__).resolve().parent.parent

_engines: dict[str, Engine] = {}
_gates: weakref.WeakKeyDictionary[Engine, _WriterGate] = weakref.WeakKeyDictionary()
_engines_lock = threading.Lock()
# Tests point every session (API, CLI, workers) at one connection inside a rolled-back transaction.
_bind_override: Connection | None = None


def _configure_sqlite(engine: Engine) -> None:
    @sa.event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # pysqlite's own transaction handling breaks SAVEPOINT and transactional DDL; turn it off and let
        # SQLAlchemy emit BEGIN itself (SQLAlchemy docs, "Serializable isolation / Savepoints").
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # WAL lets readers continue while one writer writes; synchronous=NORMAL is durable enough under WAL.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    gate = _gates[engine] = _WriterGate()

    @sa.event.listens_for(engine, "begin")
    def on_begin(connection: Connection) -> None:
        if not connection.get_execution_options().get(_SQLITE_IMMEDIATE, False):
            connection.exec_driver_sql("BEGIN")
            return
        dbapi_connection = connection.connection
        gate.enter(dbapi_connection)
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            gate.leave(dbapi_connection)
            raise

    # The transaction ends in the dialect's commit or rollback (a session's, or the pool's reset): let the
    # next writer in only once it has.
    def then_leave(end: Callable[[Any], None]) -> Callable[[Any], None]:
        def end_then_leave(dbapi_connection: Any) -> None:
            try:
                end(dbapi_connection)
            finally:
                gate.leave(dbapi_connection)

        return end_then_leave

    engine.dialect.do_commit = then_leave(engine.dialect.do_commit)  # type: ignore[method-assign,assignment]
    engine.dialect.do_rollback = then_leave(engine.dialect.do_rollback)  # type: ignore[method-assign,assignment]


class _WriterGate:
    """Queues one process's SQLite write transactions (``BEGIN IMMEDIATE``) on a Python lock.

    A SQLite writer that finds the database locked sleeps and retries in growing steps (1, 2, 5 … 100 ms),
    so under concurrent requests it often waits far longer than the lock was held: the self-check's p99
    latency was several times its p90. Threads of one process wait here instead and go the moment the
    previous writer's transaction ends. Other processes still meet SQLite's busy timeout; a writer that
    cannot get the gate within that timeout goes on and lets SQLite decide.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._holder: int | None = None

    @staticmethod
    def _key(connection: Any) -> int:
        # SQLAlchemy passes the pool's proxy or the sqlite3 connection itself, depending on the caller.
        return id(getattr(connection, "dbapi_connection", connection))

    def enter(self, connection: Any) -> None:
        if self._lock.acquire(timeout=SQLITE_BUSY_TIMEOUT_MS / 1000):
            self._holder = self._key(connection)

    def leave(self, connection: Any) -> None:
        # Only the holder's own commit or rollback releases; other connections' ends pass through.
        if self._holder is not None and self._holder == self._key(connection):
            self._holder = None
            self._lock.release()

    def busy(self) -> bool:
        return self._lock.locked()


def _ping_idle_connections(engine: Engine) -> None:
    """Test a pooled connection before use when it has sat idle, and replace it if the server dropped it.

    SQLAlchemy's ``pool_pre_ping`` pings on every checkout: one more round trip per request, measured at
    a fifth of the public self-check's median latency. A connection used a moment ago is alive; the ones
    that die are those left idle across a server restart or a firewall's idle timeout. A connection that
    fails while in use still makes SQLAlchemy discard the whole pool.
    """

    @sa.event.listens_for(engine, "checkin")
    def on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @sa.event.listens_for(engine, "checkout")
    def on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get(_IDLE_SINCE)
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:
            # The pool discards this connection and checks out another (SQLAlchemy, "Disconnect Handling").
            raise sa.exc.DisconnectionError("idle connection no longer answers") from exc


def create_engine(url: str, **kwargs: Any) -> Engine:
    """An engine configured for Netra: SQLite pragmas and writer gate, or PostgreSQL's idle pings (no JIT)."""
    if url.startswith("sqlite"):
        connect_args = {"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
        engine = sa.create_engine(url, connect_args=connect_args, **kwargs)
        _configure_sqlite(engine)
        return engine
    # No JIT: Netra's queries are look-ups and joins that run for well under seconds, where compiling them
    # costs more than it saves (measured: 0.86 s of a 1.2 s /match query, 0.4 s of a 1.8 s check-run query).
    server_options: dict[str, Any] = {"options": "-c jit=off", **kwargs.pop("connect_args", {})}
    engine = sa.create_engine(url, connect_args=server_options, **kwargs)
    _ping_idle_connections(engine)
    return engine


def get_engine(url: str | None = None) -> Engine:
    """The process-wide engine for ``url`` (default: the configured database)."""
    url = url or get_settings().database_url
    with _engines_lock:
        if url not in _engines:
            _engines[url] = create_engine(url)
        return _engines[url]


def dispose_engines() -> None:
    with _engines_lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


def get_bind(url: str | None = None) -> Engine | Connection:
    return _bind_override if _bind_override is not None else get_engine(url)


def set_bind_override(connection: Connection | None) -> None:
    """For tests only: make every new session join ``connection`` (see ``tests/conftest.py``)."""
    global _bind_override
    _bind_override = connection


def new_session(url: str | None = None, *, writes: bool = False) -> Session:
    """A session on ``url`` (default: the configured database). Routes get theirs from ``app.deps``.

    ``writes``: the caller means to change data after reading it. On SQLite (WAL) a transaction that has
    read cannot become a writer once another connection has committed since it began: the write fails at
    once with "database is locked", whatever the busy timeout. Such sessions therefore take the write lock
    when each transaction begins (``BEGIN IMMEDIATE``), waiting for it like any writer. PostgreSQL needs
    nothing of the kind.
    """
    return session_on(get_bind(url), writes=writes)


def session_on(bind: Engine | Connection, *, writes: bool) -> Session:
    """A session on an engine, or joining a connection's transaction (tests); ``writes`` as for
    :func:`new_session`. Background work (jobs, ingestion) opens its sessions here on the bind it was given.
    """
    if writes and isinstance(bind, Engine) and bind.dialect.name == "sqlite":
        bind = bind.execution_options(**_IMMEDIATE_OPTIONS)
    # expire_on_commit=False: services return the rows they committed, and routes serialise them afterwards.
    return Session(bind=bind, expire_on_commit=False, join_transaction_mode="create_savepoint")


def end_reads(session: Session) -> None:
    """End the session's read-only transaction so that its next statement, a write, starts a fresh one.

    For use cases that read and then record something (an audit event, a key's last use) without holding
    the write lock while they read: on SQLite a fresh transaction whose first statement writes waits for
    the lock, where a transaction that has already read would fail (see :func:`new_session`). PostgreSQL
    lets any transaction write, so there it keeps the transaction and saves the round trips of a new one.
    """
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("end_reads() is for read-only transactions; this session has pending changes")
    if session.get_bind().dialect.name == "sqlite":
        session.commit()
        begin_writing(session)


def begin_writing(session: Session) -> None:
    """Begin the session's transaction with SQLite's write lock, for one that reads and then writes (see
    :func:`new_session`) in a session that otherwise only reads. Nothing to do on PostgreSQL."""
    if session.get_bind().dialect.name == "sqlite":
        session.connection(execution_options=_IMMEDIATE_OPTIONS)


@contextmanager
def session_scope() -> Iterator[Session]:
    """A session for the CLI and scripts, which mostly change data (see ``writes``); the caller commits."""
    with new_session(writes=True) as session:
        yield session


# --- migrations -------------------------------------------------------------------------------------


def _migrations_root() -> Path:
    # A checkout (or editable install) keeps alembic/ beside app/; an installed wheel (the Docker image)
    # runs from a working directory that holds alembic.ini and alembic/.
    return PROJECT_ROOT if (PROJECT_ROOT / "alembic.ini").is_file() else Path.cwd()


def alembic_config(url: str | None = None) -> Config:
    """Alembic configuration for ``url`` (default: the configured database), usable from code."""
    root = _migrations_root()
    config = Config(str(root / "alembic.ini"))
    config.set_main_option("script_location", str(root / "alembic"))
    config.set_main_option("sqlalchemy.url", (url or get_settings().database_url).replace("%", "%%"))
    # Keep the application's logging as configured; alembic.ini's logging is for the `alembic` command.
    config.attributes["configure_logger"] = False
    return config


def upgrade(url: str | None = None, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str | None = None, revision: str = "-1") -> None:
    command.downgrade(alembic_config(url), revision)


@lru_cache(maxsize=1)
def migration_heads() -> frozenset[str]:
    """Revisions the code expects the database to be at."""
    return frozenset(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())


def current_revisions(connection: Connection) -> frozenset[str]:
    """Revisions the database is at; empty before the first migration."""
    # Read the table directly: MigrationContext would log two INFO lines on every /readyz probe.
    if not sa.inspect(connection).has_table("alembic_version"):
        return frozenset()
    return frozenset(connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalars())
