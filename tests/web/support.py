"""Helpers for page tests: log in through the real form and read CSRF tokens and alerts off pages."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.models import Agency, User
from tests import factories

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_ALERT = re.compile(r'role="alert"[^>]*>\s*([^<]+?)\s*<')


def csrf(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "no CSRF field on the page"
    return match.group(1)


def alerts(html: str) -> list[str]:
    return _ALERT.findall(html)


def log_in(client: TestClient, session: Session, role: str, agency: Agency | None = None) -> User:
    user = factories.create_user(session, role=role, agency=agency)
    token = csrf(client.get("/login").text)
    form = {
        "username": user.username,
        "password": factories.DEFAULT_PASSWORD,
        "csrf_token": token,
        "next": "/",
    }
    response = client.post("/login", data=form, follow_redirects=False)
    assert response.status_code == 303, response.text
    return user
