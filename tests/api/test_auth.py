"""Every ``/api`` route outside the public self-check refuses a missing, a wrong and a revoked key.

The routes come from the OpenAPI schema, so routes added later are covered without touching this file.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.api import PUBLIC_PREFIX
from app.config import Settings
from app.main import create_app
from app.models import Agency, ApiKey, AuditEvent
from app.services import auth
from tests import factories

HTTP_METHODS = {"get", "post", "put", "patch", "delete"}


def _api_operations() -> list[tuple[str, str]]:
    settings = Settings(database_url="sqlite://", secret_key="x" * 40)
    schema = create_app(settings).openapi()
    operations = [
        (method.upper(), path)
        for path, item in schema["paths"].items()
        if path.startswith("/api") and not path.startswith(PUBLIC_PREFIX)
        for method in item
        if method in HTTP_METHODS
    ]
    return sorted(operations)


API_OPERATIONS = _api_operations()


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def test_the_walk_finds_routes() -> None:
    assert ("GET", "/api/v1/keys") in API_OPERATIONS


@pytest.mark.parametrize(("method", "path"), API_OPERATIONS, ids=[f"{m} {p}" for m, p in API_OPERATIONS])
def test_route_refuses_missing_wrong_and_revoked_keys(
    client: TestClient, session: Session, method: str, path: str
) -> None:
    revoked = factories.create_api_key(session, role="admin", revoked=True)
    valid = factories.create_api_key(session, role="admin")
    url = _concrete(path)
    attempts: dict[str, dict[str, str]] = {
        "missing": {},
        "malformed bearer": {"Authorization": "Bearer not-a-netra-key"},
        "wrong secret": {"Authorization": f"Bearer {valid[:-4]}AAAA"},
        "unknown prefix": {"X-API-Key": "netra_000000000000_" + "A" * 43},
        "revoked bearer": {"Authorization": f"Bearer {revoked}"},
        "revoked header": {"X-API-Key": revoked},
    }
    for name, headers in attempts.items():
        response = client.request(method, url, headers=headers)
        assert response.status_code == 401, f"{method} {path} with {name} key: {response.status_code}"
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param(lambda key: {"Authorization": f"Bearer {key}"}, id="bearer"),
        pytest.param(lambda key: {"X-API-Key": key}, id="x-api-key"),
    ],
)
def test_valid_key_is_accepted_in_either_header(
    client: TestClient, admin_key: str, headers: Callable[[str], dict[str, str]]
) -> None:
    response = client.get("/api/v1/keys", headers=headers(admin_key))
    assert response.status_code == 200, response.text


Auth = Callable[[str], dict[str, str]]


def test_wrong_role_is_403(client: TestClient, steward_key: str, auth: Auth) -> None:
    response = client.get("/api/v1/keys", headers=auth(steward_key))
    assert response.status_code == 403
    assert response.json()["type"] == "urn:netra:problem:forbidden"


def test_use_updates_last_used_at(client: TestClient, session: Session, auth: Auth) -> None:
    key, plain = factories.create_api_key_row(session, role="admin")
    assert key.last_used_at is None
    assert client.get("/api/v1/keys", headers=auth(plain)).status_code == 200
    session.refresh(key)
    assert key.last_used_at is not None


def test_admin_creates_key_shown_once_and_revokes_it(
    client: TestClient,
    session: Session,
    admin_key: str,
    agency: Agency,
    auth: Auth,
) -> None:
    code = agency.code
    created = client.post(
        "/api/v1/keys", headers=auth(admin_key), json={"name": "bkd", "role": "operator", "agency_code": code}
    )
    assert created.status_code == 201, created.text
    body = created.json()
    new_key = body["key"]
    assert new_key.startswith(f"netra_{body['prefix']}_")
    stored = session.exec(select(ApiKey).where(ApiKey.prefix == body["prefix"])).one()
    assert new_key not in stored.key_hash  # only the digest is stored
    listed = client.get("/api/v1/keys", headers=auth(admin_key)).json()
    assert all("key" not in item for item in listed)

    assert client.get("/api/v1/keys", headers=auth(new_key)).status_code == 403  # valid, wrong role
    revoked = client.delete(f"/api/v1/keys/{body['id']}", headers=auth(admin_key))
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None
    assert client.get("/api/v1/keys", headers=auth(new_key)).status_code == 401
    actions = set(session.exec(select(AuditEvent.action)))
    assert {"api_key.create", "api_key.revoke"} <= actions


def test_operator_key_needs_an_agency(client: TestClient, admin_key: str, auth: Auth) -> None:
    response = client.post("/api/v1/keys", headers=auth(admin_key), json={"name": "x", "role": "operator"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


def test_validation_errors_do_not_echo_input(client: TestClient, admin_key: str, auth: Auth) -> None:
    nik = "3271011501900001"
    response = client.post(
        "/api/v1/keys", headers=auth(admin_key), json={"name": nik, "role": 5, "extra": nik}
    )
    assert response.status_code == 422
    assert nik not in response.text
    assert response.json()["errors"]


def test_revoke_by_prefix_is_idempotent(session: Session) -> None:
    key, _ = factories.create_api_key_row(session, role="auditor")
    first = auth.revoke_api_key(session, key.prefix)
    when = first.revoked_at
    assert when is not None
    assert auth.revoke_api_key(session, str(key.id)).revoked_at == when
