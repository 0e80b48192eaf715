"""Agency rosters (Daftar ASN) for operators: upload, row report, rejections, progress, start a check.

Thin: :mod:`app.services.rosters` does the work and scopes every roster to the operator's agency.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import islice
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.deps import SessionDep, SettingsDep
from app.errors import NetraError
from app.models import LIST_TYPES, RosterVersion
from app.services import checks, rosters
from app.services.principals import Principal
from app.web import messages as msg
from app.web.access import OperatorUser, ReaderUser, flash, is_htmx, render
from app.web.uploads import inline, receive, rejections_csv

router = APIRouter(include_in_schema=False)

PREVIEW_REJECTIONS = 20
BUSY = ("pending", "processing")


def roster_names(session: SessionDep, user: Principal, ids: Iterable[int]) -> dict[int, str]:
    """Roster names for display (the caller's visible rosters only)."""
    wanted = set(ids)
    if not wanted:
        return {}
    return {
        view.roster.id: view.roster.name
        for view in rosters.get_rosters(session, user)
        if view.roster.id in wanted
    }


def _check_options(session: SessionDep) -> dict[str, Any]:
    active = checks.select_lists(session)
    return {
        "elections": sorted({watch.election for watch, _ in active}),
        "list_types": [t for t in LIST_TYPES if any(w.list_type == t for w, _ in active)],
        "active_lists": len(active),
    }


def _progress(version: RosterVersion | None) -> int | None:
    if version is None or not version.rows_total:
        return None
    return min(100, round(100 * version.rows_processed / version.rows_total))


@router.get("/daftar-asn", response_class=HTMLResponse)
def rosters_page(request: Request, session: SessionDep, user: ReaderUser) -> Response:
    context = {"title": "Daftar ASN", "user": user, "rosters": rosters.get_rosters(session, user)}
    return render(request, "pages/rosters.html", context)


def _upload_error(
    request: Request, session: SessionDep, user: Principal, error: str, status: int
) -> Response:
    context = {
        "title": "Daftar ASN",
        "user": user,
        "rosters": rosters.get_rosters(session, user),
        "error": error,
    }
    return render(request, "pages/rosters.html", context, status_code=status)


@router.post("/daftar-asn", response_class=HTMLResponse)
async def upload_roster(
    request: Request, session: SessionDep, settings: SettingsDep, user: OperatorUser
) -> Response:
    try:
        upload = await receive(request, settings)
    except NetraError as exc:
        return await run_in_threadpool(
            _upload_error, request, session, user, msg.explain_error(exc), exc.status
        )
    try:
        result = await run_in_threadpool(
            rosters.create_roster,
            session,
            user,
            name=upload.text("name"),
            upload=upload.file,
            inline=inline(upload, settings),
            agency_code=upload.text("agency"),
        )
    except NetraError as exc:
        upload.discard()
        roster_id = exc.extra.get("roster_id")
        if roster_id:  # the roster exists; its page shows the failed version
            flash(request, msg.explain_error(exc), "error")
            return RedirectResponse(f"/daftar-asn/{roster_id}", status_code=303)
        return await run_in_threadpool(
            _upload_error, request, session, user, msg.explain_error(exc), exc.status
        )
    flash(request, _uploaded_text(result.queued))
    return RedirectResponse(f"/daftar-asn/{result.view.roster.id}", status_code=303)


def _uploaded_text(queued: bool) -> str:
    if queued:
        return "Berkas diterima dan sedang diproses. Kemajuan tampil di bawah."
    return "Berkas selesai diproses. Lihat laporan baris di bawah."


@router.post("/daftar-asn/{roster_id}/versi", response_class=HTMLResponse)
async def upload_version(
    request: Request, session: SessionDep, settings: SettingsDep, user: OperatorUser, roster_id: int
) -> Response:
    try:
        upload = await receive(request, settings)
    except NetraError as exc:
        flash(request, msg.explain_error(exc), "error")
        return RedirectResponse(f"/daftar-asn/{roster_id}", status_code=303)
    try:
        result = await run_in_threadpool(
            rosters.add_version, session, user, roster_id, upload.file, inline=inline(upload, settings)
        )
    except NetraError as exc:
        upload.discard()
        if exc.status == 404:
            raise
        flash(request, msg.explain_error(exc), "error")
        return RedirectResponse(f"/daftar-asn/{roster_id}", status_code=303)
    flash(request, _uploaded_text(result.queued))
    return RedirectResponse(f"/daftar-asn/{roster_id}", status_code=303)


@router.get("/daftar-asn/{roster_id}", response_class=HTMLResponse)
def roster_page(request: Request, session: SessionDep, user: ReaderUser, roster_id: int) -> Response:
    view = rosters.get_roster(session, user, roster_id)
    latest = view.latest
    preview = []
    if latest is not None and latest.rejected and latest.status not in BUSY:
        _version, rows = rosters.rejections(session, user, roster_id, version_id=latest.id)
        preview = list(islice(rows, PREVIEW_REJECTIONS))
    runs, _next = checks.list_runs(session, user, roster_id=roster_id, limit=10)
    context: dict[str, Any] = {
        "title": view.roster.name,
        "user": user,
        "view": view,
        "latest": latest,
        "busy": latest is not None and latest.status in BUSY,
        "percent": _progress(latest),
        "preview": preview,
        "runs": runs,
        "can_write": user.role in ("operator", "admin"),
    }
    context.update(_check_options(session))
    return render(request, "pages/roster.html", context)


@router.get("/daftar-asn/{roster_id}/status", response_class=HTMLResponse)
def roster_status(request: Request, session: SessionDep, user: ReaderUser, roster_id: int) -> Response:
    """The processing progress of the newest version (polled by htmx while it is stored)."""
    view = rosters.get_roster(session, user, roster_id)
    latest = view.latest
    if is_htmx(request) and (latest is None or latest.status not in BUSY):
        return Response(status_code=204, headers={"HX-Refresh": "true"})
    context = {
        "user": user,
        "latest": latest,
        "percent": _progress(latest),
        "busy": True,
        "status_url": f"/daftar-asn/{roster_id}/status",
    }
    return render(request, "pages/_version_progress.html", context)


@router.get("/daftar-asn/{roster_id}/versi/{version_id}/penolakan.csv")
def roster_rejections(session: SessionDep, user: ReaderUser, roster_id: int, version_id: int) -> Response:
    version, rows = rosters.rejections(session, user, roster_id, version_id=version_id)
    return rejections_csv(rows, f"penolakan-daftar-asn-{roster_id}-v{version.version}.csv")
