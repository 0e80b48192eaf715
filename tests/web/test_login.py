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


def _throttled_events(session: Session) -> list[AuditEvent]:
    return list(session.exec(select(AuditEvent).where(AuditEvent.action == "user.login_throttled")).all())


def test_guessing_one_account_is_throttled_even_for_the_right_password(
    make_client: factories.ClientMaker, session: Session
) -> None:
    factories.create_user(session, username="gita")
    client = make_client(login_rate_limits_account="3/15 minutes")
    other = make_client(peer="198.51.100.20", login_rate_limits_account="3/15 minutes")
    for _ in range(3):
        assert _login(client, "gita", "tebakan-salah-1").status_code == 401
    for _ in range(2):
        response = _login(client, "gita", factories.DEFAULT_PASSWORD)
        assert response.status_code == 429
        assert "Terlalu banyak percobaan masuk untuk akun ini" in response.text
        assert "coba lagi dalam 15 menit" in response.text
        assert 840 < int(response.headers["retry-after"]) <= 900
    assert client.get("/", follow_redirects=False).status_code == 303
    # The lock holds for the account from any address, and is audited once, not per refused attempt.
    assert _login(other, "GITA ", factories.DEFAULT_PASSWORD).status_code == 429
    [event] = _throttled_events(session)
    assert event.actor == "user:gita"
    assert event.client == "203.0.113.10"
    assert event.detail is not None
    assert event.detail["scope"] == "account"


def test_a_successful_login_clears_the_accounts_failed_attempts(
    make_client: factories.ClientMaker, session: Session
) -> None:
    factories.create_user(session, username="hadi")
    client = make_client(login_rate_limits_account="3/15 minutes")
    for _ in range(2):
        assert _login(client, "hadi", "tebakan-salah-1").status_code == 401
    assert _login(client, "hadi", factories.DEFAULT_PASSWORD).status_code == 303
    client.cookies.clear()
    for _ in range(2):
        assert _login(client, "hadi", "tebakan-salah-1").status_code == 401
    assert _login(client, "hadi", factories.DEFAULT_PASSWORD).status_code == 303


def test_password_spraying_from_one_client_is_throttled(
    make_client: factories.ClientMaker, session: Session
) -> None:
    factories.create_user(session, username="indah")
    client = make_client(login_rate_limits_client="3/15 minutes")
    other = make_client(peer="198.51.100.21", login_rate_limits_client="3/15 minutes")
    for name in ("a.satu", "b.dua", "c.tiga"):
        assert _login(client, name, "tebakan-salah-1").status_code == 401
    response = _login(client, "indah", factories.DEFAULT_PASSWORD)
    assert response.status_code == 429
    assert "dari alamat jaringan Anda" in response.text
    # Another client is not held back by this one's failures.
    assert _login(other, "indah", factories.DEFAULT_PASSWORD).status_code == 303
    [event] = _throttled_events(session)
    assert event.detail is not None
    assert event.detail["scope"] == "client"


def test_default_login_limits_stop_the_probe_of_thirty_guesses() -> None:
    from app.config import Settings
    from app.ratelimit import get_login_throttle

    limits = get_login_throttle(Settings(secret_key="x" * 40)).limits
    assert [item.amount for item in limits.per_account] == [10]
    assert limits.per_client[0].amount < 30 + 1
