"""Agencies (instansi): the tenants that own rosters, check runs and findings."""

from __future__ import annotations

from sqlmodel import Session, col, select

from app.errors import Conflict, NotFound, ValidationFailed
from app.models import Agency
from app.services import audit
from app.services.principals import Principal


def create_agency(session: Session, *, code: str, name: str, actor: Principal | str = "cli") -> Agency:
    code, name = code.strip().upper(), name.strip()
    if not code or not name:
        raise ValidationFailed("An agency needs a code and a name")
    if get_agency_by_code(session, code) is not None:
        raise Conflict(f"An agency with code {code!r} exists")
    agency = Agency(code=code, name=name)
    session.add(agency)
    session.flush()
    audit.record(session, actor, "agency.create", "agency", agency.id, {"code": code})
    session.commit()
    return agency


def get_agency_by_code(session: Session, code: str) -> Agency | None:
    return session.exec(select(Agency).where(Agency.code == code.strip().upper())).first()


def require_agency(session: Session, code: str) -> Agency:
    agency = get_agency_by_code(session, code)
    if agency is None:
        raise NotFound(f"No agency with code {code!r}")
    return agency


def list_agencies(session: Session) -> list[Agency]:
    return list(session.exec(select(Agency).order_by(col(Agency.code))))


LETTERHEAD_FIELDS = ("parent_body", "address", "city", "signatory_title")


def set_letterhead(
    session: Session, code: str, values: dict[str, str | None], *, actor: Principal | str = "cli"
) -> Agency:
    """Set the letterhead fields given (an empty text clears one); audited. Commits."""
    agency = get_agency_by_code(session, code)
    if agency is None:
        raise NotFound(f"No agency with code {code!r}")
    changed: dict[str, str | None] = {}
    for name, value in values.items():
        if name not in LETTERHEAD_FIELDS or value is None:
            continue
        text = " ".join(value.split()) or None
        setattr(agency, name, text)
        changed[name] = text
    session.add(agency)
    audit.record(session, actor, "agency.letterhead", "agency", agency.id, changed)
    session.commit()
    return agency
