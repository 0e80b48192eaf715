"""Misuse reports: filed only with a positive self-check's token, kept without the NIK, worked by stewards."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from pydantic import SecretStr
from sqlmodel import Session, select

from app.config import Settings
from app.models import AuditEvent, MisuseReport
from app.services.selfcheck import Listing, issue_report_token
from tests.factories import NIK, OTHER_NIK, ClientMaker, create_listing

Auth = Callable[[str], dict[str, str]]


def positive_check(client: TestClient, nik: str = NIK) -> dict[str, object]:
    response = client.post("/api/v1/self-check", json={"nik": nik})
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    assert body["listed"] is True
    return body


def file_report(client: TestClient, token: object, list_id: object, **extra: str) -> Response:
    payload = {
        "report_token": token,
        "list_id": list_id,
        "contact": "siti@example.org",
        "statement": "Saya tidak pernah mendaftar.",
        **extra,
    }
    return client.post("/api/v1/self-check/reports", json=payload)


@pytest.fixture
def listed(session: Session) -> int:
    watch_list = create_listing(session, NIK, "Siti Aminah")
    assert watch_list.id is not None
    return watch_list.id


@pytest.fixture
def report_id(make_client: ClientMaker, listed: int) -> int:
    client = make_client()
    body = positive_check(client)
    response = client.post(
        "/api/v1/self-check/reports",
        json={
            "report_token": body["report_token"],
            "list_id": listed,
            "contact": "0812-3456-7890",
            "statement": "Bukan saya",
        },
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def test_report_from_positive_answer_is_stored_without_the_nik(
    make_client: ClientMaker, session: Session, settings: Settings, listed: int
) -> None:
    client = make_client(peer="198.51.100.4")
    body = positive_check(client)

    response = file_report(client, body["report_token"], listed)

    assert response.status_code == 201, response.text
    receipt = response.json()
    assert receipt["status"] == "open"
    report = session.get(MisuseReport, receipt["id"])
    assert report is not None
    assert report.nik_masked == "3275********0001"
    expected = hmac.new(settings.secret().encode(), f"nik:{NIK}".encode(), hashlib.sha256).hexdigest()
    assert report.nik_digest == expected
    assert report.list_id == listed
    assert NIK not in json.dumps(report.model_dump(mode="json"))

    event = session.exec(select(AuditEvent).where(AuditEvent.action == "misuse_report.create")).one()
    assert event.target_id == str(report.id)
    assert event.client == "198.51.100.4"
    assert event.detail == {"nik": "3275********0001", "list_id": listed}


def test_reports_need_a_valid_token_for_that_list(
    make_client: ClientMaker, session: Session, settings: Settings, listed: int
) -> None:
    other = create_listing(session, OTHER_NIK, "Agus Salim", owner="Partai Lain")
    client = make_client()
    token = positive_check(client)["report_token"]

    forged = issue_report_token(
        settings.model_copy(update={"secret_key": SecretStr("x" * 48)}),
        "3275****",
        "d",
        [Listing(listed, "party_member", "Partai", "Pemilu", None, "S***")],
    )
    for bad_token, list_id in [("rubbish", listed), (forged, listed), (token, other.id)]:
        response = file_report(client, bad_token, list_id)
        assert response.status_code == 403, response.text
        assert response.json()["type"] == "urn:netra:problem:invalid-report-token"
    assert session.exec(select(MisuseReport)).all() == []


def test_expired_token_is_refused(
    make_client: ClientMaker, settings: Settings, listed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = make_client(selfcheck_report_token_seconds=60)
    token = positive_check(client)["report_token"]
    import itsdangerous.timed

    real_time = itsdangerous.timed.time.time
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: real_time() + 120)
    response = file_report(client, token, listed)
    assert response.status_code == 403


def test_report_filing_is_rate_limited(make_client: ClientMaker, listed: int) -> None:
    client = make_client(selfcheck_report_rate_limits="1/hour")
    token = positive_check(client)["report_token"]
    assert file_report(client, token, listed).status_code == 201
    response = file_report(client, token, listed)
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0


# --- the queue -----------------------------------------------------------------------------------------


def test_stewards_and_auditors_read_the_queue(
    make_client: ClientMaker, report_id: int, steward_key: str, auditor_key: str, auth: Auth, session: Session
) -> None:
    client = make_client()
    for key in (steward_key, auditor_key):
        page = client.get("/api/v1/misuse-reports", params={"status": "open"}, headers=auth(key))
        assert page.status_code == 200, page.text
        assert page.json()["total"] == 1
        item = page.json()["items"][0]
        assert item["id"] == report_id
        assert item["nik_masked"] == "3275********0001"
        assert item["contact"] == "+6281234567890"  # read as an Indonesian number, stored as E.164

        one = client.get(f"/api/v1/misuse-reports/{report_id}", headers=auth(key))
        assert one.status_code == 200
        assert one.json() == item
    assert client.get(
        "/api/v1/misuse-reports", params={"status": "resolved"}, headers=auth(steward_key)
    ).json() == {
        "items": [],
        "total": 0,
    }
    reads = session.exec(select(AuditEvent).where(AuditEvent.action == "misuse_report.read")).all()
    assert len(reads) == 2


def test_operators_cannot_see_the_queue(
    make_client: ClientMaker, report_id: int, operator_key: str, auth: Auth
) -> None:
    client = make_client()
    assert client.get("/api/v1/misuse-reports", headers=auth(operator_key)).status_code == 403
    assert client.get(f"/api/v1/misuse-reports/{report_id}", headers=auth(operator_key)).status_code == 403
    assert client.get("/api/v1/misuse-reports").status_code == 401


def test_status_change_is_audited(
    make_client: ClientMaker, report_id: int, steward_key: str, session: Session, auth: Auth
) -> None:
    client = make_client()
    response = client.patch(
        f"/api/v1/misuse-reports/{report_id}",
        json={"status": "in_review", "status_note": "Diteruskan ke partai"},
        headers=auth(steward_key),
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "in_review"
    assert response.json()["status_note"] == "Diteruskan ke partai"

    event = session.exec(select(AuditEvent).where(AuditEvent.action == "misuse_report.update")).one()
    assert event.actor.startswith("key:")
    assert event.actor_role == "steward"
    assert event.target_type == "misuse_report"
    assert event.target_id == str(report_id)
    assert event.detail == {"from": "open", "to": "in_review", "note_changed": True}


def test_auditors_cannot_change_status(
    make_client: ClientMaker, report_id: int, auditor_key: str, auth: Auth
) -> None:
    response = make_client().patch(
        f"/api/v1/misuse-reports/{report_id}", json={"status": "resolved"}, headers=auth(auditor_key)
    )
    assert response.status_code == 403


def test_closed_report_cannot_jump_back_to_open(
    make_client: ClientMaker, report_id: int, steward_key: str, auth: Auth
) -> None:
    client = make_client()
    url = f"/api/v1/misuse-reports/{report_id}"
    assert client.patch(url, json={"status": "resolved"}, headers=auth(steward_key)).status_code == 200
    assert client.patch(url, json={"status": "open"}, headers=auth(steward_key)).status_code == 409
    assert client.patch(url, json={"status": "in_review"}, headers=auth(steward_key)).status_code == 200
    assert client.patch(url, json={"status": "bogus"}, headers=auth(steward_key)).status_code == 422


def test_unknown_report_is_404(make_client: ClientMaker, steward_key: str, auth: Auth) -> None:
    assert make_client().get("/api/v1/misuse-reports/999999", headers=auth(steward_key)).status_code == 404


def test_a_report_needs_a_reachable_contact_and_its_receipt_shows_only_the_status(
    make_client: ClientMaker, listed: int, session: Session
) -> None:
    client = make_client()
    body = positive_check(client)
    report = {"report_token": body["report_token"], "list_id": listed, "statement": "Bukan saya"}
    for contact in ("abc", "0812", "siti@", "12345"):
        refused = client.post("/api/v1/self-check/reports", json={**report, "contact": contact})
        assert refused.status_code == 422, contact
        assert "e-mail atau nomor telepon" in refused.json()["detail"]
    filed = client.post("/api/v1/self-check/reports", json={**report, "contact": "Siti@Example.org"})
    assert filed.status_code == 201, filed.text
    code = filed.json()["receipt_code"]
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}", code)
    stored = session.exec(select(MisuseReport)).one()
    assert code.replace("-", "") not in (stored.receipt_hash or "")  # only its hash is kept

    status = client.post("/api/v1/self-check/reports/status", json={"receipt_code": code.lower()})
    assert status.status_code == 200, status.text
    assert status.json()["status"] == "open"
    assert set(status.json()) == {"nik_masked", "owner", "status", "created_at", "updated_at"}
    unknown = client.post("/api/v1/self-check/reports/status", json={"receipt_code": "0000-0000-0000"})
    assert unknown.status_code == 404
