"""The ``netra`` command, through Typer's runner, on the test transaction (see conftest)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session, func, select
from typer.testing import CliRunner

from app import cli, db
from app.config import get_settings
from app.models import Agency, ApiKey, ListEntry, RosterEntry, User
from app.security import api_key_matches
from app.services import auth
from tests import factories

runner = CliRunner()


# Settings from the environment, as the command reads them (see the cli_environment fixture).
pytestmark = pytest.mark.usefixtures("cli_environment")


def test_agencies_create_and_list(session: Session) -> None:
    result = runner.invoke(cli.app, ["agencies", "create", "bkd3273", "BKD Kota Bandung"])
    assert result.exit_code == 0, result.output
    assert session.exec(select(Agency).where(Agency.code == "BKD3273")).one().name == "BKD Kota Bandung"
    listed = runner.invoke(cli.app, ["agencies", "list"])
    assert listed.exit_code == 0, listed.output
    assert "BKD3273" in listed.output


def test_agencies_letterhead_sets_what_the_printed_summary_heads_with(session: Session) -> None:
    factories.create_agency(session, code="KOP")
    args = [
        "agencies",
        "letterhead",
        "kop",
        "--parent-body",
        "Pemerintah Kota Contoh",
        "--city",
        "Kota Contoh",
    ]
    result = runner.invoke(cli.app, args)
    assert result.exit_code == 0, result.output
    agency = session.exec(select(Agency).where(Agency.code == "KOP")).one()
    session.refresh(agency)
    assert (agency.parent_body, agency.city, agency.address) == (
        "Pemerintah Kota Contoh",
        "Kota Contoh",
        None,
    )
    missing = runner.invoke(cli.app, ["agencies", "letterhead", "NOPE", "--city", "X"])
    assert missing.exit_code == 1


def test_duplicate_agency_fails_with_message(session: Session) -> None:
    factories.create_agency(session, code="DUP")
    result = runner.invoke(cli.app, ["agencies", "create", "DUP", "Again"])
    assert result.exit_code == 1
    assert "exists" in result.output


def test_keys_create_prints_a_working_key_once(session: Session) -> None:
    agency = factories.create_agency(session)
    result = runner.invoke(
        cli.app, ["keys", "create", "--role", "operator", "--agency", agency.code, "--name", "x"]
    )
    assert result.exit_code == 0, result.output
    plain = result.stdout.strip().splitlines()[-1]
    principal = auth.authenticate_api_key(session, plain)
    assert principal.role == "operator"
    assert principal.agency_id == agency.id
    stored = session.exec(select(ApiKey).where(ApiKey.id == principal.id)).one()
    assert api_key_matches(plain, stored.key_hash)
    assert plain not in runner.invoke(cli.app, ["keys", "list"]).output


def test_operator_key_without_agency_is_refused() -> None:
    result = runner.invoke(cli.app, ["keys", "create", "--role", "operator"])
    assert result.exit_code == 1
    assert "agency" in result.output


def test_keys_revoke_by_prefix(session: Session) -> None:
    key, _ = factories.create_api_key_row(session, role="steward")
    result = runner.invoke(cli.app, ["keys", "revoke", key.prefix])
    assert result.exit_code == 0, result.output
    session.refresh(key)
    assert key.revoked_at is not None
    assert runner.invoke(cli.app, ["keys", "revoke", "nope"]).exit_code == 1


def test_users_create_with_password_option(session: Session) -> None:
    result = runner.invoke(cli.app, ["users", "create", "rina", "--role", "auditor", "--password", "x" * 12])
    assert result.exit_code == 0, result.output
    assert session.exec(select(User).where(User.username == "rina")).one().role == "auditor"


def test_users_create_prompts_for_password(session: Session) -> None:
    result = runner.invoke(
        cli.app, ["users", "create", "budi", "--role", "steward"], input="y" * 12 + "\n" + "y" * 12 + "\n"
    )
    assert result.exit_code == 0, result.output
    principal = auth.authenticate_user(session, "budi", "y" * 12)
    assert principal.role == "steward"


def test_production_without_secret_refuses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NETRA_ENVIRONMENT", "production")
    monkeypatch.delenv("NETRA_SECRET_KEY")
    get_settings.cache_clear()
    result = runner.invoke(cli.app, ["keys", "list"])
    assert result.exit_code == 2
    assert "NETRA_SECRET_KEY" in result.output


def test_demo_is_idempotent(session: Session, tmp_path: Path) -> None:
    out = tmp_path / "demo"
    first = runner.invoke(cli.app, ["demo", "--out", str(out)])
    assert first.exit_code == 0, first.output
    counts = (
        session.exec(select(func.count()).select_from(RosterEntry)).one(),
        session.exec(select(func.count()).select_from(ListEntry)).one(),
        session.exec(select(func.count()).select_from(ApiKey)).one(),
    )
    assert all(count > 0 for count in counts)
    assert (out / "roster_asn.csv").is_file()
    assert len((out / "credentials.txt").read_text().splitlines()) == 3
    second = runner.invoke(cli.app, ["demo", "--out", str(out)])
    assert second.exit_code == 0, second.output
    assert counts == (
        session.exec(select(func.count()).select_from(RosterEntry)).one(),
        session.exec(select(func.count()).select_from(ListEntry)).one(),
        session.exec(select(func.count()).select_from(ApiKey)).one(),
    )
    operator = auth.authenticate_user(session, "operator.demo", "netra-demo-123")
    assert operator.agency_id is not None


def test_db_upgrade_and_downgrade(empty_database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NETRA_DATABASE_URL", empty_database_url)
    get_settings.cache_clear()
    assert runner.invoke(cli.app, ["db", "upgrade"]).exit_code == 0
    engine = db.create_engine(empty_database_url)
    try:
        with engine.connect() as conn:
            assert db.current_revisions(conn) == db.migration_heads()
        result = runner.invoke(cli.app, ["db", "downgrade", "base"])
        assert result.exit_code == 0, result.output
        with engine.connect() as conn:
            assert db.current_revisions(conn) == frozenset()
    finally:
        engine.dispose()


def test_help_lists_commands() -> None:
    result = runner.invoke(cli.app, ["--help"])
    assert result.exit_code == 0, result.output
    for command in ("serve", "db", "keys", "users", "agencies", "demo"):
        assert command in result.output
