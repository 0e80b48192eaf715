"""PostgreSQL's pool: pings only connections that sat idle, and replaces one the server dropped."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from app import db


@pytest.fixture
def postgres_url(database_url: str) -> str:
    if not database_url.startswith("postgresql"):
        pytest.skip("the idle ping is PostgreSQL's (SQLite has no server to lose)")
    return database_url


def _backend_pid(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return int(conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one())


def test_an_idle_connection_the_server_dropped_is_replaced(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = db.create_engine(postgres_url, pool_size=1, max_overflow=0)
    killer = sa.create_engine(postgres_url, poolclass=sa.NullPool)
    try:
        first = _backend_pid(engine)
        with killer.connect() as conn:
            assert conn.exec_driver_sql(f"SELECT pg_terminate_backend({first})").scalar_one()
        monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 0.0)
        assert _backend_pid(engine) != first
    finally:
        engine.dispose()
        killer.dispose()


def test_only_a_connection_idle_for_a_while_is_pinged(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = db.create_engine(postgres_url, pool_size=1, max_overflow=0)
    pings: list[object] = []
    ping = engine.dialect.do_ping

    def counted_ping(conn: Any) -> bool:
        pings.append(conn)
        return ping(conn)

    monkeypatch.setattr(engine.dialect, "do_ping", counted_ping)
    try:
        _backend_pid(engine)
        _backend_pid(engine)
        assert pings == []  # new, then used a moment ago
        monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 0.0)
        _backend_pid(engine)
        assert len(pings) == 1
    finally:
        engine.dispose()


def test_connections_run_without_jit(postgres_url: str) -> None:
    engine = db.create_engine(postgres_url)
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SHOW jit").scalar_one() == "off"
    finally:
        engine.dispose()
