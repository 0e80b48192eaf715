"""Retention purge (UU PDP): what is no longer used goes once older than the period; the rest stays."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update
from sqlmodel import Session, col
from typer.testing import CliRunner

from app import cli
from app.models import (
    AuditEvent,
    CheckRun,
    Finding,
    ListEntry,
    ListVersion,
    Rejection,
    RosterEntry,
    RosterVersion,
    WatchList,
    utcnow,
)
from app.services import checks, retention
from app.services.principals import Principal
from tests import factories
from tests.check_data import PARTY, World, drain_checks, make_world, store_list

runner = CliRunner()


@pytest.fixture
def world(session: Session) -> World:
    return make_world(session, factories.create_agency(session))


def run_check(session: Session, world: World) -> int:
    operator = Principal(kind="key", id=1, name="op", role="operator", agency_id=world.agency.id)
    run = checks.start_run(session, operator, roster_id=world.roster.parent_id)
    assert drain_checks(session) == 1
    assert run.id is not None
    return run.id


def replace_party_list(session: Session, world: World) -> int:
    """A new upload of the party list: its first version is superseded."""
    watch_list = session.get(WatchList, world.party.parent_id)
    return store_list(session, PARTY, watch_list=watch_list).version_id


def age_everything(session: Session, days: int) -> None:
    then = utcnow() - timedelta(days=days)
    for model in (ListVersion, RosterVersion, CheckRun):
        session.execute(update(model).values(finished_at=then))
    session.commit()


def count(session: Session, model: type, *where: object) -> int:
    return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)  # type: ignore[arg-type]


def test_replaced_runs_and_retired_versions_go_the_current_ones_stay(session: Session, world: World) -> None:
    first_run = run_check(session, world)
    old_party = world.party.version_id
    new_party = replace_party_list(session, world)
    second_run = run_check(session, world)
    session.add(Rejection(source="list", version_id=old_party, line=4, reason="duplicate_nik", message="x"))
    session.commit()
    age_everything(session, days=100)
    findings_before = count(session, Finding, col(Finding.run_id) == first_run)
    assert findings_before > 0

    counts = retention.purge_expired(session, days=90, actor="cli")
    session.commit()

    assert counts == retention.PurgeCounts(
        check_runs=1, findings=findings_before, list_entries=len(PARTY), roster_entries=0, rejections=1
    )
    assert session.get(CheckRun, first_run) is None
    assert count(session, Finding, col(Finding.run_id) == first_run) == 0
    assert count(session, ListEntry, col(ListEntry.version_id) == old_party) == 0
    # The version row stays: which file was uploaded, by whom, when.
    assert session.get(ListVersion, old_party) is not None
    # What is in use stays, however old: the latest run, the active versions.
    assert session.get(CheckRun, second_run) is not None
    assert count(session, Finding, col(Finding.run_id) == second_run) > 0
    for version_id in (new_party, world.supporters.version_id):
        assert count(session, ListEntry, col(ListEntry.version_id) == version_id) > 0
    assert count(session, RosterEntry, col(RosterEntry.version_id) == world.roster.version_id) > 0
    event = session.scalars(select(AuditEvent).where(col(AuditEvent.action) == "retention.purge")).one()
    assert event.actor == "cli"
    assert event.detail["findings"] == findings_before

    assert retention.purge_expired(session, days=90, actor="cli") == retention.PurgeCounts()


def test_data_younger_than_the_period_stays(session: Session, world: World) -> None:
    first_run = run_check(session, world)
    replace_party_list(session, world)
    run_check(session, world)
    age_everything(session, days=30)

    assert retention.purge_expired(session, days=90, actor="cli") == retention.PurgeCounts()
    assert session.get(CheckRun, first_run) is not None


def test_a_retired_version_cited_by_a_kept_finding_keeps_its_entries(session: Session, world: World) -> None:
    run_id = run_check(session, world)  # the latest run: its findings cite the first party version
    old_party = world.party.version_id
    replace_party_list(session, world)
    age_everything(session, days=100)

    counts = retention.purge_expired(session, days=90, actor="cli")

    assert counts == retention.PurgeCounts()
    assert session.get(CheckRun, run_id) is not None
    assert count(session, ListEntry, col(ListEntry.version_id) == old_party) == len(PARTY)


def test_a_period_under_one_day_is_refused(session: Session) -> None:
    with pytest.raises(ValueError, match="at least one day"):
        retention.purge_expired(session, days=0, actor="cli")


@pytest.mark.usefixtures("cli_environment")
def test_netra_purge_dry_run_counts_and_keeps(session: Session, world: World) -> None:
    first_run = run_check(session, world)
    replace_party_list(session, world)
    run_check(session, world)
    age_everything(session, days=100)

    result = runner.invoke(cli.app, ["purge", "--days", "90", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "Would delete 1 replaced check runs" in result.output
    assert session.get(CheckRun, first_run) is not None

    result = runner.invoke(cli.app, ["purge", "--days", "90"])
    assert result.exit_code == 0, result.output
    assert "Deleted 1 replaced check runs" in result.output
    session.expire_all()
    assert session.get(CheckRun, first_run) is None


@pytest.mark.usefixtures("cli_environment")
def test_netra_purge_needs_a_period() -> None:
    result = runner.invoke(cli.app, ["purge"])
    assert result.exit_code == 2
    assert "NETRA_RETENTION_DAYS" in result.output
