"""Lists API: upload real CSV/XLSX files, read counts and versions, download rejections, replace, delete."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, col, func, select

from app.models import AuditEvent, Job, ListEntry, ListVersion, WatchList, utcnow
from app.worker import Worker
from tests import factories

Auth = Callable[[str], dict[str, str]]

GOOD = [  # (NIK, name): women's NIKs carry day + 40
    ("3271055203850001", "Siti Aminah"),
    ("3271051203850002", "Budi Santoso"),
    ("3271050101900003", "Agus Salim"),
]


def write_csv(path: Path, rows: list[list[str]], *, delimiter: str = ",") -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerows(rows)
    return path


def list_csv(tmp_path: Path, name: str = "anggota.csv", extra: list[list[str]] | None = None) -> Path:
    rows = [["Daftar Anggota Partai"], ["No", "NIK", "Nama Lengkap", "Alamat"]]
    rows += [[str(i), nik, person, "Jl. Mawar"] for i, (nik, person) in enumerate(GOOD, 1)]
    rows += [
        ["4", "3271abc", "Dewi Lestari", ""],  # non-digit NIK → rejected
        ["5", "3271055203850001", "Siti Aminah", ""],  # duplicate of line 3 → rejected
        ["6", "3271059999990004", "Joko Widodo", ""],  # impossible birth date → kept, flagged
    ]
    rows += extra or []
    return write_csv(tmp_path / name, rows, delimiter=";")


def form(**fields: str) -> dict[str, str]:
    base = {"list_type": "party_member", "owner": "Partai Contoh", "election": "Pemilu 2029"}
    base.update(fields)
    return base


def upload(client: TestClient, key: str, auth: Auth, path: Path, url: str = "/api/v1/lists", **fields: str):  # type: ignore[no-untyped-def]
    with path.open("rb") as handle:
        return client.post(url, headers=auth(key), data=form(**fields), files={"file": (path.name, handle)})


def test_upload_stores_rows_and_answers_counts(
    client: TestClient, session: Session, steward_key: str, auth: Auth, tmp_path: Path
) -> None:
    response = upload(client, steward_key, auth, list_csv(tmp_path))
    assert response.status_code == 201, response.text
    body = response.json()
    version = body["version"]
    assert (version["status"], version["accepted"], version["rejected"], version["flagged"]) == (
        "active",
        4,
        2,
        1,
    )
    assert version["rows_total"] == version["rows_processed"] == 6
    assert version["file_name"] == "anggota.csv"
    assert len(version["file_sha256"]) == 64
    assert version["columns"]["nik"] == "NIK"
    listed = body["list"]
    assert listed["active_version_id"] == version["id"]
    assert (listed["status"], listed["accepted"], listed["list_type"]) == ("active", 4, "party_member")

    entries = session.exec(select(ListEntry).where(ListEntry.version_id == version["id"])).all()
    by_line = {entry.line: entry for entry in entries}
    assert sorted(by_line) == [3, 4, 5, 8]  # spreadsheet lines: title 1, header 2
    siti = by_line[3]
    assert (siti.nik, siti.nik_raw, siti.name) == ("3271055203850001", "3271055203850001", "Siti Aminah")
    assert "impossible_birth_date" in by_line[8].flags

    events = session.exec(select(AuditEvent).where(AuditEvent.action == "list.upload")).all()
    assert [event.target_id for event in events] == [str(listed["id"])]


def test_rejections_download_as_csv_and_json(
    client: TestClient, session: Session, steward_key: str, auth: Auth, tmp_path: Path
) -> None:
    list_id = upload(client, steward_key, auth, list_csv(tmp_path)).json()["list"]["id"]

    response = client.get(f"/api/v1/lists/{list_id}/rejections", headers=auth(steward_key))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert rows[0] == ["line", "reason", "message", "raw"]
    assert [(row[0], row[1]) for row in rows[1:]] == [("6", "nik_non_digit"), ("7", "duplicate_nik")]
    assert "line 3" in rows[2][2]

    page = client.get(f"/api/v1/lists/{list_id}/rejections?format=json", headers=auth(steward_key)).json()
    assert page["total"] == 2
    assert page["items"][0]["raw"]["NIK"] == "3271abc"
    downloads = session.exec(select(AuditEvent).where(AuditEvent.action == "list.rejections.download")).all()
    assert len(downloads) == 2


def test_xlsx_upload_with_numeric_nik_cells(
    client: TestClient, session: Session, steward_key: str, auth: Auth, tmp_path: Path
) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["NIK", "Nama", "Tanggal Lahir"])
    sheet.append(["3271055203850001", "Siti Aminah", "12-03-1985"])
    sheet.append([3271051203850010, "Budi Santoso", "12-03-1985"])  # numeric cell ending in 0
    path = tmp_path / "pendukung.xlsx"
    workbook.save(path)

    response = upload(client, steward_key, auth, path, list_type="supporter")
    assert response.status_code == 201, response.text
    version = response.json()["version"]
    assert (version["accepted"], version["flagged"]) == (2, 1)
    budi = session.exec(
        select(ListEntry).where(ListEntry.version_id == version["id"], ListEntry.line == 3)
    ).one()
    assert budi.numeric_cell
    assert "possibly_truncated" in budi.flags


def test_new_version_supersedes_the_active_one(
    client: TestClient, session: Session, steward_key: str, auth: Auth, tmp_path: Path
) -> None:
    first = upload(client, steward_key, auth, list_csv(tmp_path)).json()
    list_id = first["list"]["id"]
    path = write_csv(tmp_path / "v2.csv", [["NIK", "Nama"], *map(list, GOOD)])  # 3 rows of 4: not held
    response = upload(client, steward_key, auth, path, url=f"/api/v1/lists/{list_id}/versions")
    assert response.status_code == 201, response.text
    second = response.json()
    assert (second["version"]["version"], second["version"]["status"]) == (2, "active")

    detail = client.get(f"/api/v1/lists/{list_id}", headers=auth(steward_key)).json()
    assert detail["active_version_id"] == second["version"]["id"]
    assert [(v["version"], v["status"]) for v in detail["versions"]] == [(2, "active"), (1, "superseded")]


def test_large_upload_is_queued_and_stored_by_a_worker(
    app: FastAPI, client: TestClient, session: Session, steward_key: str, auth: Auth, tmp_path: Path
) -> None:
    app.state.settings = app.state.settings.model_copy(update={"inline_ingest_max_bytes": 0})
    response = upload(client, steward_key, auth, list_csv(tmp_path))
    assert response.status_code == 202, response.text
    body = response.json()
    assert body["version"]["status"] == "pending"
    assert body["job_id"] is not None
    list_id = body["list"]["id"]

    assert Worker(session.connection(), kinds=["ingest_list"]).drain() == 1

    detail = client.get(f"/api/v1/lists/{list_id}", headers=auth(steward_key)).json()
    assert (detail["status"], detail["accepted"], detail["rows_processed"]) == ("active", 4, 6)
    job = session.get(Job, body["job_id"])
    assert job is not None
    assert job.status == "done"
    assert not Path(job.payload["path"]).exists()  # the uploaded copy is removed once stored


def test_delete_purges_entries(
    client: TestClient, session: Session, steward_key: str, auth: Auth, tmp_path: Path
) -> None:
    body = upload(client, steward_key, auth, list_csv(tmp_path)).json()
    list_id, version_id = body["list"]["id"], body["version"]["id"]

    assert client.delete(f"/api/v1/lists/{list_id}", headers=auth(steward_key)).status_code == 204
    assert client.get(f"/api/v1/lists/{list_id}", headers=auth(steward_key)).status_code == 404
    remaining = session.exec(select(func.count()).where(col(ListEntry.version_id) == version_id)).one()
    assert remaining == 0
    watch_list = session.get(WatchList, list_id)
    assert watch_list is not None
    assert watch_list.deleted_at is not None
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "list.delete")).one()


def test_list_filters(client: TestClient, steward_key: str, auth: Auth, tmp_path: Path) -> None:
    upload(client, steward_key, auth, list_csv(tmp_path, "a.csv"))
    upload(client, steward_key, auth, list_csv(tmp_path, "b.csv"), list_type="supporter", owner="Calon A")
    everything = client.get("/api/v1/lists", headers=auth(steward_key)).json()
    supporters = client.get("/api/v1/lists?list_type=supporter", headers=auth(steward_key)).json()
    assert len(everything) >= 2
    assert [row["owner"] for row in supporters] == ["Calon A"]


@pytest.mark.parametrize(
    ("content", "name", "status", "code"),
    [
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "list.csv", 415, "unsupported_type"),
        (b"", "empty.csv", 422, "empty_file"),
        (b"Nama;Alamat\nSiti;Jl\n", "nonik.csv", 422, "missing_column"),
    ],
)
def test_files_that_cannot_be_ingested_are_refused_before_anything_is_stored(
    client: TestClient,
    session: Session,
    steward_key: str,
    auth: Auth,
    tmp_path: Path,
    content: bytes,
    name: str,
    status: int,
    code: str,
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    before = session.exec(select(func.count()).select_from(WatchList)).one()
    response = upload(client, steward_key, auth, path)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == code
    assert session.exec(select(func.count()).select_from(WatchList)).one() == before


def test_upload_over_the_size_limit_is_413(
    app: FastAPI, client: TestClient, session: Session, steward_key: str, auth: Auth, tmp_path: Path
) -> None:
    uploads = tmp_path / "uploads"
    app.state.settings = app.state.settings.model_copy(
        update={"max_upload_bytes": 100, "upload_dir": str(uploads)}
    )
    response = upload(client, steward_key, auth, list_csv(tmp_path))
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert list(uploads.glob("*")) == []  # nothing past the limit stays on disk


def test_missing_form_fields_are_422(
    client: TestClient, steward_key: str, auth: Auth, tmp_path: Path
) -> None:
    response = upload(client, steward_key, auth, list_csv(tmp_path), list_type="members")
    assert response.status_code == 422


def test_roles(
    client: TestClient, operator_key: str, auditor_key: str, steward_key: str, auth: Auth, tmp_path: Path
) -> None:
    assert upload(client, operator_key, auth, list_csv(tmp_path)).status_code == 403
    assert upload(client, auditor_key, auth, list_csv(tmp_path)).status_code == 403
    list_id = upload(client, steward_key, auth, list_csv(tmp_path)).json()["list"]["id"]
    assert client.get(f"/api/v1/lists/{list_id}", headers=auth(auditor_key)).status_code == 200
    assert client.get(f"/api/v1/lists/{list_id}", headers=auth(operator_key)).status_code == 403
    assert client.delete(f"/api/v1/lists/{list_id}", headers=auth(auditor_key)).status_code == 403


def test_failed_version_keeps_the_previous_one_active(
    client: TestClient, session: Session, steward_key: str, auth: Auth, tmp_path: Path
) -> None:
    list_id = upload(client, steward_key, auth, list_csv(tmp_path)).json()["list"]["id"]
    # The head is fine, so the probe passes; a field past the reader's limit fails the file mid-way.
    body = [[f"32710501019{serial:05d}", "Agus Salim"] for serial in range(1, 60)]
    rows = [["NIK", "Nama"], *body, ["3271050101900009", "x" * 200_000]]
    path = write_csv(tmp_path / "broken.csv", rows)
    response = upload(client, steward_key, auth, path, url=f"/api/v1/lists/{list_id}/versions")
    assert response.status_code == 422, response.text
    assert response.json()["version_id"] is not None

    detail = client.get(f"/api/v1/lists/{list_id}", headers=auth(steward_key)).json()
    assert [(v["version"], v["status"]) for v in detail["versions"]] == [(2, "failed"), (1, "active")]
    assert detail["versions"][0]["error"]
    failed_id = detail["versions"][0]["id"]
    assert session.exec(select(func.count()).where(col(ListEntry.version_id) == failed_id)).one() == 0
    assert session.get(ListVersion, failed_id) is not None


def test_a_version_whose_worker_died_is_interrupted_and_the_live_counts_stay_beside_it(
    client: TestClient, session: Session, steward_key: str, auth: Auth, tmp_path: Path
) -> None:
    first = upload(client, steward_key, auth, list_csv(tmp_path)).json()
    list_id, first_version = first["list"]["id"], first["version"]
    _version, job = factories.crashed_version(
        session, "list", list_id, list_csv(tmp_path, "v2.csv"), rows_seen=750_000
    )
    assert job.lease_until is not None

    detail = client.get(f"/api/v1/lists/{list_id}", headers=auth(steward_key)).json()
    assert (detail["status"], detail["interrupted"]) == ("processing", True)
    assert datetime.fromisoformat(detail["resumes_by"]).replace(tzinfo=UTC) == job.lease_until.replace(
        tzinfo=UTC
    )
    assert detail["active"] == {
        "version_id": first_version["id"],
        "version": 1,
        "accepted": first_version["accepted"],
        "rejected": first_version["rejected"],
        "flagged": first_version["flagged"],
        "finished_at": first_version["finished_at"],
    }
    assert [(v["version"], v["interrupted"]) for v in detail["versions"]] == [(2, True), (1, False)]
    (summary,) = client.get("/api/v1/lists", headers=auth(steward_key)).json()
    assert (summary["interrupted"], summary["active"]["accepted"]) == (True, first_version["accepted"])

    job.alive_until = utcnow() + timedelta(minutes=1)  # the worker beats again: merely processing
    session.add(job)
    session.commit()
    detail = client.get(f"/api/v1/lists/{list_id}", headers=auth(steward_key)).json()
    assert (detail["interrupted"], detail["resumes_by"]) == (False, None)
    assert detail["active"]["version"] == 1


def test_a_version_that_loses_most_rows_is_held_until_a_steward_activates_or_discards_it(
    client: TestClient, session: Session, steward_key: str, operator_key: str, auth: Auth, tmp_path: Path
) -> None:
    first = upload(client, steward_key, auth, list_csv(tmp_path)).json()
    list_id, first_id = first["list"]["id"], first["version"]["id"]
    assert first["version"]["accepted"] == 4
    versions_url = f"/api/v1/lists/{list_id}/versions"
    short = write_csv(tmp_path / "short.csv", [["NIK", "Nama"], list(GOOD[0])])  # 1 row of 4: a cut export

    held = upload(client, steward_key, auth, short, url=versions_url)
    assert held.status_code == 201, held.text
    held_version = held.json()["version"]
    assert (held_version["status"], held_version["accepted"]) == ("held", 1)
    detail = client.get(f"/api/v1/lists/{list_id}", headers=auth(steward_key)).json()
    assert (detail["status"], detail["active_version_id"]) == ("held", first_id)
    assert detail["active"]["accepted"] == 4

    forbidden = client.post(f"{versions_url}/{held_version['id']}/discard", headers=auth(operator_key))
    assert forbidden.status_code == 403
    discarded = client.post(f"{versions_url}/{held_version['id']}/discard", headers=auth(steward_key))
    assert discarded.status_code == 200, discarded.text
    statuses = [(v["version"], v["status"]) for v in discarded.json()["versions"]]
    assert statuses == [(2, "failed"), (1, "active")]
    left = session.exec(select(func.count()).where(col(ListEntry.version_id) == held_version["id"])).one()
    assert left == 0

    again = upload(client, steward_key, auth, short, url=versions_url).json()["version"]
    assert again["status"] == "held"
    activated = client.post(f"{versions_url}/{again['id']}/activate", headers=auth(steward_key))
    assert activated.status_code == 200, activated.text
    body = activated.json()
    assert body["active_version_id"] == again["id"]
    assert [(v["version"], v["status"]) for v in body["versions"]] == [
        (3, "active"),
        (2, "failed"),
        (1, "superseded"),
    ]
    twice = client.post(f"{versions_url}/{again['id']}/activate", headers=auth(steward_key))
    assert twice.status_code == 409
    actions = session.exec(
        select(AuditEvent.action).where(col(AuditEvent.action).like("list.version.%"))
    ).all()
    assert sorted(actions) == ["list.version.activate", "list.version.discard"]


def test_a_version_whose_every_row_is_rejected_is_422_and_changes_nothing(
    client: TestClient, steward_key: str, auth: Auth, tmp_path: Path
) -> None:
    list_id = upload(client, steward_key, auth, list_csv(tmp_path)).json()["list"]["id"]
    path = write_csv(tmp_path / "excel.csv", [["NIK", "Nama"], ["3.27E+15", "Siti"], ["3.2E+15", "Budi"]])
    response = upload(client, steward_key, auth, path, url=f"/api/v1/lists/{list_id}/versions")
    assert response.status_code == 422, response.text
    problem = response.json()
    assert (problem["code"], problem["rejected"]) == ("nothing_accepted", 2)
    assert problem["reasons"]
    detail = client.get(f"/api/v1/lists/{list_id}", headers=auth(steward_key)).json()
    assert [(v["version"], v["status"]) for v in detail["versions"]] == [(2, "failed"), (1, "active")]
    assert detail["active_version_id"] == detail["versions"][1]["id"]
    rejected = client.get(f"/api/v1/lists/{list_id}/rejections?format=json", headers=auth(steward_key))
    assert rejected.status_code == 200
    assert rejected.json()["total"] == 2


def test_the_configured_decompressed_size_bounds_a_workbook(
    app: FastAPI, client: TestClient, steward_key: str, auth: Auth, tmp_path: Path
) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["NIK", "Nama"])
    sheet.append(["3271055203850001", "Siti Aminah"])
    path = tmp_path / "kecil.xlsx"
    workbook.save(path)
    app.state.settings = app.state.settings.model_copy(update={"max_decompressed_bytes": 1000})
    response = upload(client, steward_key, auth, path)
    assert response.status_code == 413, response.text
    assert "the limit is 1,000" in response.json()["detail"]
    app.state.settings = app.state.settings.model_copy(update={"max_decompressed_bytes": 10_000_000})
    assert upload(client, steward_key, auth, path).status_code == 201


@pytest.mark.parametrize("length", [300, 5000])
def test_a_very_long_file_name_is_422(
    client: TestClient, steward_key: str, auth: Auth, tmp_path: Path, length: int
) -> None:
    response = client.post(
        "/api/v1/lists",
        headers=auth(steward_key),
        data=form(),
        files={"file": ("a" * length + ".csv", b"NIK,Nama\n3271055203850001,Siti\n")},
    )
    assert response.status_code == 422, response.text
    assert response.json()["max_file_name_chars"] == 255


def test_a_header_naming_nik_twice_is_refused_and_the_caller_may_choose(
    client: TestClient, steward_key: str, auth: Auth, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "dua.csv", [["NIK", "Nama", "NIK"], ["3271055203850001", "Siti", "3271055203850002"]]
    )
    response = upload(client, steward_key, auth, path)
    assert response.status_code == 422, response.text
    assert "2 columns for nik" in response.json()["detail"]
    assert client.get("/api/v1/lists", headers=auth(steward_key)).json() == []
    chosen = upload(client, steward_key, auth, path, columns='{"nik": 2}')
    assert chosen.status_code == 201, chosen.text
