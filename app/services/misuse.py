"""Misuse reports ("NIK saya dicatut"): a person reports that their NIK is on a list without their consent.

Filing needs the token from a positive self-check answer (``app.services.selfcheck``): it proves that this NIK
was just found on the named list, so reports cannot be filed for arbitrary NIKs or lists. A report keeps the
masked NIK and a keyed digest (HMAC with the secret key) that groups one person's reports — never the NIK.

Stewards work the queue; auditors read it. Every read of a report (it holds a contact address) and every
status change is audited.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.config import Settings
from app.contact import normalized_contact
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.models import MISUSE_STATUSES, Finding, MisuseReport, WatchList, utcnow
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


# Crockford's base32 without I, L, O, U: nothing to misread when a code is copied from a phone screen.
_RECEIPT_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_RECEIPT_LENGTH = 12  # 60 bits: unguessable at the rate limits' pace


def new_receipt_code() -> str:
    """A code such as "7K3Q-9XPD-2M4H" for the reporter to follow their report with."""
    raw = "".join(secrets.choice(_RECEIPT_ALPHABET) for _ in range(_RECEIPT_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, _RECEIPT_LENGTH, 4))


def _receipt_hash(code: str) -> str:
    canonical = code.upper().replace("-", "").replace(" ", "")
    return hashlib.sha256(f"receipt:{canonical}".encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class FiledReport:
    """A stored report and its receipt code, which is shown once and never stored."""

    report: MisuseReport
    receipt_code: str


@dataclass(frozen=True, slots=True)
class ReportStatus:
    """What a reporter may see of their report: no contact, no statement, no staff note."""

    nik_masked: str
    owner: str | None
    status: str
    created_at: datetime
    updated_at: datetime


def report_status(session: Session, code: str, *, client: str, limiter: ClientLimiter) -> ReportStatus:
    """The report a receipt code belongs to; 404 for an unknown code. Rate-limited like a look-up and
    audited, since codes could otherwise be guessed at leisure."""
    limiter.hit("lookup", client)
    report = session.exec(
        select(MisuseReport).where(col(MisuseReport.receipt_hash) == _receipt_hash(code))
    ).first()
    audit.record(
        session,
        f"public:{client}",
        "misuse_report.status",
        "misuse_report",
        report.id if report else None,
        {"found": report is not None},
        client=client[:64],
    )
    session.commit()
    if report is None:
        raise NotFound("Kode tanda terima tidak dikenal. Periksa kembali kodenya.")
    watch_list = session.get(WatchList, report.list_id) if report.list_id else None
    return ReportStatus(
        report.nik_masked,
        watch_list.owner if watch_list else None,
        report.status,
        report.created_at,
        report.updated_at,
    )


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
) -> FiledReport:
    """Store a report about ``list_id`` for the NIK the token vouches for, with a reachable contact;
    returns it with its receipt code."""
    limiter.hit("report", client)
    grant = read_report_token(settings, token)
    if grant is None:
        raise InvalidReportToken(
            "Tautan laporan tidak sah atau sudah kedaluwarsa; periksa NIK Anda sekali lagi."
        )
    if list_id not in grant.list_ids:
        raise InvalidReportToken("NIK ini tidak tercatat pada daftar yang dipilih.")
    statement = statement.strip()
    reachable = normalized_contact(contact)
    if reachable is None:
        raise ValidationFailed(
            "Kontak harus alamat e-mail atau nomor telepon yang dapat dihubungi, mis. 0812-3456-7890."
        )
    if not statement:
        raise ValidationFailed("Pernyataan wajib diisi.")
    watch_list = session.get(WatchList, list_id)
    if watch_list is None or watch_list.deleted_at is not None:
        raise NotFound("Daftar ini sudah tidak ada.")
    code = new_receipt_code()
    entry_id, line = grant.rows.get(list_id, (None, None))
    report = MisuseReport(
        nik_masked=grant.nik_masked,
        nik_digest=grant.nik_digest,
        list_id=list_id,
        list_entry_id=entry_id,
        list_line=line,
        contact=reachable,
        statement=statement,
        receipt_hash=_receipt_hash(code),
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
    return FiledReport(report, code)


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


@dataclass(frozen=True, slots=True)
class ReportLink:
    """A misuse report as a finding's page shows it: no contact, no statement."""

    id: int
    status: str
    created_at: datetime


def reports_for_finding(session: Session, list_entry_id: int, nik_digest: str | None) -> list[ReportLink]:
    """Reports of this finding's list row, or of the same NIK (by its keyed digest) on any list: the
    person said their NIK was used without consent."""
    condition = col(MisuseReport.list_entry_id) == list_entry_id
    if nik_digest is not None:
        condition = condition | (col(MisuseReport.nik_digest) == nik_digest)
    rows = session.exec(select(MisuseReport).where(condition).order_by(col(MisuseReport.created_at))).all()
    return [ReportLink(r.id, r.status, r.created_at) for r in rows if r.id is not None]


def findings_for_report(session: Session, report: MisuseReport) -> list[int]:
    """Ids of the findings citing the reported list row, newest run first."""
    if report.list_entry_id is None:
        return []
    ids = session.exec(
        select(col(Finding.id))
        .where(col(Finding.list_entry_id) == report.list_entry_id)
        .order_by(col(Finding.run_id).desc())
    ).all()
    return [finding_id for finding_id in ids if finding_id is not None]
