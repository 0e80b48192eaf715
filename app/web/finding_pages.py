"""One finding: both rows side by side with differences marked, its explanation, review buttons, history."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.api.params import IdPath
from app.deps import SessionDep
from app.errors import NetraError
from app.services import findings, misuse, selfcheck
from app.services.principals import Principal
from app.web import CsrfDep
from app.web import messages as msg
from app.web.access import ReaderUser, flash, render
from app.web.compare import compare
from app.web.history import finding_history

router = APIRouter(include_in_schema=False)

DECISIONS = {"konfirmasi": "confirmed", "dicatut": "misused", "tolak": "dismissed"}
DONE = {
    "confirmed": "dikonfirmasi sebagai dugaan pelanggaran",
    "misused": "ditandai NIK dicatut: bukan pelanggaran pegawai; bantu pegawai mengajukan tanggapan ke KPU",
    "dismissed": "ditolak",
}


def _detail(
    request: Request,
    session: SessionDep,
    user: Principal,
    finding_id: int,
    *,
    error: str | None = None,
    reason: str = "",
    status_code: int = 200,
) -> Response:
    view = findings.get_finding(session, user, finding_id)
    r, le = view.roster_entry, view.list_entry
    context: dict[str, Any] = {
        "title": f"Temuan #{finding_id}",
        "user": user,
        "view": view,
        "f": view.finding,
        "cmp": compare(r.nik, r.name, le.nik, le.name),
        "can_review": user.role == "operator" and view.finding.change != "resolved",
        "next_id": findings.next_pending(session, view),
        "reports": misuse.reports_for_finding(
            session,
            view.finding.list_entry_id,
            selfcheck.nik_digest(request.app.state.settings.secret(), r.nik) if r.nik else None,
        ),
        "can_open_reports": user.role in misuse.READ_ROLES,
        "history": finding_history(session, finding_id),
        "error": error,
        "reason": reason,
    }
    return render(request, "pages/finding.html", context, status_code=status_code)


@router.get("/temuan/{finding_id}", response_class=HTMLResponse)
def finding_page(request: Request, session: SessionDep, user: ReaderUser, finding_id: IdPath) -> Response:
    return _detail(request, session, user, finding_id)


@router.post("/temuan/{finding_id}/tinjau", response_class=HTMLResponse)
def review(
    request: Request,
    session: SessionDep,
    user: ReaderUser,
    _csrf: CsrfDep,
    finding_id: IdPath,
    keputusan: Annotated[str, Form(max_length=16)],
    alasan: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    decision = DECISIONS.get(keputusan)
    try:
        if decision is None:
            raise NetraError("review_status must be 'confirmed', 'misused' or 'dismissed'", status=422)
        findings.review_finding(session, user, finding_id, review_status=decision, reason=alasan or None)
    except NetraError as exc:
        if exc.status == 404:
            raise
        return _detail(
            request,
            session,
            user,
            finding_id,
            error=msg.explain_error(exc),
            reason=alasan,
            status_code=exc.status,
        )
    flash(request, f"Temuan #{finding_id} {DONE[decision]}.")
    return RedirectResponse(f"/temuan/{finding_id}", status_code=303)
