"""Check runs through the API: start, follow, page through findings, export, re-run."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlmodel import Session, col

from app import db
from app.models import Agency, CheckRun, Finding, Roster
from app.services import checks
from tests import factories
from tests.check_data import PARTY, ROSTER, World, drain_checks, make_world, store_roster

Auth = Callable[[str], dict[str, str]]


@pytest.fixture
def world(session: Session, agency: Agency) -> World:
    return make_world(session, agency)


def start(client: TestClient, key: str, auth: Auth, **body: object) -> dict[str, Any]:
    response = client.post("/api/v1/checks", json=body, headers=auth(key))
    assert response.status_code == 202, response.text
    body_json: dict[str, Any] = response.json()
    return body_json


def finished_run(
    client: TestClient, session: Session, key: str, auth: Auth, world: World, **body: object
) -> int:
    run = start(client, key, auth, roster_id=world.roster.parent_id, **body)
    assert drain_checks(session) == 1
    return int(run["id"])


def test_a_run_goes_from_queued_to_succeeded_with_progress_and_list_versions(
    client: TestClient, session: Session, world: World, operator_key: str, auth: Auth
) -> None:
    run = start(client, operator_key, auth, roster_id=world.roster.parent_id)
    assert run["status"] == "queued"
    assert run["progress"] == 0
    assert run["rows_total"] == len(ROSTER)
    assert {v["list_version_id"] for v in run["list_versions"]} == {
        world.party.version_id,
        world.supporters.version_id,
    }

    assert drain_checks(session) == 1
    done = client.get(f"/api/v1/checks/{run['id']}", headers=auth(operator_key)).json()
    assert done["status"] == "succeeded"
    assert done["progress"] == 100
    assert done["findings_count"] == 3
    assert done["rows_matched"] == 3
    assert done["duration_seconds"] is not None
    assert done["started_at"] is not None

    listed = client.get("/api/v1/checks", headers=auth(operator_key)).json()
    assert [item["id"] for item in listed["items"]] == [run["id"]]


def test_filters_choose_the_lists(
    client: TestClient, session: Session, world: World, operator_key: str, auth: Auth
) -> None:
    run = start(client, operator_key, auth, roster_id=world.roster.parent_id, list_type="supporter")
    assert [v["owner"] for v in run["list_versions"]] == ["Calon Dua"]
    drain_checks(session)
    found = client.get(f"/api/v1/checks/{run['id']}/findings", headers=auth(operator_key)).json()
    assert [f["kind"] for f in found["items"]] == ["nik_one_digit"]

    by_id = start(
        client, operator_key, auth, roster_id=world.roster.parent_id, list_ids=[world.party.parent_id]
    )
    assert [v["list_id"] for v in by_id["list_versions"]] == [world.party.parent_id]


def test_findings_page_by_cursor_in_score_order_with_explanations(
    client: TestClient, session: Session, world: World, operator_key: str, auth: Auth
) -> None:
    run_id = finished_run(client, session, operator_key, auth, world)
    url = f"/api/v1/checks/{run_id}/findings"
    seen: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, str | int] = {"limit": 1}
        if cursor:
            params["cursor"] = cursor
        page = client.get(url, params=params, headers=auth(operator_key)).json()
        seen.extend(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 3
    assert len({f["id"] for f in seen}) == 3
    scores = [f["score"] for f in seen]
    assert scores == sorted(scores, reverse=True)
    first = seen[0]
    assert first["kind"] == "nik_exact"
    assert first["explanation"][0] == {
        "name": "nik",
        "outcome": "exact",
        "detail": "identical NIK 3271********0001",
    }
    assert str(first["explanation_text"]).startswith("nik_exact (confirmed, 1.00): nik exact")
    assert first["roster"]["nik"] == "3271********0001"  # masked in lists
    assert first["list"]["owner"] == "Partai Contoh"

    ascending = client.get(url, params={"sort": "score_asc"}, headers=auth(operator_key)).json()
    assert [f["id"] for f in ascending["items"]] == [f["id"] for f in reversed(seen)]


@pytest.mark.parametrize(
    ("params", "kinds"),
    [
        ({"class": "conflict"}, ["nik_match_name_mismatch"]),
        ({"kind": "nik_one_digit"}, ["nik_one_digit"]),
        ({"list_type": "party_member"}, ["nik_exact", "nik_match_name_mismatch"]),
        ({"owner": "Calon Dua"}, ["nik_one_digit"]),
        ({"unit": "Dinas Kesehatan"}, ["nik_match_name_mismatch"]),
        ({"unit": "kesehatan"}, ["nik_match_name_mismatch"]),  # part of the name, any case
        ({"unit": "KESEHATAN"}, ["nik_match_name_mismatch"]),
        ({"unit": "%"}, []),  # a LIKE wildcard is a plain character
        ({"review_status": "confirmed"}, []),
        ({"change": "new"}, ["nik_exact", "nik_match_name_mismatch", "nik_one_digit"]),
    ],
)
def test_findings_filters(
    client: TestClient,
    session: Session,
    world: World,
    operator_key: str,
    auth: Auth,
    params: dict[str, str],
    kinds: list[str],
) -> None:
    run_id = finished_run(client, session, operator_key, auth, world)
    page = client.get(f"/api/v1/checks/{run_id}/findings", params=params, headers=auth(operator_key)).json()
    assert [f["kind"] for f in page["items"]] == kinds


def test_a_bad_cursor_is_a_422_problem(
    client: TestClient, session: Session, world: World, operator_key: str, auth: Auth
) -> None:
    run_id = finished_run(client, session, operator_key, auth, world)
    for cursor in ("nonsense", "WyJpZCIsMV0"):  # the second is a valid cursor of another sort order
        response = client.get(
            f"/api/v1/checks/{run_id}/findings", params={"cursor": cursor}, headers=auth(operator_key)
        )
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"


def test_a_rerun_replaces_findings_without_duplicates(
    client: TestClient, session: Session, world: World, operator_key: str, auth: Auth
) -> None:
    run_id = finished_run(client, session, operator_key, auth, world)
    checks.execute_run(db.get_bind(), run_id)
    checks.execute_run(db.get_bind(), run_id)
    count = session.scalar(select(func.count()).select_from(Finding).where(col(Finding.run_id) == run_id))
    assert count == 3
    run = session.get(CheckRun, run_id, populate_existing=True)
    assert run is not None
    assert (run.status, run.findings_count) == ("succeeded", 3)


def test_starting_needs_an_active_roster_and_matching_lists(
    client: TestClient, session: Session, world: World, operator_key: str, auth: Auth
) -> None:
    def post(**body: object) -> int:
        return client.post("/api/v1/checks", json=body, headers=auth(operator_key)).status_code

    assert post(roster_id=world.roster.parent_id, election="No such election") == 422
    assert post(roster_id=world.roster.parent_id, list_ids=[world.party.parent_id, 999_999]) == 422
    assert post(roster_id=999_999) == 404
    assert post(roster_id=world.roster.parent_id, unknown=1) == 422


def test_auditors_and_stewards_cannot_start_runs(
    client: TestClient, world: World, auditor_key: str, steward_key: str, auth: Auth
) -> None:
    for key in (auditor_key, steward_key):
        response = client.post(
            "/api/v1/checks", json={"roster_id": world.roster.parent_id}, headers=auth(key)
        )
        assert response.status_code == 403


def test_csv_export_escapes_formulas_and_keeps_niks(
    client: TestClient, session: Session, world: World, operator_key: str, auth: Auth
) -> None:
    run_id = finished_run(client, session, operator_key, auth, world)
    response = client.get(f"/api/v1/checks/{run_id}/findings.csv", headers=auth(operator_key))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 3
    conflict = next(r for r in rows if r["kind"] == "nik_match_name_mismatch")
    assert conflict["list_name"] == "'" + PARTY[1].name
    assert conflict["roster_nik"] == "3171014506870123"
    assert conflict["list_line"] == "3"
    assert conflict["explanation"].startswith("nik_match_name_mismatch (conflict")  # stable English codes

    filtered = client.get(
        f"/api/v1/checks/{run_id}/findings.csv", params={"class": "probable"}, headers=auth(operator_key)
    )
    assert [r["kind"] for r in csv.DictReader(io.StringIO(filtered.text))] == ["nik_one_digit"]


def test_xlsx_export_writes_niks_as_text(
    client: TestClient, session: Session, world: World, operator_key: str, auth: Auth
) -> None:
    run_id = finished_run(client, session, operator_key, auth, world)
    response = client.get(f"/api/v1/checks/{run_id}/findings.xlsx", headers=auth(operator_key))
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    by_kind = {row[header.index("kind")]: row for row in rows[1:]}
    exact = by_kind["nik_exact"]
    assert exact[header.index("roster_nik")] == "3271055203850001"  # a string: all 16 digits kept
    assert exact[header.index("score")] == 1  # a number cell
    conflict = by_kind["nik_match_name_mismatch"]
    assert conflict[header.index("list_name")] == "'" + PARTY[1].name


def test_another_roster_version_is_checked_as_uploaded(
    client: TestClient, session: Session, world: World, operator_key: str, auth: Auth
) -> None:
    first = finished_run(client, session, operator_key, auth, world)
    roster = session.get(Roster, world.roster.parent_id)
    assert roster is not None
    store_roster(session, world.agency, ROSTER[:1], roster=roster)
    second = finished_run(client, session, operator_key, auth, world)
    assert first != second
    body = client.get(f"/api/v1/checks/{second}", headers=auth(operator_key)).json()
    assert body["findings_count"] == 1
    assert body["previous_run_id"] == first


def test_reading_needs_a_key(client: TestClient, world: World) -> None:
    assert client.get("/api/v1/checks").status_code == 401


def test_an_operator_key_of_another_agency_sees_no_runs(
    client: TestClient, session: Session, world: World, operator_key: str, auth: Auth
) -> None:
    finished_run(client, session, operator_key, auth, world)
    other = factories.create_api_key(session, role="operator")
    assert client.get("/api/v1/checks", headers=auth(other)).json()["items"] == []


def test_counts_for_summaries_per_class_owner_and_review_status(
    client: TestClient, session: Session, world: World, operator_key: str, auth: Auth
) -> None:
    from app.services import findings
    from app.services.principals import Principal

    run_id = finished_run(client, session, operator_key, auth, world)
    auditor = Principal(kind="key", id=0, name="t", role="auditor")
    counts = findings.count_findings(session, auditor, run_id)
    assert counts["match_class"] == {"confirmed": 1, "conflict": 1, "probable": 1}
    assert counts["owner"] == {"Calon Dua": 1, "Partai Contoh": 2}
    assert counts["review_status"] == {"pending": 3}
    assert counts["list_type"] == {"party_member": 2, "supporter": 1}
