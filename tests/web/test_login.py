"""Web login: argon2 password, signed session cookie, CSRF-protected forms, Indonesian pages."""

from __future__ import annotations

import re

import httpx
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.models import AuditEvent
from tests import factories


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF field on the page"
    return match.group(1)


def _login(client: TestClient, username: str, password: str, *, next_url: str = "/") -> httpx.Response:
    page = client.get("/login")
    token = _csrf(page.text)
    form = {"username": username, "password": password, "csrf_token": token, "next": next_url}
    return client.post("/login", data=form, follow_redirects=False)


def test_home_redirects_anonymous_visitors_to_login(client: TestClient) -> None:
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


def test_login_page_is_indonesian_with_csrf_field(client: TestClient) -> None:
    response = client.get("/login")
    assert response.status_code == 200
    assert 'lang="id"' in response.text
    assert "Kata sandi" in response.text
    assert _csrf(response.text)


def test_login_sets_a_safe_cookie_and_shows_home(client: TestClient, session: Session) -> None:
    user = factories.create_user(session, role="auditor", username="siti")
    response = _login(client, "siti", factories.DEFAULT_PASSWORD)
    assert response.status_code == 303
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    home = client.get("/")
    assert home.status_code == 200
    assert "siti" in home.text
    assert "Auditor" in home.text
    session.refresh(user)
    assert user.last_login_at is not None


def test_wrong_password_is_refused_and_audited(client: TestClient, session: Session) -> None:
    factories.create_user(session, username="andi")
    response = _login(client, "andi", "salah-sekali-123")
    assert response.status_code == 401
    assert "salah" in response.text
    assert client.get("/", follow_redirects=False).status_code == 303
    events = session.exec(select(AuditEvent).where(AuditEvent.action == "user.login_failed")).all()
    assert [event.actor for event in events] == ["user:andi"]


def test_post_without_csrf_token_is_403(client: TestClient, session: Session) -> None:
    factories.create_user(session, username="dewi")
    client.get("/login")
    form = {"username": "dewi", "password": factories.DEFAULT_PASSWORD}
    response = client.post("/login", data=form, follow_redirects=False)
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("text/html")


def test_logout_needs_csrf_and_ends_the_session(client: TestClient, session: Session) -> None:
    factories.create_user(session, username="eko")
    _login(client, "eko", factories.DEFAULT_PASSWORD)
    home = client.get("/")
    assert client.post("/logout", data={"csrf_token": "forged"}).status_code == 403
    response = client.post("/logout", data={"csrf_token": _csrf(home.text)}, follow_redirects=False)
    assert response.status_code == 303
    assert client.get("/", follow_redirects=False).status_code == 303


def test_login_never_redirects_off_site(client: TestClient, session: Session) -> None:
    factories.create_user(session, username="fitri")
    response = _login(client, "fitri", factories.DEFAULT_PASSWORD, next_url="//evil.example/")
    assert response.headers["location"] == "/"


def test_unknown_page_is_an_html_error_page(client: TestClient) -> None:
    response = client.get("/tidak-ada")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "Halaman tidak ditemukan" in response.text
