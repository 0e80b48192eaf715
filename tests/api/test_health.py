from __future__ import annotations

import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session


def test_healthz_answers_without_database(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_reports_head_revision(client: TestClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "ready"


def test_readyz_is_503_when_migrations_are_behind(client: TestClient, session: Session) -> None:
    session.execute(sa.text("UPDATE alembic_version SET version_num = 'behind'"))
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 503
    assert "netra db upgrade" in body["detail"]


def test_every_response_carries_a_request_id(client: TestClient) -> None:
    generated = client.get("/healthz").headers["x-request-id"]
    assert len(generated) == 32
    assert client.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers["x-request-id"] == "abc-123"
    # A header that could forge log lines is replaced, not echoed.
    assert client.get("/healthz", headers={"X-Request-ID": "a b\tc"}).headers["x-request-id"] != "a b\tc"


def test_unknown_api_path_is_problem_json(client: TestClient) -> None:
    response = client.get("/api/v1/does-not-exist")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert set(body) >= {"type", "title", "status", "detail", "instance", "request_id"}
    assert body["request_id"] == response.headers["x-request-id"]


def test_wrong_method_is_405_problem_json(client: TestClient) -> None:
    response = client.put("/healthz")
    assert response.status_code == 405
    assert response.headers["content-type"] == "application/problem+json"


def test_an_unhandled_error_answers_500_with_its_request_id(app: FastAPI) -> None:
    def broken() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/api/v1/broken-for-test", broken)
    app.add_api_route("/broken-page-for-test", broken)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/api/v1/broken-for-test", headers={"X-Request-ID": "req-500"})
        assert response.status_code == 500
        assert response.headers["x-request-id"] == "req-500"
        assert response.json()["request_id"] == "req-500"
        assert "a bug" not in response.text
        page = client.get("/broken-page-for-test")
        assert page.status_code == 500
        assert len(page.headers["x-request-id"]) == 32
