"""Rows for tests, inserted directly (no audit events): ``create_<model>(session, **overrides)``.

Each factory commits, which inside the test transaction only releases a savepoint.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.models import Agency, ApiKey, Job, ListEntry, ListVersion, User, WatchList, utcnow
from app.security import generate_api_key, hash_password
from app.services import ingestion

DEFAULT_PASSWORD = "kata-sandi-uji-123"

# NIKs to put on lists with create_listing.
NIK = "3275014101900001"  # Bekasi, born 1 Jan 1990, female (day + 40)
OTHER_NIK = "3275010202850002"

# The make_client fixture (tests/conftest.py): an app client built with changed settings.
ClientMaker = Callable[..., TestClient]

# Self-check settings for make_client: generous limits, so that only the tests about limits meet them.
RELAXED_SELFCHECK: dict[str, Any] = {
    "selfcheck_rate_limits": "1000/minute",
    "selfcheck_report_rate_limits": "1000/minute",
    "selfcheck_challenge_after": 0,
}

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


def create_listing(
    session: Session,
    nik: str,
    name: str,
    *,
    list_type: str = "party_member",
    owner: str = "Partai Contoh",
    election: str = "Pemilu 2024",
    region: str | None = "Kota Bekasi",
    active: bool = True,
    deleted: bool = False,
) -> WatchList:
    """A list with one version holding one entry; the version is made active unless ``active=False``."""
    watch_list = WatchList(
        list_type=list_type,
        owner=owner,
        election=election,
        region=region,
        created_by="test",
        deleted_at=utcnow() if deleted else None,
    )
    session.add(watch_list)
    session.flush()
    assert watch_list.id is not None
    version = ListVersion(
        list_id=watch_list.id,
        status="active" if active else "superseded",
        file_name="daftar.csv",
        file_sha256="0" * 64,
        uploaded_by="test",
    )
    session.add(version)
    session.flush()
    assert version.id is not None
    session.add(ListEntry(version_id=version.id, line=2, nik=nik, nik_raw=nik, name=name))
    if active:
        watch_list.active_version_id = version.id
        session.add(watch_list)
    session.commit()
    return watch_list


def crashed_version(
    session: Session, source: ingestion.Source, parent_id: int, path: Path, *, rows_seen: int
) -> tuple[ingestion.VersionRow, Job]:
    """A new version whose worker read ``rows_seen`` rows and then died: its job is still "running", its
    lease still runs, but its beats stopped a moment ago. Commits."""
    version, job = ingestion.create_version(
        session, source, parent_id, ingestion.describe_file(path), uploaded_by="test", claimed_by="gone:1:x"
    )
    version.status, version.rows_processed = "processing", rows_seen
    job.alive_until = utcnow() - timedelta(seconds=1)
    session.add_all([version, job])
    session.commit()
    return version, job
