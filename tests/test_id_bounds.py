"""Ids past what the database stores are a 4xx everywhere, never a 500 (issue 16, point 6)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.models import Agency
from tests.web.support import log_in

HUGE = 2**63
Auth = Callable[[str], dict[str, str]]


@pytest.mark.parametrize(
    "query", [f"list_id={HUGE}", f"offset={HUGE}", f"list_id={2**31}", "list_id=0", f"offset={-1}"]
)
def test_misuse_report_filters(client: TestClient, admin_key: str, auth: Auth, query: str) -> None:
    response = client.get(f"/api/v1/misuse-reports?{query}", headers=auth(admin_key))
    assert response.status_code == 422, response.text


def test_check_list_ids(client: TestClient, operator_key: str, auth: Auth) -> None:
    response = client.post(
        "/api/v1/checks", json={"roster_id": 1, "list_ids": [HUGE]}, headers=auth(operator_key)
    )
    assert response.status_code == 422, response.text


@pytest.mark.parametrize(
    ("role", "path"),
    [
        ("operator", "/daftar-asn/{id}"),
        ("operator", "/daftar-asn/{id}/status"),
        ("operator", "/daftar-asn/1/versi/{id}/penolakan.csv"),
        ("operator", "/pemeriksaan/{id}"),
        ("operator", "/pemeriksaan/{id}/temuan.csv"),
        ("operator", "/pemeriksaan/{id}/temuan.xlsx"),
        ("operator", "/temuan/{id}"),
        ("steward", "/laporan-penyalahgunaan/{id}"),
        ("steward", "/daftar-pembanding/{id}"),
        ("steward", "/daftar-pembanding/{id}/status"),
        ("steward", "/daftar-pembanding/1/versi/{id}/penolakan.csv"),
    ],
)
def test_web_pages(
    app: FastAPI, client: TestClient, session: Session, agency: Agency, role: str, path: str
) -> None:
    log_in(client, session, role, agency if role == "operator" else None)
    with TestClient(app, raise_server_exceptions=False, cookies=client.cookies) as browser:
        for value in (HUGE, 2**31, -1):
            response = browser.get(path.format(id=value))
            assert 400 <= response.status_code < 500, (path, value, response.status_code)
