"""Test databases and clients.

One database per test session, built by the real migrations (``alembic upgrade head``): a SQLite file by
default, or a freshly created PostgreSQL database when ``NETRA_TEST_DATABASE_URL`` is set, e.g.
``postgresql+psycopg://postgres@127.0.0.1:5432/postgres`` (that database is only used to create and drop a
uniquely named one).

Each test runs inside a transaction that is rolled back at the end. Services may ``commit()`` freely: the
session joins the outer transaction with ``join_transaction_mode="create_savepoint"`` (SQLAlchemy 2's
"joining a session into an external transaction" recipe), and ``app.db.set_bind_override`` points every
other session — API requests, the CLI's ``session_scope()``, in-process workers — at the same connection.

Fixtures to use: ``session``, ``client`` (TestClient of ``app``), ``settings``, ``agency``,
``admin_key`` / ``steward_key`` / ``operator_key`` (bound to ``agency``) / ``auditor_key`` (plain key
strings; pass ``auth(key)`` as headers), and ``fresh_database_url`` for tests that need real commits or
several processes (an empty migrated database of its own, dropped afterwards).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Connection, Engine, make_url
from sqlmodel import Session

from app import db
from app.config import Settings, get_settings
from app.deps import get_lookup_session, get_session
from app.main import create_app
from app.models import Agency
from app.ratelimit import get_limiter
from tests import factories

TEST_DATABASE_ENV = "NETRA_TEST_DATABASE_URL"
TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"


class DatabaseMaker:
    """Creates empty databases of the configured kind and removes them all at the end of the session."""

    def __init__(self, base_url: str | None, tmp_dir: Path) -> None:
        self.base_url = base_url
        self.tmp_dir = tmp_dir
        self.created: list[str] = []

    @property
    def dialect(self) -> str:
        return "postgresql" if self.base_url else "sqlite"

    def create(self) -> str:
        name = f"netra_test_{uuid.uuid4().hex[:12]}"
        if self.base_url is None:
            url = f"sqlite:///{self.tmp_dir / name}.db"
        else:
            base = make_url(self.base_url)
            admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
            try:
                with admin.connect() as conn:
                    conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
            finally:
                admin.dispose()
            url = base.set(database=name).render_as_string(hide_password=False)
        self.created.append(url)
        return url

    def drop(self, url: str) -> None:
        db.dispose_engines()
        if self.base_url is None:
            for suffix in ("", "-wal", "-shm"):
                Path(make_url(url).database + suffix).unlink(missing_ok=True)  # type: ignore[operator]
            return
        name = make_url(url).database
        admin = sa.create_engine(make_url(self.base_url), isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            admin.dispose()

    def drop_all(self) -> None:
        for url in self.created:
            self.drop(url)
        self.created.clear()


@pytest.fixture(scope="session")
def database_maker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DatabaseMaker]:
    maker = DatabaseMaker(os.environ.get(TEST_DATABASE_ENV) or None, tmp_path_factory.mktemp("databases"))
    yield maker
    maker.drop_all()


@pytest.fixture(scope="session")
def database_url(database_maker: DatabaseMaker) -> str:
    """The session's database, migrated to head."""
    url = database_maker.create()
    db.upgrade(url)
    return url


@pytest.fixture
def fresh_database_url(database_maker: DatabaseMaker) -> Iterator[str]:
    """An empty database of its own, migrated to head, for tests that commit for real; dropped afterwards."""
    url = database_maker.create()
    db.upgrade(url)
    yield url
    database_maker.drop(url)
    database_maker.created.remove(url)


@pytest.fixture
def empty_database_url(database_maker: DatabaseMaker) -> Iterator[str]:
    """A database with no tables at all (for migration tests)."""
    url = database_maker.create()
    yield url
    database_maker.drop(url)
    database_maker.created.remove(url)


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = db.create_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    # Uploads go to a folder of this test session, not the system-wide default other runs share.
    return Settings(
        database_url=database_url,
        secret_key=TEST_SECRET,
        environment="development",
        upload_dir=str(tmp_path_factory.mktemp("uploads")),
    )


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    """A connection inside a transaction that is rolled back after the test."""
    with engine.connect() as conn:
        outer = conn.begin()
        db.set_bind_override(conn)
        try:
            yield conn
        finally:
            db.set_bind_override(None)
            if outer.is_active:
                outer.rollback()


@pytest.fixture
def session(connection: Connection) -> Iterator[Session]:
    with db.new_session() as session:
        yield session


@pytest.fixture
def app(settings: Settings, session: Session) -> FastAPI:
    # Counters (self-check, login throttle) live in the process; each test starts with none.
    get_limiter(settings).reset()
    application = create_app(settings)

    def test_session() -> Iterator[Session]:
        yield session

    application.dependency_overrides[get_session] = test_session
    application.dependency_overrides[get_lookup_session] = test_session
    return application


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def agency(session: Session) -> Agency:
    return factories.create_agency(session)


@pytest.fixture
def admin_key(session: Session) -> str:
    return factories.create_api_key(session, role="admin")


@pytest.fixture
def steward_key(session: Session) -> str:
    return factories.create_api_key(session, role="steward")


@pytest.fixture
def auditor_key(session: Session) -> str:
    return factories.create_api_key(session, role="auditor")


@pytest.fixture
def operator_key(session: Session, agency: Agency) -> str:
    return factories.create_api_key(session, role="operator", agency=agency)


@pytest.fixture
def auth() -> Callable[[str], dict[str, str]]:
    """``client.get(url, headers=auth(key))``."""
    return factories.auth_headers


@pytest.fixture
def make_client(settings: Settings, session: Session) -> Iterator[factories.ClientMaker]:
    """A client of an app built with ``settings`` changed by ``overrides``; its limiter starts empty."""
    clients: list[TestClient] = []

    def make(*, peer: str = "203.0.113.10", **overrides: Any) -> TestClient:
        app_settings = settings.model_copy(update={**factories.RELAXED_SELFCHECK, **overrides})
        get_limiter(app_settings).reset()
        app = create_app(app_settings)

        def test_session() -> Iterator[Session]:
            yield session

        app.dependency_overrides[get_session] = test_session
        app.dependency_overrides[get_lookup_session] = test_session
        test_client = TestClient(app, client=(peer, 50000))
        clients.append(test_client)
        return test_client

    yield make
    for test_client in clients:
        test_client.close()


@pytest.fixture
def cli_environment(monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: Path) -> Iterator[None]:
    """The environment ``netra`` reads its settings from: the test database, run from a scratch folder."""
    monkeypatch.setenv("NETRA_DATABASE_URL", database_url)
    monkeypatch.setenv("NETRA_SECRET_KEY", "cli-test-secret-that-is-long-enough-000000")
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
