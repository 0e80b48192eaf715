"""Engines, sessions and migrations.

SQLite (the default, embedded) and PostgreSQL (through psycopg 3, ``postgresql+psycopg://``) run the same
code and the same migrations. Nothing here touches the database at import time.

Sessions: API routes get one per request from ``app.deps.SessionDep``; the CLI, workers and scripts use
:func:`session_scope`. Services own the transaction (``session.commit()``); routes never commit.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
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
PROJECT_ROOT = Path(__file__).resolve().parent.parent

_engines: dict[str, Engine] = {}
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

    @sa.event.listens_for(engine, "begin")
    def on_begin(connection: Connection) -> None:
        immediate = connection.get_execution_options().get(_SQLITE_IMMEDIATE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def create_engine(url: str, **kwargs: Any) -> Engine:
    """An engine configured for Netra: SQLite pragmas, or a pre-pinged PostgreSQL pool."""
    if url.startswith("sqlite"):
        connect_args = {"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
        engine = sa.create_engine(url, connect_args=connect_args, **kwargs)
        _configure_sqlite(engine)
        return engine
    return sa.create_engine(url, pool_pre_ping=True, **kwargs)


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
    bind = get_bind(url)
    if writes and isinstance(bind, Engine) and bind.dialect.name == "sqlite":
        bind = bind.execution_options(**{_SQLITE_IMMEDIATE: True})
    # expire_on_commit=False: services return the rows they committed, and routes serialise them afterwards.
    return Session(bind=bind, expire_on_commit=False, join_transaction_mode="create_savepoint")


def end_reads(session: Session) -> None:
    """End the session's read-only transaction so that its next statement, a write, starts a fresh one.

    For use cases that read and then record something (an audit event, a key's last use) without holding
    the write lock while they read: on SQLite a fresh transaction whose first statement writes waits for
    the lock, where a transaction that has already read would fail (see :func:`new_session`).
    """
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("end_reads() is for read-only transactions; this session has pending changes")
    session.commit()


@contextmanager
def session_scope() -> Iterator[Session]:
    """A session for the CLI, workers and scripts; the caller commits."""
    with new_session() as session:
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
