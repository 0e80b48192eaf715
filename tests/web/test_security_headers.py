"""No page can be framed, and pages fit their CSP: no inline script, handler or style (issue 16, point 10)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.main import PAGE_CSP
from tests import factories
from tests.web.support import log_in

TEMPLATES = Path(__file__).resolve().parents[2] / "app" / "templates"


@pytest.mark.parametrize("path", ["/", "/login", "/cek-nik", "/api/v1/does-not-exist", "/healthz"])
def test_every_answer_forbids_framing(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"


def test_pages_run_only_our_own_scripts_and_styles(client: TestClient) -> None:
    csp = client.get("/login").headers["content-security-policy"]
    assert csp == PAGE_CSP
    assert "'unsafe-inline'" not in csp
    assert "script-src 'self'" in csp
    assert "style-src 'self'" in csp


def test_no_template_holds_what_the_csp_would_block() -> None:
    # A JSON data block (type="application/json") is data, never run, so the CSP has nothing to block.
    inline = re.compile(
        r"<style|<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")|\son[a-z]+=|\sstyle=", re.I
    )
    offending = [
        f"{path.relative_to(TEMPLATES)}: {match.group()}"
        for path in TEMPLATES.rglob("*.html")
        for match in inline.finditer(path.read_text(encoding="utf-8"))
    ]
    assert offending == []


def test_the_icon_is_served_and_the_menu_marks_the_current_page(client: TestClient, session: Session) -> None:
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200
    assert icon.headers["content-type"].startswith("image/svg+xml")
    log_in(client, session, "operator", factories.create_agency(session))
    page = client.get("/daftar-asn").text
    assert 'rel="icon"' in page
    assert '<a href="/daftar-asn" aria-current="page">Daftar ASN</a>' in page
    assert '<a href="/pemeriksaan">Pemeriksaan</a>' in page
