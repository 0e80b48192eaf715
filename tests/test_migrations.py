"""The migrations build the schema the models describe, and unwind it, on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import SQLModel

import app.models  # noqa: F401  (registers the tables)
from app import db


def _tables(url: str) -> set[str]:
    engine = db.create_engine(url)
    try:
        with engine.connect() as conn:
            return set(sa.inspect(conn).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade(empty_database_url: str) -> None:
    url = empty_database_url
    db.upgrade(url)
    assert set(SQLModel.metadata.tables) <= _tables(url)
    db.downgrade(url, "base")
    assert _tables(url) <= {"alembic_version"}
    db.upgrade(url)
    engine = db.create_engine(url)
    try:
        with engine.connect() as conn:
            assert db.current_revisions(conn) == db.migration_heads()
    finally:
        engine.dispose()


def test_models_and_migrations_agree(database_url: str) -> None:
    """A model change without a migration fails here: run `alembic revision --autogenerate -m ...`."""
    engine = db.create_engine(database_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, SQLModel.metadata)
    finally:
        engine.dispose()
    assert diff == []


def test_sqlite_connections_enforce_foreign_keys_and_wal(database_url: str) -> None:
    engine = db.create_engine(database_url)
    try:
        with engine.connect() as conn:
            if conn.dialect.name != "sqlite":
                return
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    finally:
        engine.dispose()
