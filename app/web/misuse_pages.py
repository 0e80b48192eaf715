"""The misuse-report queue ("NIK saya dicatut") for stewards and auditors; stewards change a report's status.

Thin: :mod:`app.services.misuse` checks roles and audits every read and change.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.api.params import IdPath
from app.deps import SessionDep
from app.errors import NetraError
from app.models import MISUSE_STATUSES
from app.services import lists, misuse
from app.services.principals import can_read_findings
from app.web import CsrfDep
from app.web import messages as msg
from app.web.access import MisuseReader, flash, render

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50


@router.get("/laporan-penyalahgunaan", response_class=HTMLResponse)
def queue_page(
    request: Request,
    session: SessionDep,
    user: MisuseReader,
    status: Annotated[str | None, Query(max_length=16)] = None,
    mulai: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> Response:
    chosen = status if status in MISUSE_STATUSES else None
    page = misuse.list_reports(session, user, status=chosen, limit=PAGE_SIZE, offset=mulai)
    owners = {view.watch_list.id: view.watch_list for view in lists.get_lists(session, user)}
    context = {
        "title": "Laporan NIK dicatut",
        "user": user,
        "page": page,
        "status": chosen,
        "offset": mulai,
        "page_size": PAGE_SIZE,
        "lists_by_id": owners,
    }
    return render(request, "pages/misuse.html", context)


@router.get("/laporan-penyalahgunaan/{report_id}", response_class=HTMLResponse)
def report_page(request: Request, session: SessionDep, user: MisuseReader, report_id: IdPath) -> Response:
    report = misuse.get_report(session, user, report_id)
    listed = {view.watch_list.id: view.watch_list for view in lists.get_lists(session, user)}
    context = {
        "title": f"Laporan #{report_id}",
        "user": user,
        "report": report,
        "watch_list": listed.get(report.list_id) if report.list_id else None,
        "transitions": sorted(misuse.TRANSITIONS.get(report.status, ())),
        "can_write": user.role in misuse.WRITE_ROLES,
        "finding_ids": misuse.findings_for_report(session, report),
        "can_read_findings": can_read_findings(user),
    }
    return render(request, "pages/misuse_report.html", context)


@router.post("/laporan-penyalahgunaan/{report_id}", response_class=HTMLResponse)
def update_report(
    request: Request,
    session: SessionDep,
    user: MisuseReader,
    _csrf: CsrfDep,
    report_id: IdPath,
    status: Annotated[str, Form(max_length=16)] = "",
    catatan: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    try:
        misuse.update_report(session, user, report_id, status=status or None, note=catatan)
    except NetraError as exc:
        if exc.status == 404:
            raise
        flash(request, msg.explain_error(exc), "error")
    else:
        flash(request, "Laporan diperbarui.")
    return RedirectResponse(f"/laporan-penyalahgunaan/{report_id}", status_code=303)
