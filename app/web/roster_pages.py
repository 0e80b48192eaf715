"""Agency rosters (Daftar ASN) for operators: upload, row report, rejections, progress, start a check.

Thin: :mod:`app.services.rosters` does the work and scopes every roster to the operator's agency.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.api.params import IdPath
from app.deps import SessionDep, SettingsDep
from app.errors import NetraError
from app.models import LIST_TYPES
from app.services import checks, rosters
from app.services.principals import Principal
from app.web import CsrfDep, versions
from app.web import messages as msg
from app.web.access import OperatorUser, ReaderUser, flash, render
from app.web.uploads import inline, receive, rejections_csv, repeated_upload

router = APIRouter(include_in_schema=False)


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
    repeat = await run_in_threadpool(repeated_upload, session, user, "roster", upload)
    if repeat:
        return await run_in_threadpool(_upload_error, request, session, user, repeat, 409)
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
    flash(request, versions.uploaded_text(result))
    return RedirectResponse(f"/daftar-asn/{result.view.roster.id}", status_code=303)


@router.post("/daftar-asn/{roster_id}/versi", response_class=HTMLResponse)
async def upload_version(
    request: Request, session: SessionDep, settings: SettingsDep, user: OperatorUser, roster_id: IdPath
) -> Response:
    add_version = partial(rosters.add_version, session, user, roster_id)
    repeat = partial(repeated_upload, session, user, "roster")
    return await versions.upload_version(request, settings, f"/daftar-asn/{roster_id}", add_version, repeat)


@router.get("/daftar-asn/{roster_id}", response_class=HTMLResponse)
def roster_page(request: Request, session: SessionDep, user: ReaderUser, roster_id: IdPath) -> Response:
    view = rosters.get_roster(session, user, roster_id)
    latest = view.latest
    preview = versions.rejection_preview(latest, partial(rosters.rejections, session, user, roster_id))
    runs, _next = checks.list_runs(session, user, roster_id=roster_id, limit=10)
    context: dict[str, Any] = {
        "title": view.roster.name,
        "user": user,
        "view": view,
        "latest": latest,
        "busy": versions.is_busy(latest),
        "percent": versions.progress(latest),
        "preview": preview,
        "runs": runs,
        "can_write": user.role in ("operator", "admin"),
    }
    context.update(_check_options(session))
    return render(request, "pages/roster.html", context)


@router.get("/daftar-asn/{roster_id}/status", response_class=HTMLResponse)
def roster_status(request: Request, session: SessionDep, user: ReaderUser, roster_id: IdPath) -> Response:
    """The processing progress of the newest version (polled by htmx while it is stored)."""
    view = rosters.get_roster(session, user, roster_id)
    return versions.progress_fragment(request, user, view, f"/daftar-asn/{roster_id}/status")


@router.post("/daftar-asn/{roster_id}/versi/{version_id}/{decision}", response_class=HTMLResponse)
def decide_version(
    request: Request,
    session: SessionDep,
    user: OperatorUser,
    _csrf: CsrfDep,
    roster_id: IdPath,
    version_id: IdPath,
    decision: Literal["aktifkan", "buang"],
) -> Response:
    activate = decision == "aktifkan"
    decide = partial(rosters.decide_version, session, user, roster_id, version_id, activate=activate)
    return versions.decide_held(request, f"/daftar-asn/{roster_id}", decide, activate=activate)


@router.get("/daftar-asn/{roster_id}/versi/{version_id}/penolakan.csv")
def roster_rejections(
    session: SessionDep, user: ReaderUser, roster_id: IdPath, version_id: IdPath
) -> Response:
    version, rows = rosters.rejections(session, user, roster_id, version_id=version_id)
    return rejections_csv(rows, f"penolakan-daftar-asn-{roster_id}-v{version.version}.csv")
