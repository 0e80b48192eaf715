"""Uploads from browser forms: rosters and lists, row reports, rejections, versions, delete, misuse queue."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from httpx import Response
from sqlmodel import Session, select

from app.models import Agency, AuditEvent, MisuseReport, Roster, RosterVersion, WatchList
from app.services import ingestion
from tests import factories
from tests.web.support import alerts, csrf, log_in

ROSTER_CSV = (
    b"NIK,Nama,NIP,Unit Kerja\n"
    b"3271055203850001,Siti Aminah,198503122010012001,Dinas Pendidikan\n"
    b"12345,Budi Santoso,,Dinas Kesehatan\n"
    b"3271055203850001,Siti Aminah,,Dinas Pendidikan\n"
    b"3273011208900002,,,Sekretariat\n"
)
LIST_CSV = b"NIK,Nama Lengkap\n3271055203850001,SITI AMINAH\n3.27E+15,AGUS\n"


def upload(client: TestClient, page_url: str, action: str, content: bytes, **fields: str) -> Response:
    token = csrf(client.get(page_url).text)
    files = {"file": ("berkas.csv", content, "text/csv")}
    return client.post(action, data={"csrf_token": token, **fields}, files=files)


def test_an_operator_uploads_a_roster_and_sees_the_row_report(
    client: TestClient, session: Session, agency: Agency
) -> None:
    log_in(client, session, "operator", agency)
    page = upload(client, "/daftar-asn", "/daftar-asn", ROSTER_CSV, name="Pegawai Dinas")
    assert page.status_code == 200, page.text
    roster = session.exec(select(Roster).where(Roster.name == "Pegawai Dinas")).one()
    assert str(page.url).endswith(f"/daftar-asn/{roster.id}")
    html = page.text
    assert "Berkas selesai diproses" in html
    assert "baris diterima" in html
    # Each rejection with its line and an Indonesian reason.
    assert "Panjang NIK bukan 16 digit." in html
    assert "NIK yang sama sudah ada pada baris 2." in html
    assert "Nama kosong." in html

    [version_link] = {link for link in html.split('"') if link.startswith(f"/daftar-asn/{roster.id}/versi/")}
    download = client.get(version_link)
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    lines = download.text.lstrip("\ufeff").strip().splitlines()
    assert lines[0] == "baris,kode_alasan,alasan,isi_baris"
    assert len(lines) == 4
    assert lines[1].startswith("3,nik_wrong_length,")


def test_a_file_that_is_not_a_spreadsheet_is_explained_in_indonesian(
    client: TestClient, session: Session, agency: Agency
) -> None:
    log_in(client, session, "operator", agency)
    response = upload(client, "/daftar-asn", "/daftar-asn", b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    assert 400 <= response.status_code < 500
    [message] = alerts(response.text)
    assert "CSV" in message
    assert "file" not in message.lower().split()  # no English left over
    assert session.exec(select(Roster)).first() is None


def test_a_steward_uploads_a_list_a_new_version_and_deletes_it_with_confirmation(
    client: TestClient, session: Session
) -> None:
    log_in(client, session, "steward")
    page = upload(
        client,
        "/daftar-pembanding",
        "/daftar-pembanding",
        LIST_CSV,
        list_type="party_member",
        owner="Partai Uji",
        election="Pemilu 2029",
    )
    assert page.status_code == 200, page.text
    watch = session.exec(select(WatchList).where(WatchList.owner == "Partai Uji")).one()
    assert "Excel" in page.text  # the scientific-notation NIK's reason

    catalogue = client.get("/daftar-pembanding").text
    assert "Partai Uji" in catalogue
    assert "Pemilu 2029" in catalogue
    assert "Anggota partai politik" in catalogue

    again = upload(client, f"/daftar-pembanding/{watch.id}", f"/daftar-pembanding/{watch.id}/versi", LIST_CSV)
    assert "Berkas ini sama persis dengan yang sudah diunggah pada" in again.text  # same SHA-256: held back
    assert "“Partai Uji” versi 1" in again.text
    assert "(versi 2)" not in again.text
    second = upload(
        client, f"/daftar-pembanding/{watch.id}", f"/daftar-pembanding/{watch.id}/versi", LIST_CSV, tetap="1"
    )
    assert second.status_code == 200
    assert "(versi 2)" in second.text
    assert f"{len(LIST_CSV)} B" in second.text  # the file's size, as a file manager says it
    assert "WIB" in second.text
    assert "user:" not in second.text  # who uploaded, by name

    token = csrf(second.text)
    kept = client.post(
        f"/daftar-pembanding/{watch.id}/hapus", data={"csrf_token": token, "konfirmasi": "salah"}
    )
    assert "Daftar tidak dihapus" in kept.text
    session.refresh(watch)
    assert watch.deleted_at is None

    gone = client.post(
        f"/daftar-pembanding/{watch.id}/hapus", data={"csrf_token": token, "konfirmasi": "Partai Uji"}
    )
    assert gone.status_code == 200
    assert "dihapus" in gone.text
    session.refresh(watch)
    assert watch.deleted_at is not None
    assert client.get(f"/daftar-pembanding/{watch.id}").status_code == 404


def test_a_version_whose_worker_died_says_interrupted_and_shows_the_live_version(
    client: TestClient, session: Session, tmp_path: Path
) -> None:
    log_in(client, session, "steward")
    fields = {"list_type": "party_member", "owner": "Partai Putus", "election": "Pemilu 2029"}
    upload(client, "/daftar-pembanding", "/daftar-pembanding", LIST_CSV, **fields)
    watch = session.exec(select(WatchList).where(WatchList.owner == "Partai Putus")).one()
    assert watch.id is not None
    second = tmp_path / "v2.csv"
    second.write_bytes(LIST_CSV)
    factories.crashed_version(session, "list", watch.id, second, rows_seen=750_000)

    catalogue = client.get("/daftar-pembanding").text
    assert "Terputus" in catalogue
    assert "akan dilanjutkan otomatis paling lambat" in catalogue
    assert "versi aktif 1: 1" in catalogue  # the first file's one accepted row is what checks use
    for page in (f"/daftar-pembanding/{watch.id}", f"/daftar-pembanding/{watch.id}/status"):
        text = client.get(page).text
        assert "terputus" in text
        assert "setelah 750.000 baris terbaca" in text
        assert "Belum ada baris versi ini yang tersimpan" in text
        assert "pemeriksaan memakai versi 1" in text
        assert "Memproses berkas" not in text


def test_a_version_being_stored_shows_one_state_word_a_percentage_and_rows_done(
    client: TestClient, session: Session, tmp_path: Path
) -> None:
    log_in(client, session, "steward")
    fields = {"list_type": "party_member", "owner": "Partai Proses", "election": "Pemilu 2029"}
    upload(client, "/daftar-pembanding", "/daftar-pembanding", LIST_CSV, **fields)
    watch = session.exec(select(WatchList).where(WatchList.owner == "Partai Proses")).one()
    assert watch.id is not None
    second = tmp_path / "v2.csv"
    second.write_bytes(b"NIK,Nama\n" + b"3271050101900001,Agus\n" * 4000)
    assert ingestion.estimate_rows(second) == 4000
    workbook = tmp_path / "v2.xlsx"
    workbook.write_bytes(b"PK\x03\x04" + b"\n" * 10)
    assert ingestion.estimate_rows(workbook) is None  # a workbook's rows are not its lines
    assert ingestion.estimate_rows(tmp_path / "gone.csv") is None
    version, _job = ingestion.create_version(
        session, "list", watch.id, ingestion.describe_file(second), uploaded_by="test"
    )
    session.commit()

    queued = client.get(f"/daftar-pembanding/{watch.id}").text
    assert "Menunggu diproses: “v2.csv”" in queued
    assert "Sedang diproses" not in queued  # the card and the version table say the same

    version.status, version.rows_total, version.rows_processed = "processing", 4000, 1000
    session.add(version)
    session.commit()
    for page in (f"/daftar-pembanding/{watch.id}", f"/daftar-pembanding/{watch.id}/status"):
        text = client.get(page).text
        assert "Sedang diproses: “v2.csv” — 25%" in text
        assert "1.000 dari sekitar 4.000 baris terbaca" in text
        assert "Menunggu diproses" not in text


def test_an_operator_activates_a_roster_version_that_was_held_for_losing_most_rows(
    client: TestClient, session: Session, agency: Agency
) -> None:
    log_in(client, session, "operator", agency)
    full = b"NIK,Nama\n" + b"".join(f"32710501019{n:05d},Agus Salim\n".encode() for n in range(1, 11))
    upload(client, "/daftar-asn", "/daftar-asn", full, name="Pegawai Dinas")
    roster = session.exec(select(Roster).where(Roster.name == "Pegawai Dinas")).one()
    page_url = f"/daftar-asn/{roster.id}"

    held = upload(client, page_url, f"{page_url}/versi", b"NIK,Nama\n3271050101900001,Agus Salim\n")
    assert "belum dipakai" in held.text
    assert "Menunggu konfirmasi" in held.text
    assert "jauh lebih sedikit daripada versi aktif 1 (10 baris)" in held.text
    session.refresh(roster)
    first_version = roster.active_version_id

    token = csrf(held.text)
    version_id = session.exec(
        select(RosterVersion.id).where(RosterVersion.roster_id == roster.id, RosterVersion.version == 2)
    ).one()
    done = client.post(f"{page_url}/versi/{version_id}/aktifkan", data={"csrf_token": token})
    assert done.status_code == 200
    assert "Versi baru diaktifkan" in done.text
    session.refresh(roster)
    assert roster.active_version_id == version_id != first_version
    no_token = client.post(f"{page_url}/versi/{version_id}/buang", data={})
    assert no_token.status_code in (400, 403)


def test_a_list_form_with_a_missing_field_says_which(client: TestClient, session: Session) -> None:
    log_in(client, session, "steward")
    response = upload(
        client,
        "/daftar-pembanding",
        "/daftar-pembanding",
        LIST_CSV,
        list_type="supporter",
        owner="",
        election="X",
    )
    assert response.status_code == 422
    assert alerts(response.text) == ["Partai atau calon wajib diisi."]
    assert 'value="X"' in response.text  # what was typed is kept


def test_stewards_work_the_misuse_queue(client: TestClient, session: Session) -> None:
    report = MisuseReport(
        nik_masked="3271********0001",
        nik_digest="d" * 64,
        contact="siti@example.org",
        statement="Saya tidak daftar.",
    )
    session.add(report)
    session.commit()
    log_in(client, session, "steward")
    queue = client.get("/laporan-penyalahgunaan")
    assert queue.status_code == 200
    assert "3271********0001" in queue.text

    detail = client.get(f"/laporan-penyalahgunaan/{report.id}")
    assert "siti@example.org" in detail.text
    changed = client.post(
        f"/laporan-penyalahgunaan/{report.id}",
        data={"csrf_token": csrf(detail.text), "status": "in_review", "catatan": "Dihubungi"},
    )
    assert "Laporan diperbarui." in changed.text
    session.refresh(report)
    assert report.status == "in_review"

    refused = client.post(
        f"/laporan-penyalahgunaan/{report.id}",
        data={"csrf_token": csrf(detail.text), "status": "open", "catatan": "Dihubungi"},
    )
    assert refused.status_code == 200
    session.refresh(report)
    assert report.status == "open"  # in_review -> open is allowed
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "misuse_report.update")).first()


def test_auditors_read_the_misuse_queue_but_cannot_change_it(client: TestClient, session: Session) -> None:
    report = MisuseReport(nik_masked="3271********0001", nik_digest="e" * 64, contact="x", statement="y")
    session.add(report)
    session.commit()
    log_in(client, session, "auditor")
    detail = client.get(f"/laporan-penyalahgunaan/{report.id}")
    assert detail.status_code == 200
    assert "Tindak lanjut" not in detail.text
    response = client.post(
        f"/laporan-penyalahgunaan/{report.id}", data={"csrf_token": csrf(detail.text), "status": "resolved"}
    )
    assert "tidak memiliki hak akses" in alerts(response.text)[0]
    session.refresh(report)
    assert report.status == "open"


def test_a_very_long_file_name_is_refused_in_indonesian_not_a_500(
    client: TestClient, session: Session, agency: Agency
) -> None:
    log_in(client, session, "operator", agency)
    for length in (300, 5000):  # past the column, and past the multipart parser's header bound
        token = csrf(client.get("/daftar-asn").text)
        files = {"file": ("a" * length + ".csv", ROSTER_CSV, "text/csv")}
        response = client.post("/daftar-asn", data={"csrf_token": token}, files=files)
        assert response.status_code == 422, response.text
        [message] = alerts(response.text)
        assert "Nama berkas terlalu panjang" in message
    assert session.exec(select(Roster)).first() is None


def test_the_list_form_offers_known_owners_and_a_different_case_joins_the_same_owner(
    client: TestClient, session: Session
) -> None:
    log_in(client, session, "steward")
    fields = {"list_type": "party_member", "owner": "Partai Contoh", "election": "Pemilu 2029"}
    upload(client, "/daftar-pembanding", "/daftar-pembanding", LIST_CSV, **fields)
    page = client.get("/daftar-pembanding").text
    assert '<datalist id="known-owners"><option value="Partai Contoh"></datalist>' in page
    assert 'list="known-elections"' in page

    typo = {"list_type": "supporter", "owner": "  partai   CONTOH ", "election": "pemilu 2029"}
    upload(client, "/daftar-pembanding", "/daftar-pembanding", LIST_CSV, **typo)
    owners = {w.owner for w in session.exec(select(WatchList)).all()}
    elections = {w.election for w in session.exec(select(WatchList)).all()}
    assert (owners, elections) == ({"Partai Contoh"}, {"Pemilu 2029"})


def test_the_same_roster_file_twice_is_held_back_saying_when_and_by_whom_within_the_agency(
    client: TestClient, session: Session, agency: Agency
) -> None:
    log_in(client, session, "operator", agency)
    upload(client, "/daftar-asn", "/daftar-asn", ROSTER_CSV, name="Pegawai Dinas")
    twice = upload(client, "/daftar-asn", "/daftar-asn", ROSTER_CSV, name="Pegawai Dinas lagi")
    assert twice.status_code == 409
    assert "Berkas ini sama persis dengan yang sudah diunggah" in twice.text
    assert "“Pegawai Dinas” versi 1" in twice.text
    assert session.exec(select(Roster).where(Roster.name == "Pegawai Dinas lagi")).first() is None
    anyway = upload(client, "/daftar-asn", "/daftar-asn", ROSTER_CSV, name="Pegawai Dinas lagi", tetap="1")
    assert anyway.status_code == 200
    assert session.exec(select(Roster).where(Roster.name == "Pegawai Dinas lagi")).first() is not None

    other = TestClient(client.app)
    log_in(other, session, "operator", factories.create_agency(session))
    elsewhere = upload(other, "/daftar-asn", "/daftar-asn", ROSTER_CSV, name="Roster lain")
    assert "Berkas ini sama persis" not in elsewhere.text  # another agency's uploads are not revealed
