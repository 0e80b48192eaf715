"""Rosters API: agency scoping (other agencies' rosters answer 404), uploads, versions, rejections, delete."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient
from sqlmodel import Session, col, func, select

from app.models import Agency, AuditEvent, RosterEntry
from tests import factories

Auth = Callable[[str], dict[str, str]]


def roster_csv(path: Path) -> Path:
    rows = [
        ["Daftar Pegawai Dinas Contoh"],
        [],
        ["NIK", "NIP", "Nama Lengkap", "Unit Kerja"],
        ["3271055203850001", "198503122010012001", "Siti Aminah, S.Pd.", "Dinas Pendidikan"],
        ["", "198503122010011002", "Budi Santoso", "Dinas Kesehatan"],  # NIP only: kept
        ["", "", "Tanpa Nomor", "Dinas Kesehatan"],  # neither → rejected
        ["3.27105E+15", "", "Rusak Excel", "Sekretariat"],  # scientific notation → rejected
    ]
    with path.open("w", newline="", encoding="utf-8-sig") as handle:
        csv.writer(handle).writerows(rows)
    return path


def upload(client: TestClient, key: str, auth: Auth, path: Path, url: str = "/api/v1/rosters", **fields: str):  # type: ignore[no-untyped-def]
    with path.open("rb") as handle:
        return client.post(url, headers=auth(key), data=fields, files={"file": (path.name, handle)})


def test_operator_uploads_for_its_own_agency(
    client: TestClient, session: Session, agency: Agency, operator_key: str, auth: Auth, tmp_path: Path
) -> None:
    response = upload(client, operator_key, auth, roster_csv(tmp_path / "pegawai.csv"), name="Pegawai 2029")
    assert response.status_code == 201, response.text
    body = response.json()
    roster, version = body["roster"], body["version"]
    assert (roster["agency_id"], roster["agency_code"], roster["name"]) == (
        agency.id,
        agency.code,
        "Pegawai 2029",
    )
    assert (version["accepted"], version["rejected"], version["status"]) == (2, 2, "active")

    entries = session.exec(select(RosterEntry).where(RosterEntry.version_id == version["id"])).all()
    by_line = {entry.line: entry for entry in entries}
    assert by_line[4].nip == "198503122010012001"
    assert by_line[4].unit == "Dinas Pendidikan"
    assert by_line[5].nik is None
    assert by_line[5].nip == "198503122010011002"  # kept for its NIP: found through its birth date, gender

    rejections = client.get(f"/api/v1/rosters/{roster['id']}/rejections", headers=auth(operator_key))
    lines = list(csv.reader(io.StringIO(rejections.text.lstrip("\ufeff"))))
    assert [(row[0], row[1]) for row in lines[1:]] == [
        ("6", "missing_identifier"),
        ("7", "nik_scientific_notation"),
    ]
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "roster.upload")).one()
    assert event.agency_id == agency.id


def test_other_agencies_rosters_answer_404(
    client: TestClient, session: Session, operator_key: str, auth: Auth, tmp_path: Path
) -> None:
    other_key = factories.create_api_key(session, role="operator")  # bound to an agency of its own
    roster_id = upload(client, operator_key, auth, roster_csv(tmp_path / "a.csv")).json()["roster"]["id"]
    path = roster_csv(tmp_path / "b.csv")

    assert client.get(f"/api/v1/rosters/{roster_id}", headers=auth(other_key)).status_code == 404
    assert client.get(f"/api/v1/rosters/{roster_id}/rejections", headers=auth(other_key)).status_code == 404
    assert (
        upload(client, other_key, auth, path, url=f"/api/v1/rosters/{roster_id}/versions").status_code == 404
    )
    assert client.delete(f"/api/v1/rosters/{roster_id}", headers=auth(other_key)).status_code == 404
    assert client.get("/api/v1/rosters", headers=auth(other_key)).json() == []
    assert [r["id"] for r in client.get("/api/v1/rosters", headers=auth(operator_key)).json()] == [roster_id]


def test_admin_names_the_agency_and_auditor_reads(
    client: TestClient, agency: Agency, admin_key: str, auditor_key: str, auth: Auth, tmp_path: Path
) -> None:
    path = roster_csv(tmp_path / "r.csv")
    assert upload(client, admin_key, auth, path).status_code == 422  # which agency?
    response = upload(client, admin_key, auth, path, agency=agency.code)
    assert response.status_code == 201, response.text
    roster_id = response.json()["roster"]["id"]
    assert client.get(f"/api/v1/rosters/{roster_id}", headers=auth(auditor_key)).status_code == 200
    assert upload(client, auditor_key, auth, path).status_code == 403


def test_replace_and_delete(
    client: TestClient, session: Session, operator_key: str, auth: Auth, tmp_path: Path
) -> None:
    first = upload(client, operator_key, auth, roster_csv(tmp_path / "a.csv")).json()
    roster_id = first["roster"]["id"]
    second = upload(
        client,
        operator_key,
        auth,
        roster_csv(tmp_path / "b.csv"),
        url=f"/api/v1/rosters/{roster_id}/versions",
    )
    assert second.status_code == 201, second.text
    detail = client.get(f"/api/v1/rosters/{roster_id}", headers=auth(operator_key)).json()
    assert [(v["version"], v["status"]) for v in detail["versions"]] == [(2, "active"), (1, "superseded")]

    assert client.delete(f"/api/v1/rosters/{roster_id}", headers=auth(operator_key)).status_code == 204
    version_ids = [v["id"] for v in detail["versions"]]
    left = session.exec(select(func.count()).where(col(RosterEntry.version_id).in_(version_ids))).one()
    assert left == 0
    assert client.get(f"/api/v1/rosters/{roster_id}", headers=auth(operator_key)).status_code == 404
