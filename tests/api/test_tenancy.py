"""Tenancy: an operator reaches only its own agency's rosters, runs and findings.

Every read and write route of checks and findings is tried with another agency's ids and must answer 404
(never 403, which would confirm the id exists). Auditors read everything; stewards read no findings.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.models import Agency
from tests import factories
from tests.check_data import World, drain_checks, make_world

Auth = Callable[[str], dict[str, str]]


@pytest.fixture
def world(
    session: Session, agency: Agency, client: TestClient, operator_key: str, auth: Auth
) -> dict[str, Any]:
    """Agency A's roster, lists, a finished run and a finding."""
    made: World = make_world(session, agency)
    response = client.post(
        "/api/v1/checks", json={"roster_id": made.roster.parent_id}, headers=auth(operator_key)
    )
    assert response.status_code == 202
    drain_checks(session)
    run_id = response.json()["id"]
    page = client.get(f"/api/v1/checks/{run_id}/findings", headers=auth(operator_key)).json()
    return {"roster_id": made.roster.parent_id, "run_id": run_id, "finding_id": page["items"][0]["id"]}


# (method, path template, JSON body or None); ids are filled from the world.
ROUTES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("POST", "/api/v1/checks", {"roster_id": "{roster_id}"}),
    ("GET", "/api/v1/checks/{run_id}", None),
    ("GET", "/api/v1/checks/{run_id}/findings", None),
    ("GET", "/api/v1/checks/{run_id}/findings.csv", None),
    ("GET", "/api/v1/checks/{run_id}/findings.xlsx", None),
    ("GET", "/api/v1/checks/{run_id}/changes", None),
    ("GET", "/api/v1/findings/{finding_id}", None),
    ("PATCH", "/api/v1/findings/{finding_id}", {"review_status": "confirmed"}),
]


def _call(
    client: TestClient, key: str, auth: Auth, world: dict[str, Any], method: str, path: str, body: Any
) -> int:
    url = path.format(**world)
    json = None
    if body is not None:
        # "{roster_id}" placeholders become the world's ids; other values pass as they are.
        json = {k: world[v[1:-1]] if isinstance(v, str) and v.startswith("{") else v for k, v in body.items()}
    return client.request(method, url, json=json, headers=auth(key)).status_code


def test_the_route_list_covers_every_id_route_of_checks_and_findings(app: FastAPI) -> None:
    tried = {(method, path) for method, path, _ in ROUTES}
    schema = app.openapi()
    documented = {
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        if path.startswith(("/api/v1/checks", "/api/v1/findings"))
        for method in operations
    }
    # The collection listing takes no id: it is checked to come back empty below.
    assert documented - tried == {("GET", "/api/v1/checks")}


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
def test_another_agencys_operator_gets_404_everywhere(
    client: TestClient,
    session: Session,
    world: dict[str, Any],
    auth: Auth,
    method: str,
    path: str,
    body: dict[str, Any] | None,
) -> None:
    stranger = factories.create_api_key(session, role="operator")  # bound to an agency of its own
    assert _call(client, stranger, auth, world, method, path, body) == 404


def test_another_agencys_operator_lists_nothing(
    client: TestClient, session: Session, world: dict[str, Any], auth: Auth
) -> None:
    stranger = factories.create_api_key(session, role="operator")
    for params in ({}, {"roster_id": world["roster_id"]}):
        page = client.get("/api/v1/checks", params=params, headers=auth(stranger)).json()
        assert page["items"] == []


@pytest.mark.parametrize(("method", "path", "body"), [r for r in ROUTES if r[0] == "GET"])
def test_the_owning_operator_and_auditors_read_everything(
    client: TestClient,
    world: dict[str, Any],
    operator_key: str,
    auditor_key: str,
    admin_key: str,
    auth: Auth,
    method: str,
    path: str,
    body: dict[str, Any] | None,
) -> None:
    for key in (operator_key, auditor_key, admin_key):
        assert _call(client, key, auth, world, method, path, body) == 200


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
def test_stewards_read_no_findings_and_start_nothing(
    client: TestClient,
    world: dict[str, Any],
    steward_key: str,
    auth: Auth,
    method: str,
    path: str,
    body: dict[str, Any] | None,
) -> None:
    assert _call(client, steward_key, auth, world, method, path, body) == 403


def test_auditors_read_any_agencys_findings_and_list_all_runs_but_decide_none(
    client: TestClient, session: Session, world: dict[str, Any], auditor_key: str, auth: Auth
) -> None:
    assert _call(client, auditor_key, auth, world, "GET", "/api/v1/findings/{finding_id}", None) == 200
    assert _call(client, auditor_key, auth, world, *ROUTES[-1][:2], ROUTES[-1][2]) == 403
    page = client.get("/api/v1/checks", headers=auth(auditor_key)).json()
    assert [item["id"] for item in page["items"]] == [world["run_id"]]
    assert (
        client.get(
            "/api/v1/checks", headers=auth(factories.create_api_key(session, role="steward"))
        ).status_code
        == 403
    )
