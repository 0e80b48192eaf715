"""Operator, auditor and steward pages through the TestClient: roles, tenancy, CSRF, Indonesian errors."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlmodel import Session, select

from app import db
from app.models import Agency, AuditEvent, CheckRun, Finding, ListEntry, MisuseReport
from app.services import agencies, ingestion
from app.worker import Worker
from tests import factories
from tests.check_data import World, drain_checks, make_world
from tests.web.support import alerts, csrf, log_in


@pytest.fixture
def world(session: Session, agency: Agency) -> World:
    return make_world(session, agency)


def start_run(client: TestClient, session: Session, world: World) -> int:
    page = client.get(f"/daftar-asn/{world.roster.parent_id}")
    assert page.status_code == 200, page.text
    form = {"csrf_token": csrf(page.text), "roster_id": str(world.roster.parent_id)}
    response = client.post("/pemeriksaan", data=form, follow_redirects=False)
    assert response.status_code == 303, response.text
    drain_checks(session)
    return int(response.headers["location"].rsplit("/", 1)[1])


def finding_ids(session: Session, run_id: int) -> dict[str, int]:
    rows = session.exec(select(Finding).where(Finding.run_id == run_id)).all()
    return {row.kind: row.id or 0 for row in rows}


@pytest.mark.parametrize(
    ("role", "links", "absent"),
    [
        ("operator", ["/daftar-asn", "/pemeriksaan", "/cek-nik"], ["/daftar-pembanding"]),
        ("steward", ["/daftar-pembanding", "/laporan-penyalahgunaan", "/cek-nik"], ["/daftar-asn"]),
        ("auditor", ["/pemeriksaan", "/laporan-penyalahgunaan", "/cek-nik"], ["/daftar-pembanding"]),
    ],
)
def test_each_role_lands_on_its_own_links(
    client: TestClient, session: Session, agency: Agency, role: str, links: list[str], absent: list[str]
) -> None:
    log_in(client, session, role, agency if role == "operator" else None)
    home = client.get("/")
    assert home.status_code == 200
    assert 'lang="id"' in home.text
    for link in links:
        assert f'href="{link}"' in home.text
    for link in absent:
        assert f'href="{link}"' not in home.text


def test_login_page_links_the_public_self_check(client: TestClient) -> None:
    assert 'href="/cek-nik"' in client.get("/login").text


@pytest.mark.parametrize("url", ["/daftar-pembanding", "/daftar-pembanding/1", "/laporan-penyalahgunaan"])
def test_an_operator_cannot_open_steward_pages(
    client: TestClient, session: Session, agency: Agency, url: str
) -> None:
    log_in(client, session, "operator", agency)
    response = client.get(url)
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("text/html")
    assert "Halaman ini hanya untuk pengelola daftar" in response.text


@pytest.mark.parametrize("url", ["/daftar-asn", "/pemeriksaan"])
def test_a_steward_cannot_open_operator_pages(client: TestClient, session: Session, url: str) -> None:
    log_in(client, session, "steward")
    response = client.get(url)
    assert response.status_code == 403
    assert "Anda masuk sebagai pengelola daftar" in response.text


def test_pages_send_anonymous_visitors_to_login(client: TestClient) -> None:
    response = client.get("/pemeriksaan/1", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/pemeriksaan/1"


def test_another_agencys_run_and_finding_are_404_pages(
    client: TestClient, session: Session, world: World
) -> None:
    log_in(client, session, "operator", world.agency)
    run_id = start_run(client, session, world)
    finding_id = next(iter(finding_ids(session, run_id).values()))

    client.cookies.clear()
    log_in(client, session, "operator", factories.create_agency(session))
    for url in (
        f"/pemeriksaan/{run_id}",
        f"/pemeriksaan/{run_id}/temuan.xlsx",
        f"/pemeriksaan/{run_id}/ringkasan",
        f"/temuan/{finding_id}",
        f"/daftar-asn/{world.roster.parent_id}",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.headers["content-type"].startswith("text/html"), url
        assert "tidak ditemukan" in response.text, url
        assert "not found" not in response.text.lower(), url


def test_unknown_pages_get_an_indonesian_html_404(client: TestClient) -> None:
    response = client.get("/tidak-ada")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "Data yang Anda cari tidak ditemukan" in response.text


def test_a_form_without_a_valid_csrf_token_is_refused(
    client: TestClient, session: Session, world: World
) -> None:
    log_in(client, session, "operator", world.agency)
    form = {"csrf_token": "palsu", "roster_id": str(world.roster.parent_id)}
    response = client.post("/pemeriksaan", data=form)
    assert response.status_code == 403
    assert "Formulir kedaluwarsa atau tidak sah" in response.text
    assert session.exec(select(CheckRun)).first() is None


def test_an_upload_without_a_valid_csrf_token_is_refused(client: TestClient, session: Session) -> None:
    log_in(client, session, "steward")
    files = {"file": ("daftar.csv", b"NIK,Nama\n3271055203850001,Siti\n", "text/csv")}
    form = {"csrf_token": "palsu", "list_type": "supporter", "owner": "Calon", "election": "Pilkada"}
    response = client.post("/daftar-pembanding", data=form, files=files)
    assert response.status_code == 403
    assert "Formulir kedaluwarsa" in response.text


def test_run_page_shows_counts_chart_filters_and_a_sortable_paged_table(
    client: TestClient, session: Session, world: World
) -> None:
    log_in(client, session, "operator", world.agency)
    run_id = start_run(client, session, world)
    page = client.get(f"/pemeriksaan/{run_id}")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    html = page.text
    assert "<svg" in html
    assert "Temuan per partai atau calon" in html
    assert "Partai Contoh" in html
    assert "Calon Dua" in html
    assert 'aria-sort="descending"' in html  # default: best score first
    # The full NIK is not in the table, only its masked form.
    assert "3271055203850001" not in html
    assert "3271********0001" in html

    filtered = client.get(f"/pemeriksaan/{run_id}", params={"pemilik": "Calon Dua"}).text
    rows = re.findall(r'<a href="/temuan/(\d+)" aria-label', filtered)
    assert len(rows) == 1
    by_unit = client.get(f"/pemeriksaan/{run_id}", params={"unit": "pendidikan"}).text
    assert "Tidak ada temuan yang sesuai saringan" not in by_unit  # part of "Dinas Pendidikan", any case
    assert '<datalist id="units">' in by_unit
    assert re.search(r'<option value="Dinas Pendidikan" label="Dinas Pendidikan \(\d+ temuan\)">', by_unit)
    ascending = client.get(f"/pemeriksaan/{run_id}", params={"urut": "skor_naik"}).text
    assert 'aria-sort="ascending"' in ascending
    # An edited URL with an unknown filter value is ignored, not an error page.
    assert client.get(f"/pemeriksaan/{run_id}", params={"kelas": "bogus"}).status_code == 200


def test_exports_are_for_people_in_excel_and_honour_the_filters(
    client: TestClient, session: Session, world: World
) -> None:
    log_in(client, session, "operator", world.agency)
    run_id = start_run(client, session, world)
    everything = client.get(f"/pemeriksaan/{run_id}/temuan.csv")
    assert everything.status_code == 200
    assert everything.headers["content-disposition"].startswith("attachment")
    assert everything.content.startswith(b"\xef\xbb\xbf")  # Excel reads the UTF-8 as UTF-8
    text = everything.content.decode("utf-8-sig")
    assert len(text.strip().splitlines()) == 1 + len(finding_ids(session, run_id))
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))  # the list separator of id-ID Excel
    assert "NIK (daftar ASN)" in rows[0]
    assert "Penjelasan" in rows[0]
    assert "NIK sama persis" in text  # explanations for people, in Indonesian
    assert "identical NIK" not in text
    exact = next(r for r in rows if r["Jenis kecocokan"] == "NIK sama, nama sesuai")
    assert (exact["Kelas"], exact["Status tinjauan"]) == ("Pasti", "Belum ditinjau")
    assert re.fullmatch(r'="\d{16}"', exact["NIK (daftar ASN)"])  # text in Excel: all 16 digits stay
    assert re.fullmatch(r"\d,\d{1,4}", exact["Skor"])  # decimal comma

    workbook_bytes = client.get(f"/pemeriksaan/{run_id}/temuan.xlsx", params={"daftar": "supporter"}).content
    sheet = load_workbook(io.BytesIO(workbook_bytes)).active
    assert sheet is not None
    table = list(sheet.iter_rows(values_only=True))
    header, data = table[0], table[1:]
    assert len(data) == 1
    assert data[0][header.index("Partai / calon")] == "Calon Dua"
    assert data[0][header.index("Jenis daftar")] == "Pendukung calon"
    assert data[0][header.index("NIK (daftar ASN)")] == "3273011208900002"  # text, all 16 digits
    assert isinstance(data[0][header.index("Skor")], float)  # a number Excel formats by locale
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref is not None
    assert sheet.auto_filter.ref.startswith("A1:")
    assert sheet.column_dimensions["U"].width >= 60  # the explanation column is wide enough to read


def test_finding_detail_marks_differences_and_review_needs_a_reason_to_dismiss(
    client: TestClient, session: Session, world: World
) -> None:
    log_in(client, session, "operator", world.agency)
    run_id = start_run(client, session, world)
    ids = finding_ids(session, run_id)

    one_digit = client.get(f"/temuan/{ids['nik_one_digit']}").text
    # ...0002 against ...0020: the two swapped digits, marked on each side.
    assert one_digit.count('<mark class="diff" title="berbeda">') == 4

    detail = client.get(f"/temuan/{ids['nik_exact']}")
    assert detail.status_code == 200
    assert "Gelar diabaikan" in detail.text
    assert "Dra." in detail.text
    assert "NIK sama persis" in detail.text
    assert "kemiripan 1,00" in detail.text
    assert "skor 1,00" in detail.text
    for english in ("identical NIK", "similarity", "on both sides", 'lang="en"'):
        assert english not in detail.text

    refused = client.post(
        f"/temuan/{ids['nik_exact']}/tinjau",
        data={"csrf_token": csrf(detail.text), "keputusan": "tolak", "alasan": "  "},
    )
    assert refused.status_code == 422
    assert "Tuliskan alasan mengapa temuan ini ditolak." in alerts(refused.text)

    confirmed = client.post(
        f"/temuan/{ids['nik_exact']}/tinjau",
        data={"csrf_token": csrf(detail.text), "keputusan": "konfirmasi", "alasan": "Sudah dicek ke BKD"},
    )
    assert confirmed.status_code == 200  # after the redirect
    assert "dikonfirmasi sebagai dugaan pelanggaran" in confirmed.text
    assert "Belum ditinjau → Dikonfirmasi" in confirmed.text  # the audit history
    finding = session.get(Finding, ids["nik_exact"])
    assert finding is not None
    session.refresh(finding)
    assert finding.review_status == "confirmed"
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "finding.review")).first() is not None

    summary = client.get(f"/pemeriksaan/{run_id}/ringkasan").text
    assert "Dugaan pelanggaran netralitas (1)" in summary
    assert "@media print" not in summary  # print styles live in app.css
    assert "baris 2" in summary  # the roster row's source line
    assert "NIK sama persis" in summary
    assert "identical NIK" not in summary
    assert re.search(r"\d\d-\d\d-\d{4} \d\d:\d\d WIB", summary)  # never the server's UTC
    assert "user:" not in summary  # who confirmed, as a name


def test_a_check_that_cannot_start_explains_why_in_indonesian(
    client: TestClient, session: Session, world: World
) -> None:
    log_in(client, session, "operator", world.agency)
    page = client.get(f"/daftar-asn/{world.roster.parent_id}")
    form = {"csrf_token": csrf(page.text), "roster_id": str(world.roster.parent_id), "election": "Tidak Ada"}
    response = client.post("/pemeriksaan", data=form)
    assert response.status_code == 200  # back on the roster page
    [alert] = alerts(response.text)
    assert alert.startswith("Belum ada daftar partai atau pendukung yang aktif untuk pilihan ini.")


def test_the_print_stylesheet_hides_navigation() -> None:
    from app.web import STATIC_DIR

    css = (STATIC_DIR / "app.css").read_text()
    assert "@media print" in css
    assert "focus-visible" in css


def test_a_conflict_has_its_own_review_path_and_a_misused_nik_is_not_a_violation(
    client: TestClient, session: Session, world: World
) -> None:
    log_in(client, session, "operator", world.agency)
    run_id = start_run(client, session, world)
    ids = finding_ids(session, run_id)
    conflict = client.get(f"/temuan/{ids['nik_match_name_mismatch']}").text
    assert "Tinjau konflik: NIK sama, nama berbeda" in conflict
    assert "NIK dicatut" in conflict
    assert "helpdesk KPU" in conflict
    assert "Tinjau temuan</h2>" not in conflict  # not the generic path

    done = client.post(
        f"/temuan/{ids['nik_match_name_mismatch']}/tinjau",
        data={
            "csrf_token": csrf(conflict),
            "keputusan": "dicatut",
            "alasan": "Pegawai menyatakan tidak mendaftar",
        },
    )
    assert done.status_code == 200
    assert "ditandai NIK dicatut" in done.text
    assert "Keputusan: NIK dicatut" in done.text  # the decision made, not two fresh forms
    assert "<summary>Ubah keputusan</summary>" in done.text
    following = re.search(r'href="/temuan/(\d+)">Temuan berikutnya', done.text)
    assert following is not None
    assert int(following.group(1)) in set(ids.values()) - {ids["nik_match_name_mismatch"]}
    finding = session.get(Finding, ids["nik_match_name_mismatch"])
    assert finding is not None
    session.refresh(finding)
    assert finding.review_status == "misused"

    summary = client.get(f"/pemeriksaan/{run_id}/ringkasan").text
    assert "NIK dicatut (1)" in summary
    assert "Dugaan pelanggaran netralitas (0)" in summary  # a misused NIK is not counted as a violation

    generic = client.get(f"/temuan/{ids['nik_exact']}").text
    assert "Tinjau temuan</h2>" in generic
    assert "Tinjau konflik" not in generic

    auditor = TestClient(client.app)
    log_in(auditor, session, "auditor")
    read_only = auditor.get(f"/temuan/{ids['nik_exact']}").text
    assert "Perbandingan baris" in read_only
    assert "/tinjau" not in read_only  # auditors read; the agency decides


def test_a_misuse_report_shows_on_its_findings_and_the_report_links_the_list_row_and_findings(
    client: TestClient, session: Session, world: World
) -> None:
    log_in(client, session, "operator", world.agency)
    run_id = start_run(client, session, world)
    finding = session.get(Finding, finding_ids(session, run_id)["nik_exact"])
    assert finding is not None
    entry = session.get(ListEntry, finding.list_entry_id)
    assert entry is not None
    assert entry.nik is not None
    assert "Ada laporan NIK dicatut" not in client.get(f"/temuan/{finding.id}").text

    answer = client.post("/cek-nik", data={"nik": entry.nik}).text
    token = re.search(r'name="token" value="([^"]+)"', answer)
    list_id = re.search(r'name="list_id" value="(\d+)"', answer)
    assert token is not None
    assert list_id is not None
    filed = client.post(
        "/cek-nik/laporan",
        data={
            "token": token.group(1),
            "list_id": list_id.group(1),
            "contact": "0812-3456-7890",
            "statement": "x",
        },
    )
    assert filed.status_code == 200, filed.text
    report = session.exec(select(MisuseReport)).one()
    assert (report.list_entry_id, report.list_line) == (entry.id, entry.line)

    page = client.get(f"/temuan/{finding.id}").text
    assert "Ada laporan NIK dicatut untuk NIK ini" in page
    assert f"laporan #{report.id}" in page
    assert "0812" not in page  # the reporter's contact stays with the stewards

    auditor = TestClient(client.app)
    log_in(auditor, session, "auditor")
    staff = auditor.get(f"/laporan-penyalahgunaan/{report.id}").text
    assert f'<a href="/temuan/{finding.id}">temuan #{finding.id}</a>' in staff
    assert f"baris {entry.line} berkasnya" in staff


def test_the_printed_summary_carries_the_agency_letterhead_signatures_and_page_numbers(
    client: TestClient, session: Session, world: World
) -> None:
    agencies.set_letterhead(
        session,
        world.agency.code,
        {
            "parent_body": "Pemerintah Kota Contoh",
            "address": "Jl. Merdeka 1, Kota Contoh",
            "city": "Kota Contoh",
            "signatory_title": "Kepala BKPSDM Kota Contoh",
        },
    )
    log_in(client, session, "operator", world.agency)
    run_id = start_run(client, session, world)
    summary = client.get(f"/pemeriksaan/{run_id}/ringkasan").text
    assert '<p class="parent">PEMERINTAH KOTA CONTOH</p>' in summary
    assert f'<p class="agency">{world.agency.name.upper()}</p>' in summary
    assert "Jl. Merdeka 1, Kota Contoh" in summary
    assert re.search(
        r"Kota Contoh, \d{1,2} (Januari|Februari|Maret|April|Mei|Juni|Juli|Agustus|September|"
        r"Oktober|November|Desember) \d{4}",
        summary,
    )
    assert "Kepala BKPSDM Kota Contoh" in summary
    assert summary.count("NIP. ....") == 2  # the reviewer's and the signatory's
    css = client.get("/static/app.css").text
    assert 'counter(page) " dari " counter(pages)' in css
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "agency.letterhead")).one()
    assert event.detail["city"] == "Kota Contoh"


def test_a_new_list_version_says_what_changed_which_rosters_were_rechecked_and_with_what_result(
    client: TestClient, session: Session, world: World, tmp_path: Path
) -> None:
    log_in(client, session, "operator", world.agency)
    first_run = start_run(client, session, world)
    path = tmp_path / "sipol-v2.csv"
    path.write_text(
        "NIK;Nama\n'3271055203850001;Siti Aminah\n'3273011208900002;Agus Suprianto\n", encoding="utf-8"
    )
    version, _job = ingestion.create_version(
        session, "list", world.party.parent_id, ingestion.describe_file(path), uploaded_by="test"
    )
    session.commit()
    assert version.id is not None
    assert ingestion.process_version(db.get_bind(), "list", version.id, path).version.status == "active"
    drain_checks(session)
    Worker(db.get_bind(), kinds=[ingestion.CHANGES_JOB]).drain()
    session.refresh(version)
    assert (version.rows_added, version.rows_removed) == (1, 1)  # Agus came, the misused NIK went

    recheck = session.exec(select(CheckRun).where(CheckRun.trigger == "list_version")).one()
    assert recheck.trigger_version_id == version.id
    run_page = client.get(f"/pemeriksaan/{recheck.id}").text
    assert "Pemeriksaan ulang otomatis" in run_page
    assert "daftar Partai Contoh diperbarui ke versi 2" in run_page
    assert f'<a href="/pemeriksaan/{first_run}">pemeriksaan #{first_run}</a>' in run_page
    assert re.search(r"<strong>1 baru</strong> · 1 selesai \(hilang dari daftar\) · 2 tetap", run_page)
    assert "Daftar diperbarui: Partai Contoh versi 2" in client.get("/pemeriksaan").text

    steward = TestClient(client.app)
    log_in(steward, session, "steward")
    list_page = steward.get(f"/daftar-pembanding/{world.party.parent_id}").text
    assert "<strong>1 NIK baru</strong>, <strong>1 NIK tidak ada lagi</strong>" in list_page
    assert "Pemeriksaan ulang</h2>" in list_page
    assert f"Pemeriksaan #{recheck.id}" in list_page
    assert "1 baru, 1 selesai, 2 tetap" in list_page
