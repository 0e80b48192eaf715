"""Request bodies read into memory are bounded before they are read (issue 16, point 3)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.deps import get_lookup_session, get_session
from app.main import create_app

LIMIT = 4096
Auth = Callable[[str], dict[str, str]]


@pytest.fixture
def small_client(settings: Settings, session: object) -> Iterator[TestClient]:
    app = create_app(settings.model_copy(update={"max_body_bytes": LIMIT}))

    def test_session() -> Iterator[object]:
        yield session

    app.dependency_overrides[get_session] = test_session
    app.dependency_overrides[get_lookup_session] = test_session
    with TestClient(app) as client:
        yield client


def refused(response: Any) -> bool:
    assert response.status_code == 413, response.text
    problem = response.json()
    return bool(problem["limit"] == LIMIT and problem["request_id"] == response.headers["x-request-id"])


def test_a_declared_body_over_the_limit_is_413_before_anything_is_read(small_client: TestClient) -> None:
    body = b'{"nik": "' + b"1" * LIMIT + b'"}'
    assert refused(
        small_client.post("/api/v1/self-check", content=body, headers={"content-type": "application/json"})
    )


def test_a_streamed_body_without_a_length_is_cut_at_the_limit(small_client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"nik": "'
        for _ in range(100):
            yield b"1" * 1024
        yield b'"}'

    assert refused(
        small_client.post(
            "/api/v1/self-check", content=chunks(), headers={"content-type": "application/json"}
        )
    )


def test_a_multipart_body_to_a_json_route_gets_no_upload_allowance(
    small_client: TestClient, operator_key: str, auth: Auth
) -> None:
    body = b'--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n' + b"1" * (LIMIT * 4) + b"\r\n--x--\r\n"
    headers = {**auth(operator_key), "content-type": "multipart/form-data; boundary=x"}
    assert refused(small_client.post("/api/v1/match", content=body, headers=headers))


def test_uploads_and_small_bodies_pass(
    small_client: TestClient, steward_key: str, auth: Auth, tmp_path: object
) -> None:
    assert small_client.post("/api/v1/self-check", json={"nik": "3271055203850001"}).status_code == 200
    rows = "NIK,Nama\n" + "".join(f"32710552038{i:05d},Warga {i}\n" for i in range(1, 400))
    response = small_client.post(
        "/api/v1/lists",
        headers=auth(steward_key),
        data={"list_type": "party_member", "owner": "Partai", "election": "Pemilu"},
        files={"file": ("anggota.csv", rows.encode())},
    )
    assert len(rows) > LIMIT
    assert response.status_code == 201, response.text


def test_the_default_limit_takes_the_largest_match_request(
    client: TestClient, operator_key: str, auth: Auth
) -> None:
    person = {"nik": "3" * 64, "name": "N" * 255, "nip": "1" * 64}
    response = client.post("/api/v1/match", json={"people": [person] * 1000}, headers=auth(operator_key))
    assert response.status_code == 200, response.text
