"""Rows for tests, inserted directly (no audit events): ``create_<model>(session, **overrides)``.

Each factory commits, which inside the test transaction only releases a savepoint.
"""

from __future__ import annotations

import itertools
from typing import Any

from sqlmodel import Session

from app.models import Agency, ApiKey, User, utcnow
from app.security import generate_api_key, hash_password

DEFAULT_PASSWORD = "kata-sandi-uji-123"

_counter = itertools.count(1)


def auth_headers(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def create_agency(session: Session, **overrides: Any) -> Agency:
    n = next(_counter)
    values: dict[str, Any] = {"code": f"AG{n:04d}", "name": f"Instansi Uji {n}"}
    values.update(overrides)
    agency = Agency(**values)
    session.add(agency)
    session.commit()
    return agency


def create_api_key_row(
    session: Session,
    *,
    role: str = "operator",
    agency: Agency | None = None,
    revoked: bool = False,
    **overrides: Any,
) -> tuple[ApiKey, str]:
    """The stored key and its plain text. Operators get an agency of their own unless one is given."""
    if role == "operator" and agency is None and "agency_id" not in overrides:
        agency = create_agency(session)
    new = generate_api_key()
    values: dict[str, Any] = {
        "name": f"test-{role}-{next(_counter)}",
        "prefix": new.prefix,
        "key_hash": new.key_hash,
        "role": role,
        "agency_id": agency.id if agency is not None else None,
        "revoked_at": utcnow() if revoked else None,
    }
    values.update(overrides)
    key = ApiKey(**values)
    session.add(key)
    session.commit()
    return key, new.plain


def create_api_key(
    session: Session,
    *,
    role: str = "operator",
    agency: Agency | None = None,
    revoked: bool = False,
    **overrides: Any,
) -> str:
    """A key's plain text (what a client sends)."""
    return create_api_key_row(session, role=role, agency=agency, revoked=revoked, **overrides)[1]


def create_user(
    session: Session,
    *,
    role: str = "operator",
    agency: Agency | None = None,
    password: str = DEFAULT_PASSWORD,
    **overrides: Any,
) -> User:
    if role == "operator" and agency is None and "agency_id" not in overrides:
        agency = create_agency(session)
    values: dict[str, Any] = {
        "username": f"pengguna{next(_counter)}",
        "password_hash": hash_password(password),
        "role": role,
        "agency_id": agency.id if agency is not None else None,
    }
    values.update(overrides)
    user = User(**values)
    session.add(user)
    session.commit()
    return user
