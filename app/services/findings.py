"""Findings of a check run: listing with filters and cursor pagination, exports, review.

Every query is scoped by tenancy: an operator sees its own agency's findings only, auditors and admins see
all, stewards none (they manage lists, never look at who is on them). A finding the caller may not see is
reported as absent (404), never as forbidden, so ids of other agencies reveal nothing.

Used by the JSON API and the web UI alike; both get :class:`FindingView` rows and shape them themselves.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any, Literal

import xlsxwriter
from sqlalchemy import Select, and_, or_, select
from sqlmodel import Session, col

from app import wording
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.models import (
    CheckRun,
    Finding,
    ListEntry,
    ListVersion,
    RosterEntry,
    RosterVersion,
    WatchList,
    utcnow,
)
from app.services import audit
from app.services.principals import Principal, can_read_findings, is_operator
from app.spreadsheet import escape_cell
from matching import records
from matching.nik import mask_nik as matching_mask_nik

SortOrder = Literal["score_desc", "score_asc", "id"]
SORT_ORDERS: tuple[SortOrder, ...] = ("score_desc", "score_asc", "id")
MAX_PAGE = 500


@dataclass(frozen=True)
class FindingFilters:
    match_class: str | None = None
    kind: str | None = None
    list_type: str | None = None
    owner: str | None = None
    unit: str | None = None
    review_status: str | None = None
    # None: everything but ``resolved`` (those belong to a run's changes, not to its current findings).
    change: str | None = None


@dataclass(frozen=True)
class FindingView:
    """A finding with both sides and where each came from."""

    finding: Finding
    roster_entry: RosterEntry
    roster_id: int
    roster_file: str
    list_entry: ListEntry
    watch_list: WatchList
    list_version: ListVersion


@dataclass(frozen=True)
class FindingPage:
    items: list[FindingView]
    next_cursor: str | None


# --- helpers shared with the checks service -------------------------------------------------------------


def mask_nik(nik: str | None) -> str | None:
    """First 4 and last 4 digits: enough for a reviewer to tell NIKs apart, too little to misuse one.

    >>> mask_nik("3171014506870123")
    '3171********0123'
    """
    return matching_mask_nik(nik) if nik else nik


def pair_key(
    roster_id: int,
    roster_nik: str | None,
    roster_nip: str | None,
    roster_name: str,
    list_id: int,
    list_nik: str | None,
    list_name: str,
    list_birth_date: date | None,
) -> str:
    """The same roster person and list person across versions: NIKs when present, else what identifies them.

    Entry ids change with every uploaded version; reviews are carried forward by this key instead.
    """
    roster_identity = roster_nik or (f"nip:{roster_nip}" if roster_nip else f"name:{roster_name.casefold()}")
    list_identity = list_nik or f"name:{list_name.casefold()}|{list_birth_date or ''}"
    raw = f"{roster_id}|{roster_identity}|{list_id}|{list_identity}"
    return hashlib.sha256(raw.encode()).hexdigest()[:40]


def explanation_text(kind: str, match_class: str, score: float, explanation: Sequence[dict[str, Any]]) -> str:
    """A stored finding's explanation as one line, worded by the matcher's own formatter."""
    features = tuple(
        records.Feature(str(f["name"]), str(f["outcome"]), str(f["detail"])) for f in explanation
    )
    return records.Finding(0, 0, kind, match_class, score, features).explanation_text()


def finding_text(finding: Finding) -> str:
    return explanation_text(finding.kind, finding.match_class, finding.score, finding.explanation)


def finding_text_id(finding: Finding) -> str:
    """The explanation in Indonesian, for exports read by people (the web's downloads)."""
    return wording.explanation(finding.kind, finding.match_class, finding.score, finding.explanation)


Explain = Callable[[Finding], str]


# --- tenancy -------------------------------------------------------------------------------------------


def require_reader(principal: Principal) -> None:
    if not can_read_findings(principal):
        raise Forbidden("This role cannot read findings")


def visible_run(session: Session, principal: Principal, run_id: int) -> CheckRun:
    """The run, if the caller may see it; otherwise ``NotFound`` (also for other agencies' runs)."""
    require_reader(principal)
    run = session.get(CheckRun, run_id)
    if run is None or (is_operator(principal) and run.agency_id != principal.agency_id):
        raise NotFound(f"Check run {run_id} not found")
    return run


def _view_query() -> Select[Any]:
    return (
        select(
            Finding,
            RosterEntry,
            col(RosterVersion.roster_id),
            col(RosterVersion.file_name),
            ListEntry,
            WatchList,
            ListVersion,
        )
        .join(RosterEntry, col(RosterEntry.id) == col(Finding.roster_entry_id))
        .join(RosterVersion, col(RosterVersion.id) == col(RosterEntry.version_id))
        .join(ListEntry, col(ListEntry.id) == col(Finding.list_entry_id))
        .join(ListVersion, col(ListVersion.id) == col(Finding.list_version_id))
        .join(WatchList, col(WatchList.id) == col(ListVersion.list_id))
    )


def _to_view(row: Any) -> FindingView:
    finding, roster_entry, roster_id, roster_file, list_entry, watch_list, list_version = row
    return FindingView(finding, roster_entry, roster_id, roster_file, list_entry, watch_list, list_version)


def _apply_filters(query: Select[Any], filters: FindingFilters) -> Select[Any]:
    conditions: list[Any] = []
    if filters.match_class:
        conditions.append(col(Finding.match_class) == filters.match_class)
    if filters.kind:
        conditions.append(col(Finding.kind) == filters.kind)
    if filters.review_status:
        conditions.append(col(Finding.review_status) == filters.review_status)
    if filters.change:
        conditions.append(col(Finding.change) == filters.change)
    else:
        conditions.append(col(Finding.change) != "resolved")
    if filters.list_type:
        conditions.append(col(WatchList.list_type) == filters.list_type)
    if filters.owner:
        conditions.append(col(WatchList.owner) == filters.owner)
    if filters.unit:
        # Part of the unit's name, any case: staff type "pendidikan" for "Dinas Pendidikan".
        pattern = filters.unit.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        conditions.append(col(RosterEntry.unit).ilike(f"%{pattern}%", escape="\\"))
    return query.where(*conditions) if conditions else query


# --- cursors -------------------------------------------------------------------------------------------


def _encode_cursor(sort: SortOrder, finding: Finding) -> str:
    values: list[Any] = [finding.id] if sort == "id" else [finding.score, finding.id]
    raw = json.dumps([sort, *values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(sort: SortOrder, cursor: str) -> list[Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        decoded = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationFailed("The cursor is not valid; start again without it") from exc
    expected = 2 if sort == "id" else 3
    if (
        not isinstance(decoded, list)
        or len(decoded) != expected
        or decoded[0] != sort
        or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in decoded[1:])
        or not isinstance(decoded[-1], int)
    ):
        raise ValidationFailed("The cursor does not belong to this listing; start again without it")
    return decoded[1:]


def _ordered(query: Select[Any], sort: SortOrder, cursor: str | None) -> Select[Any]:
    if sort not in SORT_ORDERS:
        raise ValidationFailed(f"Unknown sort {sort!r}; use one of {', '.join(SORT_ORDERS)}")
    after = _decode_cursor(sort, cursor) if cursor else None
    fid = col(Finding.id)
    if sort == "id":
        if after:
            query = query.where(fid > after[0])
        return query.order_by(fid)
    score = col(Finding.score)
    if sort == "score_desc":
        if after:
            query = query.where(or_(score < after[0], and_(score == after[0], fid > after[1])))
        return query.order_by(score.desc(), fid)
    if after:
        query = query.where(or_(score > after[0], and_(score == after[0], fid > after[1])))
    return query.order_by(score, fid)


# --- reading -------------------------------------------------------------------------------------------


def list_findings(
    session: Session,
    principal: Principal,
    run_id: int,
    filters: FindingFilters | None = None,
    *,
    cursor: str | None = None,
    limit: int = 100,
    sort: SortOrder = "score_desc",
) -> FindingPage:
    """One page of a run's findings, best first by default. Each page shown is an audit event: it names
    civil servants suspected of a violation (UU PDP asks who looked at whose data)."""
    run = visible_run(session, principal, run_id)
    filters = filters or FindingFilters()
    page = _page(session, run, filters, cursor=cursor, limit=limit, sort=sort)
    audit.record_lookup(
        session,
        principal,
        "finding.list",
        target_type="check_run",
        target_id=str(run.id),
        detail={
            "filters": {k: v for k, v in asdict(filters).items() if v is not None},
            "finding_ids": [view.finding.id for view in page.items],
        },
        agency_id=run.agency_id,
    )
    session.commit()
    return page


def _page(
    session: Session,
    run: CheckRun,
    filters: FindingFilters,
    *,
    cursor: str | None,
    limit: int,
    sort: SortOrder,
) -> FindingPage:
    limit = max(1, min(limit, MAX_PAGE))
    query = _apply_filters(_view_query().where(col(Finding.run_id) == run.id), filters)
    query = _ordered(query, sort, cursor).limit(limit + 1)
    rows = [_to_view(row) for row in session.execute(query).all()]
    next_cursor = _encode_cursor(sort, rows[limit - 1].finding) if len(rows) > limit else None
    return FindingPage(rows[:limit], next_cursor)


def iter_findings(
    session: Session,
    principal: Principal,
    run_id: int,
    filters: FindingFilters | None = None,
    *,
    sort: SortOrder = "score_desc",
) -> Iterator[FindingView]:
    """Every finding matching ``filters``, fetched page by page (for exports and the print view, which
    audit themselves once rather than once per page)."""
    run = visible_run(session, principal, run_id)
    cursor: str | None = None
    while True:
        page = _page(session, run, filters or FindingFilters(), cursor=cursor, limit=MAX_PAGE, sort=sort)
        yield from page.items
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


def reviewed_findings(
    session: Session, principal: Principal, run_id: int, statuses: Sequence[str] = ("confirmed",)
) -> dict[str, list[FindingView]]:
    """Findings by review status, for the printed summary forwarded to Bawaslu or BKN (confirmed) and
    the NIK-misuse cases to object to with KPU (misused); audited once."""
    run = visible_run(session, principal, run_id)
    found = {
        status: list(iter_findings(session, principal, run_id, FindingFilters(review_status=status)))
        for status in statuses
    }
    audit.record_lookup(
        session,
        principal,
        "finding.summary",
        target_type="check_run",
        target_id=str(run.id),
        detail={"finding_ids": [view.finding.id for views in found.values() for view in views]},
        agency_id=run.agency_id,
    )
    session.commit()
    return found


def count_findings(session: Session, principal: Principal, run_id: int) -> dict[str, dict[str, int]]:
    """Counts per class, kind, list owner, review status, list type and roster unit (for summaries,
    charts and the filters' choices)."""
    from sqlalchemy import func

    run = visible_run(session, principal, run_id)
    base = _view_query().where(col(Finding.run_id) == run.id, col(Finding.change) != "resolved").subquery()
    out: dict[str, dict[str, int]] = {}
    for name in ("match_class", "kind", "owner", "review_status", "list_type", "unit"):
        column = base.c[name]
        rows = session.execute(select(column, func.count()).group_by(column).order_by(column)).all()
        out[name] = {str(value): int(count) for value, count in rows}
    return out


def change_counts(session: Session, run_ids: Sequence[int]) -> dict[int, dict[str, int]]:
    """Per run: its findings new since the roster's previous run, unchanged, and resolved (gone from the
    list), for a re-check's "6 baru / 4 selesai". The runs were read with the caller's scope."""
    from sqlalchemy import func

    out: dict[int, dict[str, int]] = {run_id: {} for run_id in run_ids}
    if not run_ids:
        return out
    rows = session.execute(
        select(col(Finding.run_id), col(Finding.change), func.count())
        .where(col(Finding.run_id).in_(list(run_ids)))
        .group_by(col(Finding.run_id), col(Finding.change))
    ).all()
    for run_id, change, count in rows:
        out[int(run_id)][str(change)] = int(count)
    return out


def get_finding(
    session: Session, principal: Principal, finding_id: int, *, audit_read: bool = True
) -> FindingView:
    """One finding with both sides; looking at a finding's full NIKs is recorded in the audit log."""
    require_reader(principal)
    query = _view_query().where(col(Finding.id) == finding_id)
    if is_operator(principal):
        query = query.where(col(Finding.agency_id) == principal.agency_id)
    row = session.execute(query).one_or_none()
    if row is None:
        raise NotFound(f"Finding {finding_id} not found")
    view = _to_view(row)
    if audit_read:
        audit.record_lookup(
            session,
            principal,
            "finding.read",
            target_type="finding",
            target_id=str(finding_id),
            agency_id=view.finding.agency_id,
        )
        session.commit()
    return view


def next_pending(session: Session, view: FindingView) -> int | None:
    """The run's next finding still to review after ``view``'s, in the run page's order (score, then id),
    wrapping around; ``None`` when none is left. ``view`` was read with the caller's scope, and a run
    belongs to one agency, so the answer stays within it."""
    finding = view.finding
    pending = (
        select(col(Finding.id))
        .where(
            col(Finding.run_id) == finding.run_id,
            col(Finding.review_status) == "pending",
            col(Finding.change) != "resolved",
            col(Finding.id) != finding.id,
        )
        .order_by(col(Finding.score).desc(), col(Finding.id))
    )
    after = pending.where(
        or_(
            col(Finding.score) < finding.score,
            and_(col(Finding.score) == finding.score, col(Finding.id) > finding.id),
        )
    )
    found = session.execute(after.limit(1)).scalar_one_or_none()
    if found is None:
        found = session.execute(pending.limit(1)).scalar_one_or_none()
    return found


@dataclass(frozen=True)
class RunChanges:
    previous_run_id: int | None
    new: list[FindingView]
    resolved: list[FindingView]
    unchanged_count: int


def run_changes(session: Session, principal: Principal, run_id: int, *, limit: int = 5_000) -> RunChanges:
    """Findings new since the roster's previous run, and the previous run's findings that disappeared.

    A run's first findings are all ``new``; ``resolved`` rows are copies of the previous run's findings,
    kept in this run (see :mod:`app.services.checks`), so a run alone tells its whole difference.
    """
    from sqlalchemy import func

    run = visible_run(session, principal, run_id)

    def of(change: str) -> list[FindingView]:
        query = _view_query().where(col(Finding.run_id) == run.id, col(Finding.change) == change)
        query = query.order_by(col(Finding.score).desc(), col(Finding.id)).limit(limit)
        return [_to_view(row) for row in session.execute(query).all()]

    unchanged = session.scalar(
        select(func.count())
        .select_from(Finding)
        .where(col(Finding.run_id) == run.id, col(Finding.change) == "unchanged")
    )
    return RunChanges(run.previous_run_id, of("new"), of("resolved"), int(unchanged or 0))


# --- review --------------------------------------------------------------------------------------------


def _review_state(finding: Finding) -> dict[str, Any]:
    return {
        "review_status": finding.review_status,
        "review_reason": finding.review_reason,
        "reviewed_by": finding.reviewed_by,
        "reviewed_at": finding.reviewed_at.isoformat() if finding.reviewed_at else None,
    }


def review_finding(
    session: Session,
    principal: Principal,
    finding_id: int,
    *,
    review_status: str,
    reason: str | None,
) -> FindingView:
    """Decide a finding (confirmed, misused, dismissed), by an operator of the owning agency. Commits.

    The agency decides on its own staff; auditors read everything and change nothing (least privilege).
    """
    if principal.role != "operator":
        raise Forbidden("Only an operator of the owning agency reviews findings; auditors read them")
    if review_status not in ("confirmed", "misused", "dismissed"):
        raise ValidationFailed("review_status must be 'confirmed', 'misused' or 'dismissed'")
    reason = reason.strip() if reason else None
    if review_status == "dismissed" and not reason:
        raise ValidationFailed("Dismissing a finding needs a reason")
    view = get_finding(session, principal, finding_id, audit_read=False)
    finding = view.finding
    if finding.change == "resolved":
        raise Conflict(
            "This finding was resolved by a later list version; review it in the run that found it"
        )
    before = _review_state(finding)
    finding.review_status = review_status
    finding.review_reason = reason
    finding.reviewed_by = principal.actor
    finding.reviewed_at = utcnow()
    session.add(finding)
    audit.record(
        session,
        principal,
        "finding.review",
        target_type="finding",
        target_id=str(finding_id),
        agency_id=finding.agency_id,
        detail={"before": before, "after": _review_state(finding)},
    )
    session.commit()
    return view


# --- exports -------------------------------------------------------------------------------------------

EXPORT_COLUMNS = (
    "finding_id",
    "class",
    "kind",
    "score",
    "change",
    "review_status",
    "review_reason",
    "roster_file",
    "roster_line",
    "roster_nik",
    "roster_name",
    "nip",
    "unit",
    "list_type",
    "owner",
    "election",
    "list_file",
    "list_line",
    "list_nik",
    "list_name",
    "explanation",
)
TEXT_COLUMNS = frozenset({"roster_nik", "list_nik", "nip"})
"""Digits that must stay text: a 16-digit NIK as a number loses its last digit (Excel keeps 15)."""

ExportValue = str | float | int


def export_values(view: FindingView, explain: Explain = finding_text) -> dict[str, ExportValue]:
    """One finding's row by :data:`EXPORT_COLUMNS` code, as stored (codes, not labels)."""
    f, r, le, wl = view.finding, view.roster_entry, view.list_entry, view.watch_list
    values: list[ExportValue] = [
        f.id or 0,
        f.match_class,
        f.kind,
        round(f.score, 4),
        f.change,
        f.review_status,
        f.review_reason or "",
        view.roster_file,
        r.line,
        r.nik or r.nik_raw,
        r.name,
        r.nip or "",
        r.unit or "",
        wl.list_type,
        wl.owner,
        wl.election,
        view.list_version.file_name,
        le.line,
        le.nik or le.nik_raw,
        le.name,
        explain(f),
    ]
    return dict(zip(EXPORT_COLUMNS, values, strict=True))


@dataclass(frozen=True)
class ExportLayout:
    """What an export's columns are called and hold, and how its CSV is written.

    The API's :data:`MACHINE_EXPORT` is for programs: code headers and values, comma-separated, no BOM.
    The web builds one for people (:mod:`app.web.exports`): Indonesian headers and labels, and a CSV that
    Excel in Indonesian regional settings opens as intended.
    """

    headers: tuple[str, ...]
    row: Callable[[FindingView], list[ExportValue]]
    text_columns: frozenset[int]
    """Indexes of columns written as text."""
    delimiter: str = ","
    csv_text: Callable[[str], str] | None = None
    """How a text column's value is written in CSV (``None``: as it is)."""
    csv_decimal: Callable[[float], str] = str
    """How a decimal (the score) is written in CSV."""
    widths: tuple[int, ...] = ()
    """XLSX column widths in characters (empty: Excel's default)."""


def _machine_row(view: FindingView) -> list[ExportValue]:
    return list(export_values(view).values())


MACHINE_EXPORT = ExportLayout(
    headers=EXPORT_COLUMNS,
    row=_machine_row,
    text_columns=frozenset(i for i, name in enumerate(EXPORT_COLUMNS) if name in TEXT_COLUMNS),
)


def _audit_export(session: Session, principal: Principal, run: CheckRun, fmt: str, rows: int) -> None:
    audit.record_lookup(
        session,
        principal,
        "findings.export",
        target_type="check_run",
        target_id=str(run.id),
        agency_id=run.agency_id,
        detail={"format": fmt, "rows": rows},
    )
    session.commit()


def export_csv(
    session: Session,
    principal: Principal,
    run_id: int,
    filters: FindingFilters | None = None,
    *,
    layout: ExportLayout = MACHINE_EXPORT,
) -> str:
    """The run's findings as CSV text (header row), formula-escaped, in ``layout``. Audited."""
    run = visible_run(session, principal, run_id)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=layout.delimiter)
    writer.writerow(layout.headers)
    rows = 0
    for view in iter_findings(session, principal, run_id, filters):
        cells: list[ExportValue] = []
        for column, value in enumerate(layout.row(view)):
            if isinstance(value, str):
                as_text = layout.csv_text is not None and column in layout.text_columns and value.isdigit()
                value = layout.csv_text(value) if as_text and layout.csv_text else escape_cell(value)
            elif isinstance(value, float):
                value = layout.csv_decimal(value)
            cells.append(value)
        writer.writerow(cells)
        rows += 1
    _audit_export(session, principal, run, "csv", rows)
    return out.getvalue()


def export_xlsx(
    session: Session,
    principal: Principal,
    run_id: int,
    filters: FindingFilters | None = None,
    *,
    layout: ExportLayout = MACHINE_EXPORT,
) -> bytes:
    """The run's findings as an XLSX workbook in ``layout``: text columns (NIK, NIP) are text cells so
    Excel keeps every digit, the header row is frozen and filterable."""
    run = visible_run(session, principal, run_id)
    buffer = io.BytesIO()
    # constant_memory streams rows to a temporary file instead of holding the sheet in memory.
    workbook = xlsxwriter.Workbook(buffer, {"constant_memory": True, "strings_to_formulas": False})
    sheet = workbook.add_worksheet("Temuan")
    bold = workbook.add_format({"bold": True})
    text = workbook.add_format({"num_format": "@"})
    for column, width in enumerate(layout.widths):
        sheet.set_column(column, column, width, text if column in layout.text_columns else None)
    for column, name in enumerate(layout.headers):
        sheet.write_string(0, column, name, bold)
    rows = 0
    for view in iter_findings(session, principal, run_id, filters):
        rows += 1
        for column, value in enumerate(layout.row(view)):
            if isinstance(value, str):
                # write_string never interprets a formula.
                fmt = text if column in layout.text_columns else None
                sheet.write_string(rows, column, escape_cell(value), fmt)
            else:
                sheet.write_number(rows, column, value)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(rows, 1), len(layout.headers) - 1)
    workbook.close()
    _audit_export(session, principal, run, "xlsx", rows)
    return buffer.getvalue()
