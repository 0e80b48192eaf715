"""The issue's journey in a real browser: log in, upload the demo roster, run a check, open a finding,
confirm it, export XLSX and read it back, print summary, steward pages, the public self-check on a phone."""

from __future__ import annotations

import csv
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import DEMO_PASSWORD, LiveServer

pytestmark = pytest.mark.browser

# Generous: the worker polls for jobs and the runner may be busy; nothing here measures speed.
SLOW = 90_000


@pytest.fixture
def page(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    context = browser.new_context(base_url=live_server.url, accept_downloads=True, locale="id-ID")
    context.set_default_timeout(30_000)
    page = context.new_page()
    # The pages' CSP allows only our own scripts and styles: anything it blocks shows in the console.
    blocked: list[str] = []
    page.on(
        "console",
        lambda message: blocked.append(message.text) if "Content Security Policy" in message.text else None,
    )
    try:
        yield page
    finally:
        context.close()
    assert blocked == []


def log_in(page: Page, username: str) -> None:
    page.goto("/login")
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    expect(page.get_by_role("heading", name=re.compile("Selamat datang"))).to_be_visible()


def test_operator_uploads_checks_reviews_and_exports(
    page: Page, live_server: LiveServer, screenshots: Path, tmp_path: Path
) -> None:
    log_in(page, "operator.demo")
    expect(page.get_by_role("link", name="Cek NIK").first).to_be_visible()
    page.screenshot(path=screenshots / "01-beranda-operator.png", full_page=True)

    # Upload the demo roster through the form (the script sends it with a progress bar).
    page.get_by_role("navigation", name="Menu utama").get_by_role("link", name="Daftar ASN").click()
    page.get_by_label("Nama daftar").fill("Daftar ASN uji peramban")
    page.locator("#roster-file").set_input_files(live_server.demo_dir / "roster_asn.csv")
    page.screenshot(path=screenshots / "02-unggah-daftar-asn.png", full_page=True)
    page.get_by_role("button", name="Unggah dan proses").click()
    expect(page.get_by_role("heading", name="Daftar ASN uji peramban")).to_be_visible(timeout=SLOW)
    expect(page.get_by_text("Laporan baris")).to_be_visible(timeout=SLOW)
    expect(page.locator(".stats")).to_contain_text("baris diterima")
    page.screenshot(path=screenshots / "03-laporan-baris.png", full_page=True)

    # Start a check and watch its progress until htmx reloads the page with the findings.
    page.get_by_role("button", name="Mulai pemeriksaan").click()
    expect(page).to_have_url(re.compile(r"/pemeriksaan/\d+$"))
    expect(page.locator("#findings")).to_be_visible(timeout=SLOW)
    expect(page.locator("svg[role=img]")).to_be_visible()
    page.screenshot(path=screenshots / "04-hasil-pemeriksaan.png", full_page=True)
    run_url = page.url

    # Filter on one class, then open the first finding of that class.
    page.get_by_label("Kelas", exact=True).select_option("confirmed")
    page.get_by_role("button", name="Terapkan").click()
    expect(page).to_have_url(re.compile(r"kelas=confirmed"))
    page.locator("#findings tbody a[aria-label^='Buka temuan']").first.click()
    expect(page.get_by_role("heading", name=re.compile(r"Temuan #\d+"))).to_be_visible()
    expect(page.get_by_text("Perbandingan baris")).to_be_visible()
    page.screenshot(path=screenshots / "05-detail-temuan.png", full_page=True)

    # Dismissing needs a reason (the browser enforces it too); confirm instead.
    page.get_by_role("button", name="Konfirmasi sebagai dugaan pelanggaran").click()
    expect(page.locator(".alert.success")).to_contain_text("dikonfirmasi sebagai dugaan pelanggaran")
    expect(page.locator("#keputusan")).to_contain_text("Keputusan: Dikonfirmasi")
    expect(page.locator(".timeline")).to_contain_text("Dikonfirmasi")
    expect(page.get_by_role("button", name="Konfirmasi sebagai dugaan pelanggaran")).to_be_hidden()  # folded
    page.screenshot(path=screenshots / "06-temuan-dikonfirmasi.png", full_page=True)

    # A conflict (same NIK, another name) has its own path: the ASN never registered, so "NIK dicatut".
    page.goto(f"{run_url}?kelas=conflict")
    page.locator("#findings tbody a[aria-label^='Buka temuan']").first.click()
    expect(page.get_by_role("heading", name="Tinjau konflik: NIK sama, nama berbeda")).to_be_visible()
    page.screenshot(path=screenshots / "06b-tinjau-konflik.png", full_page=True)
    page.locator("#alasan-dicatut").fill("Pegawai menyatakan tidak pernah mendaftar")
    page.get_by_role("button", name="Tandai NIK dicatut").click()
    expect(page.locator("#keputusan")).to_contain_text("Keputusan: NIK dicatut")
    page.screenshot(path=screenshots / "06c-konflik-nik-dicatut.png", full_page=True)
    decided = page.url
    page.get_by_role("link", name=re.compile("Temuan berikutnya")).click()
    expect(page.get_by_role("heading", name=re.compile(r"Temuan #\d+"))).to_be_visible()
    assert page.url != decided

    # Export the confirmed findings as XLSX and read the file back.
    page.goto(f"{run_url}?tinjauan=confirmed")
    with page.expect_download() as download_info:
        page.locator("#export-xlsx").click()
    saved = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(saved)
    workbook = load_workbook(saved, read_only=True)
    sheet = workbook.active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    workbook.close()  # left open, its file is closed by the GC during a later test: a ResourceWarning error
    header = rows[0]
    assert len(rows) == 2, rows  # exactly the one confirmed finding: the export honours the filter
    assert rows[1][header.index("Status tinjauan")] == "Dikonfirmasi"
    nik = rows[1][header.index("NIK (daftar ASN)")]
    assert isinstance(nik, str)
    assert re.fullmatch(r"\d{16}", nik)

    # The printable summary lists it as a suspected neutrality violation.
    page.goto(f"{run_url}/ringkasan")
    expect(
        page.get_by_role("heading", name=re.compile("Dugaan pelanggaran netralitas \\(1\\)"))
    ).to_be_visible()
    page.emulate_media(media="print")
    expect(page.locator("header.site")).to_be_hidden()
    page.screenshot(path=screenshots / "07-ringkasan-cetak.png", full_page=True)
    page.emulate_media(media="screen")


def test_operator_gets_an_indonesian_403_page_for_steward_pages(page: Page, screenshots: Path) -> None:
    log_in(page, "operator.demo")
    response = page.goto("/daftar-pembanding")
    assert response is not None
    assert response.status == 403
    expect(page.get_by_role("alert")).to_contain_text("Halaman ini hanya untuk pengelola daftar")
    page.screenshot(path=screenshots / "08-akses-ditolak.png", full_page=True)


def test_steward_sees_the_catalogue_and_a_list(page: Page, screenshots: Path) -> None:
    log_in(page, "steward.demo")
    page.get_by_role("navigation", name="Menu utama").get_by_role(
        "link", name=re.compile("Daftar partai")
    ).click()
    table = page.get_by_role("table", name="Katalog daftar")
    expect(table).to_contain_text("Partai Contoh (demo)")
    expect(table).to_contain_text("Calon DPD Contoh (demo)")
    page.screenshot(path=screenshots / "09-katalog-daftar.png", full_page=True)
    table.get_by_role("link", name="Partai Contoh (demo)").click()
    expect(page.get_by_role("table", name="Riwayat versi berkas")).to_contain_text("daftar_party_member.csv")
    page.screenshot(path=screenshots / "10-detail-daftar.png", full_page=True)
    page.get_by_role("navigation", name="Menu utama").get_by_role("link", name="Laporan NIK dicatut").click()
    expect(page.get_by_role("heading", name="Laporan NIK dicatut")).to_be_visible()
    page.screenshot(path=screenshots / "11-laporan-nik-dicatut.png", full_page=True)


def test_the_public_self_check_on_a_phone(
    browser: Browser, live_server: LiveServer, screenshots: Path
) -> None:
    with (live_server.demo_dir / "daftar_supporter.csv").open(encoding="utf-8") as handle:
        listed_nik = next(row["NIK"] for row in csv.DictReader(handle) if len(row["NIK"]) == 16)
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    try:
        page = context.new_page()
        page.goto("/login")
        page.get_by_role("link", name="Cek NIK").first.click()
        expect(page.get_by_role("heading", name="Cek NIK")).to_be_visible()
        page.get_by_label(re.compile("^NIK")).fill(listed_nik)
        page.screenshot(path=screenshots / "12-cek-nik-ponsel.png", full_page=True)
        page.get_by_role("button", name=re.compile("Periksa|Cek")).click()
        expect(page.get_by_role("heading", name="Hasil Cek NIK")).to_be_visible()
        expect(page.get_by_text("tercatat", exact=True).first).to_be_visible()
        assert listed_nik not in page.content()  # echoed masked only
        page.screenshot(path=screenshots / "13-hasil-cek-nik-ponsel.png", full_page=True)
        # Nothing wider than the phone's screen.
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390

        # A report of a misused NIK needs a reachable contact, and gives a receipt code to follow it with.
        page.get_by_label(re.compile("^Kontak")).fill("abc")
        page.get_by_role("button", name="Kirim laporan").click()
        expect(page.get_by_role("alert")).to_contain_text("nomor telepon")
        page.get_by_label(re.compile("^Kontak")).fill("0812-3456-7890")  # the form again, as filled
        page.get_by_role("button", name="Kirim laporan").click()
        code = page.locator("#kode-tanda-terima").inner_text()
        assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", code)
        page.screenshot(path=screenshots / "14-tanda-terima-laporan.png", full_page=True)
        page.get_by_role("link", name="melihat status laporan").click()
        page.get_by_label(re.compile("^Kode tanda terima")).fill(code)
        page.get_by_role("button", name="Lihat status").click()
        expect(page.get_by_text("Diterima, menunggu ditinjau")).to_be_visible()
        page.screenshot(path=screenshots / "15-status-laporan.png", full_page=True)
    finally:
        context.close()


def _look_up(page: Page, nik: str) -> None:
    page.get_by_label(re.compile("^NIK")).fill(nik)
    page.get_by_role("button", name=re.compile("Periksa|Cek")).click()
    expect(page.get_by_role("heading", name="Hasil Cek NIK")).to_be_visible()


def test_the_browser_solves_the_proof_of_work_once_look_ups_need_it(
    browser: Browser, live_server: LiveServer
) -> None:
    """Past the free look-ups the page's script solves the shipped challenge by itself, and "Periksa"
    goes through: on a desktop, then on a phone-sized screen (same address, so the challenge is there)."""
    with (live_server.demo_dir / "daftar_supporter.csv").open(encoding="utf-8") as handle:
        listed_nik = next(row["NIK"] for row in csv.DictReader(handle) if len(row["NIK"]) == 16)
    phone = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
    for screen in ({}, phone):
        context = browser.new_context(base_url=live_server.url, locale="id-ID", **screen)  # type: ignore[arg-type]
        context.set_default_timeout(60_000)
        try:
            page = context.new_page()
            for _ in range(4):  # the address's free look-ups (3 an hour by default) until the challenge shows
                page.goto("/cek-nik")
                if page.locator("#altcha").count():
                    break
                _look_up(page, listed_nik)
            expect(page.locator("#altcha")).to_have_count(1)
            expect(page.locator("#altcha-status")).to_have_text("Verifikasi selesai.", timeout=60_000)
            assert page.locator("#text-challenge").is_hidden()  # the script hid the question it made needless
            _look_up(page, listed_nik)
        finally:
            context.close()


def test_a_form_sent_after_the_session_ended_comes_back_filled_in_after_login(
    page: Page, live_server: LiveServer
) -> None:
    log_in(page, "operator.demo")
    page.get_by_role("navigation", name="Menu utama").get_by_role("link", name="Daftar ASN").click()
    page.locator("table a[href^='/daftar-asn/']").first.click()
    page.get_by_role("button", name="Mulai pemeriksaan").click()
    expect(page.locator("#findings")).to_be_visible(timeout=SLOW)
    page.locator("#findings tbody a[aria-label^='Buka temuan']").first.click()
    finding_url = page.url

    # The session ends on the server while the form is open (idle too long, or logged out elsewhere).
    with sqlite3.connect(live_server.demo_dir.parent / "netra.db") as db:
        db.execute("UPDATE web_sessions SET expires_at = '2000-01-01 00:00:00'")
    reason = "Orang lain: tanggal lahir berbeda"
    dismiss = page.locator("form:has(input[name=keputusan][value=tolak])")
    dismiss.locator("textarea").fill(reason)
    dismiss.get_by_role("button").click()

    expect(page.get_by_text("Sesi Anda berakhir")).to_be_visible()
    page.get_by_label("Nama pengguna").fill("operator.demo")
    page.get_by_label("Kata sandi").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    expect(page).to_have_url(finding_url)  # back on the page, not on the form's POST-only action
    expect(page.locator("#pending-form-notice")).to_be_visible()
    expect(page.locator("form:has(input[name=keputusan][value=tolak]) textarea")).to_have_value(reason)


def test_a_steward_replaces_a_list_and_sees_what_changed_and_what_was_rechecked(
    page: Page, live_server: LiveServer, screenshots: Path, tmp_path: Path
) -> None:
    # The roster was checked against the list by the operator's journey above; a new version re-checks it.
    original = (live_server.demo_dir / "daftar_party_member.csv").read_text(encoding="utf-8").splitlines()
    replacement = tmp_path / "daftar_party_member_v2.csv"
    replacement.write_text("\n".join(original[:-5]) + "\n", encoding="utf-8")  # five members left the party
    log_in(page, "steward.demo")
    page.get_by_role("navigation", name="Menu utama").get_by_role(
        "link", name=re.compile("Daftar partai")
    ).click()
    page.get_by_role("table", name="Katalog daftar").get_by_role("link", name="Partai Contoh (demo)").click()
    page.locator("#list-version-file").set_input_files(replacement)
    page.get_by_role("button", name="Unggah versi baru").click()
    changes = page.locator("#version-changes")
    for _ in range(30):  # the changes and the re-check are worked out by the embedded worker
        if "NIK tidak ada lagi" in changes.inner_text() and page.locator("#rechecks").count():
            break
        page.wait_for_timeout(1000)
        page.reload()
    expect(changes).to_contain_text("0 NIK baru")
    expect(changes).to_contain_text("NIK tidak ada lagi")
    expect(page.locator("#rechecks")).to_contain_text("Pemeriksaan #")
    page.screenshot(path=screenshots / "16-versi-baru-dan-pemeriksaan-ulang.png", full_page=True)


def test_the_findings_table_fits_a_laptop_screen_and_the_chart_stays_legible_on_a_phone(
    browser: Browser, live_server: LiveServer, screenshots: Path
) -> None:
    for screen, name in (
        ({"width": 1366, "height": 768}, "laptop"),
        ({"width": 390, "height": 844}, "ponsel"),
    ):
        context = browser.new_context(base_url=live_server.url, viewport=screen, locale="id-ID")
        try:
            page = context.new_page()
            log_in(page, "operator.demo")
            page.goto("/pemeriksaan")
            page.locator("table a[href^='/pemeriksaan/']").first.click()
            expect(page.locator("#findings")).to_be_visible(timeout=SLOW)
            first = page.locator("#findings tbody tr td:first-child a").first
            expect(first).to_have_text("1")  # rows are numbered, not the database's ids
            if name == "laptop":
                fits = page.evaluate(
                    "() => { const t = document.querySelector('#findings');"
                    " return t.scrollWidth <= t.parentElement.clientWidth; }"
                )
                assert fits, "the findings table is wider than a 1366 px screen"
            else:
                label_px = page.evaluate(
                    "() => document.querySelector('.chart text').getBoundingClientRect().height"
                )
                assert label_px >= 11, f"chart labels are {label_px:.1f} px tall on a phone"
            page.screenshot(path=screenshots / f"17-temuan-{name}.png", full_page=False)
        finally:
            context.close()
