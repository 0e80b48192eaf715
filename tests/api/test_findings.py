"""One finding: detail, review with audit, decisions carried forward; continuous screening and changes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from app import db
from app.models import Agency, AuditEvent, CheckRun, WatchList
from app.services import ingestion
from tests.check_data import PARTY, World, drain_checks, make_world, store_list

Auth = Callable[[str], dict[str, str]]


@pytest.fixture
def world(session: Session, agency: Agency) -> World:
    return make_world(session, agency)


def run_check(client: TestClient, session: Session, key: str, auth: Auth, world: World) -> int:
    response = client.post("/api/v1/checks", json={"roster_id": world.roster.parent_id}, headers=auth(key))
    assert response.status_code == 202, response.text
    drain_checks(session)
    return int(response.json()["id"])


def findings_of(client: TestClient, run_id: int, key: str, auth: Auth, **params: str) -> list[dict[str, Any]]:
    response = client.get(f"/api/v1/checks/{run_id}/findings", params=params, headers=auth(key))
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def by_kind(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {item["kind"]: item for item in items}


def test_a_finding_shows_full_niks_and_the_look_up_is_audited(
    client: TestClient, session: Session, world: World, operator_key: str, auth: Auth
) -> None:
    run_id = run_check(client, session, operator_key, auth, world)
    exact = by_kind(findings_of(client, run_id, operator_key, auth))["nik_exact"]
    detail = client.get(f"/api/v1/findings/{exact['id']}", headers=auth(operator_key)).json()
    assert detail["roster"]["nik"] == "3271055203850001"
    assert detail["list"]["nik"] == "3271055203850001"
    assert detail["roster"]["line"] == 2
    assert detail["list"]["file_name"].startswith("list-")
    events = session.exec(
        select(AuditEvent).where(
            AuditEvent.action == "finding.read", AuditEvent.target_id == str(exact["id"])
        )
    ).all()
    assert len(events) == 1


def test_each_page_of_findings_shown_is_audited_with_its_filters_and_ids(
    client: TestClient, session: Session, world: World, operator_key: str, auth: Auth
) -> None:
    run_id = run_check(client, session, operator_key, auth, world)
    shown = findings_of(client, run_id, operator_key, auth, **{"class": "confirmed"})
    assert {item["match_class"] for item in shown} == {"confirmed"}
    events = session.exec(
        select(AuditEvent).where(AuditEvent.action == "finding.list", AuditEvent.target_id == str(run_id))
    ).all()
    assert len(events) == 1
    assert events[0].actor.startswith("key:")
    assert events[0].detail == {
        "filters": {"match_class": "confirmed"},
        "finding_ids": [item["id"] for item in shown],
    }


def test_operators_review_confirm_misused_dismiss_with_audit_and_auditors_only_read(
    client: TestClient, session: Session, world: World, operator_key: str, auditor_key: str, auth: Auth
) -> None:
    run_id = run_check(client, session, operator_key, auth, world)
    conflict = by_kind(findings_of(client, run_id, operator_key, auth))["nik_match_name_mismatch"]
    url = f"/api/v1/findings/{conflict['id']}"

    no_reason = client.patch(url, json={"review_status": "dismissed"}, headers=auth(operator_key))
    assert no_reason.status_code == 422
    assert no_reason.headers["content-type"] == "application/problem+json"
    assert client.patch(url, json={"review_status": "maybe"}, headers=auth(operator_key)).status_code == 422

    confirmed = client.patch(url, json={"review_status": "confirmed"}, headers=auth(operator_key))
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["review_status"] == "confirmed"
    assert confirmed.json()["reviewed_by"].startswith("key:")

    read_only = client.patch(
        url, json={"review_status": "dismissed", "reason": "x"}, headers=auth(auditor_key)
    )
    assert read_only.status_code == 403  # auditors read; the agency decides
    misused = client.patch(url, json={"review_status": "misused"}, headers=auth(operator_key))
    assert misused.status_code == 200, misused.text
    assert misused.json()["review_status"] == "misused"
    dismissed = client.patch(
        url, json={"review_status": "dismissed", "reason": "Orang berbeda"}, headers=auth(operator_key)
    )
    assert dismissed.status_code == 200
    assert (dismissed.json()["review_status"], dismissed.json()["review_reason"]) == (
        "dismissed",
        "Orang berbeda",
    )

    events = session.exec(
        select(AuditEvent)
        .where(AuditEvent.action == "finding.review", AuditEvent.target_id == str(conflict["id"]))
        .order_by(col(AuditEvent.id))
    ).all()
    assert [(e.detail["before"]["review_status"], e.detail["after"]["review_status"]) for e in events] == [
        ("pending", "confirmed"),
        ("confirmed", "misused"),
        ("misused", "dismissed"),
    ]
    assert {e.actor_role for e in events} == {"operator"}
    assert events[2].detail["after"]["review_reason"] == "Orang berbeda"

    reviewed = findings_of(client, run_id, operator_key, auth, review_status="dismissed")
    assert [f["id"] for f in reviewed] == [conflict["id"]]


def test_stewards_and_admins_do_not_review(
    client: TestClient,
    session: Session,
    world: World,
    operator_key: str,
    steward_key: str,
    admin_key: str,
    auth: Auth,
) -> None:
    run_id = run_check(client, session, operator_key, auth, world)
    finding_id = findings_of(client, run_id, operator_key, auth)[0]["id"]
    for key in (steward_key, admin_key):
        response = client.patch(
            f"/api/v1/findings/{finding_id}", json={"review_status": "confirmed"}, headers=auth(key)
        )
        assert response.status_code == 403
    assert client.get(f"/api/v1/findings/{finding_id}", headers=auth(steward_key)).status_code == 403


def test_a_later_run_carries_review_decisions_forward(
    client: TestClient, session: Session, world: World, operator_key: str, auth: Auth
) -> None:
    first = run_check(client, session, operator_key, auth, world)
    conflict = by_kind(findings_of(client, first, operator_key, auth))["nik_match_name_mismatch"]
    reviewed = client.patch(
        f"/api/v1/findings/{conflict['id']}",
        json={"review_status": "dismissed", "reason": "NIK dicatut; orangnya lain"},
        headers=auth(operator_key),
    )
    assert reviewed.status_code == 200, reviewed.text
    second = run_check(client, session, operator_key, auth, world)
    carried = by_kind(findings_of(client, second, operator_key, auth))
    assert carried["nik_match_name_mismatch"]["id"] != conflict["id"]
    assert carried["nik_match_name_mismatch"]["review_status"] == "dismissed"
    assert carried["nik_match_name_mismatch"]["review_reason"] == "NIK dicatut; orangnya lain"
    assert carried["nik_exact"]["review_status"] == "pending"
    assert {f["change"] for f in carried.values()} == {"unchanged"}


def test_a_new_list_version_rechecks_the_roster_and_reports_changes(
    client: TestClient, session: Session, world: World, operator_key: str, auth: Auth
) -> None:
    first = run_check(client, session, operator_key, auth, world)
    watch_list = session.get(WatchList, world.party.parent_id)
    assert watch_list is not None
    # The party drops the "NIK dicatut" row and keeps the other one.
    new_version = store_list(session, PARTY[:1], watch_list=watch_list)
    ingestion_hook_runs = [h for h in ingestion._activation_hooks if h.__module__ == "app.services.screening"]
    assert len(ingestion_hook_runs) == 1
    ingestion_hook_runs[0](session, watch_list.id or 0, new_version.version_id)
    session.commit()

    queued = session.exec(select(CheckRun).where(CheckRun.trigger == "list_version")).all()
    assert [(r.previous_run_id, r.status) for r in queued] == [(first, "queued")]
    drain_checks(session)
    rescreen = queued[0].id or 0
    changes = client.get(f"/api/v1/checks/{rescreen}/changes", headers=auth(operator_key)).json()
    assert changes["previous_run_id"] == first
    assert changes["new"] == []
    assert [f["kind"] for f in changes["resolved"]] == ["nik_match_name_mismatch"]
    assert changes["unchanged_count"] == 2
    # The run's current findings leave the resolved one out unless asked for.
    assert len(findings_of(client, rescreen, operator_key, auth)) == 2
    assert len(findings_of(client, rescreen, operator_key, auth, change="resolved")) == 1
    run = client.get(f"/api/v1/checks/{rescreen}", headers=auth(operator_key)).json()
    assert (run["trigger"], run["findings_count"]) == ("list_version", 2)


def test_activating_an_uploaded_list_version_queues_the_recheck(
    client: TestClient, session: Session, world: World, operator_key: str, auth: Auth, tmp_path: Path
) -> None:
    run_check(client, session, operator_key, auth, world)
    path = tmp_path / "sipol-v2.csv"
    path.write_text(
        "NIK;Nama\n'3271055203850001;Siti Aminah\n'3273011208900002;Agus Suprianto\n", encoding="utf-8"
    )
    upload = ingestion.describe_file(path)
    version, _job = ingestion.create_version(
        session, "list", world.party.parent_id, upload, uploaded_by="test", delete_file_after=False
    )
    session.commit()
    assert version.id is not None
    outcome = ingestion.process_version(db.get_bind(), "list", version.id, path)
    assert outcome.error is None
    assert outcome.version.status == "active"

    queued = session.exec(select(CheckRun).where(CheckRun.trigger == "list_version")).all()
    assert len(queued) == 1
    drain_checks(session)
    changes = client.get(f"/api/v1/checks/{queued[0].id}/changes", headers=auth(operator_key)).json()
    assert [f["kind"] for f in changes["new"]] == [
        "nik_exact"
    ]  # Agus now with his exact NIK on the party list
    assert [f["kind"] for f in changes["resolved"]] == ["nik_match_name_mismatch"]
