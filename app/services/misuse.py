"""Misuse reports ("NIK saya dicatut"): a person reports that their NIK is on a list without their consent.

Filing needs the token from a positive self-check answer (``app.services.selfcheck``): it proves that this NIK
was just found on the named list, so reports cannot be filed for arbitrary NIKs or lists. A report keeps the
masked NIK and a keyed digest (HMAC with the secret key) that groups one person's reports — never the NIK.

Stewards work the queue; auditors read it. Every read of a report (it holds a contact address) and every
status change is audited.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.config import Settings
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.models import MISUSE_STATUSES, MisuseReport, WatchList, utcnow
from app.ratelimit import ClientLimiter
from app.services import audit
from app.services.principals import Principal
from app.services.selfcheck import read_report_token

READ_ROLES = frozenset({"steward", "auditor", "admin"})
WRITE_ROLES = frozenset({"steward", "admin"})
# open -> in_review -> resolved | rejected; a closed report can be reopened for review.
TRANSITIONS: dict[str, frozenset[str]] = {
    "open": frozenset({"in_review", "resolved", "rejected"}),
    "in_review": frozenset({"open", "resolved", "rejected"}),
    "resolved": frozenset({"in_review"}),
    "rejected": frozenset({"in_review"}),
}


class InvalidReportToken(Forbidden):
    slug = "invalid-report-token"
    title = "Invalid report token"


@dataclass(frozen=True, slots=True)
class ReportPage:
    items: Sequence[MisuseReport]
    total: int


def _require(principal: Principal, roles: frozenset[str]) -> None:
    if principal.role not in roles:
        raise Forbidden(f"The role {principal.role!r} cannot do this")


def file_report(
    session: Session,
    *,
    token: str,
    list_id: int,
    contact: str,
    statement: str,
    client: str,
    settings: Settings,
    limiter: ClientLimiter,
) -> MisuseReport:
    """Store a report about ``list_id`` for the NIK the token vouches for."""
    limiter.hit("report", client)
    grant = read_report_token(settings, token)
    if grant is None:
        raise InvalidReportToken(
            "Tautan laporan tidak sah atau sudah kedaluwarsa; periksa NIK Anda sekali lagi."
        )
    if list_id not in grant.list_ids:
        raise InvalidReportToken("NIK ini tidak tercatat pada daftar yang dipilih.")
    contact, statement = contact.strip(), statement.strip()
    if not contact or not statement:
        raise ValidationFailed("Kontak dan pernyataan wajib diisi.")
    watch_list = session.get(WatchList, list_id)
    if watch_list is None or watch_list.deleted_at is not None:
        raise NotFound("Daftar ini sudah tidak ada.")
    report = MisuseReport(
        nik_masked=grant.nik_masked,
        nik_digest=grant.nik_digest,
        list_id=list_id,
        contact=contact,
        statement=statement,
    )
    session.add(report)
    session.flush()
    audit.record(
        session,
        f"public:{client}",
        "misuse_report.create",
        "misuse_report",
        report.id,
        {"nik": grant.nik_masked, "list_id": list_id},
        client=client[:64],
    )
    session.commit()
    return report


def list_reports(
    session: Session,
    principal: Principal,
    *,
    status: str | None = None,
    list_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
) -> ReportPage:
    _require(principal, READ_ROLES)
    if status is not None and status not in MISUSE_STATUSES:
        raise ValidationFailed(f"Unknown status {status!r}; choose one of {', '.join(MISUSE_STATUSES)}")
    query = select(MisuseReport)
    if status is not None:
        query = query.where(MisuseReport.status == status)
    if list_id is not None:
        query = query.where(MisuseReport.list_id == list_id)
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    items = session.exec(
        query.order_by(col(MisuseReport.created_at).desc(), col(MisuseReport.id).desc())
        .limit(limit)
        .offset(offset)
    ).all()
    audit.record_lookup(
        session,
        principal,
        "misuse_report.list",
        "misuse_report",
        None,
        {"status": status, "list_id": list_id, "returned": len(items)},
    )
    session.commit()
    return ReportPage(items=items, total=int(total))


def get_report(session: Session, principal: Principal, report_id: int) -> MisuseReport:
    _require(principal, READ_ROLES)
    report = session.get(MisuseReport, report_id)
    if report is None:
        raise NotFound("No such misuse report")
    audit.record_lookup(session, principal, "misuse_report.read", "misuse_report", report_id)
    session.commit()
    return report


def update_report(
    session: Session,
    principal: Principal,
    report_id: int,
    *,
    status: str | None = None,
    note: str | None = None,
) -> MisuseReport:
    """Change a report's status and/or note; the change and its before/after values are audited."""
    _require(principal, WRITE_ROLES)
    report = session.get(MisuseReport, report_id)
    if report is None:
        raise NotFound("No such misuse report")
    before = {"status": report.status, "note": report.status_note}
    if status is not None and status != report.status:
        if status not in MISUSE_STATUSES:
            raise ValidationFailed(f"Unknown status {status!r}; choose one of {', '.join(MISUSE_STATUSES)}")
        if status not in TRANSITIONS[report.status]:
            raise Conflict(f"A report cannot go from {report.status!r} to {status!r}")
        report.status = status
    if note is not None:
        report.status_note = note.strip() or None
    after = {"status": report.status, "note": report.status_note}
    if after == before:
        return report
    report.updated_at = utcnow()
    session.add(report)
    audit.record(
        session,
        principal,
        "misuse_report.update",
        "misuse_report",
        report_id,
        {"from": before["status"], "to": after["status"], "note_changed": before["note"] != after["note"]},
    )
    session.commit()
    return report
