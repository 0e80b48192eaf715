"""Party-member and supporter lists (Daftar pembanding) for stewards: catalogue, upload, versions, delete.

Thin: :mod:`app.services.lists` checks roles, stores files through ingestion and keeps the audit trail.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.api.params import IdPath
from app.deps import SessionDep, SettingsDep
from app.errors import NetraError
from app.services import findings, lists, screening
from app.services.principals import Principal
from app.web import CsrfDep, versions
from app.web import messages as msg
from app.web.access import StewardUser, flash, render
from app.web.uploads import inline, receive, rejections_csv, repeated_upload

router = APIRouter(include_in_schema=False)


def _catalogue(
    request: Request,
    session: SessionDep,
    user: Principal,
    *,
    error: str | None = None,
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    context = {
        "title": "Daftar partai & pendukung",
        "user": user,
        "lists": lists.get_lists(session, user),
        "known": lists.known_values(session, user),
        "error": error,
        "form": form or {},
    }
    return render(request, "pages/lists.html", context, status_code=status_code)


@router.get("/daftar-pembanding", response_class=HTMLResponse)
def lists_page(request: Request, session: SessionDep, user: StewardUser) -> Response:
    return _catalogue(request, session, user)


@router.post("/daftar-pembanding", response_class=HTMLResponse)
async def upload_list(
    request: Request, session: SessionDep, settings: SettingsDep, user: StewardUser
) -> Response:
    try:
        upload = await receive(request, settings)
    except NetraError as exc:
        error, status = msg.explain_error(exc), exc.status
        return await run_in_threadpool(
            lambda: _catalogue(request, session, user, error=error, status_code=status)
        )
    form = {key: upload.fields.get(key, "") for key in ("list_type", "owner", "election", "region")}
    repeat = await run_in_threadpool(repeated_upload, session, user, "list", upload)
    if repeat:
        return await run_in_threadpool(
            lambda: _catalogue(request, session, user, error=repeat, form=form, status_code=409)
        )
    try:
        result = await run_in_threadpool(
            lambda: lists.create_list(
                session,
                user,
                list_type=form["list_type"],
                owner=form["owner"],
                election=form["election"],
                region=form["region"] or None,
                upload=upload.file,
                inline=inline(upload, settings),
            )
        )
    except NetraError as exc:
        upload.discard()
        list_id = exc.extra.get("list_id")
        if list_id:  # the list exists; its page shows the failed version
            flash(request, msg.explain_error(exc), "error")
            return RedirectResponse(f"/daftar-pembanding/{list_id}", status_code=303)
        error, status = _field_error(exc), exc.status
        return await run_in_threadpool(
            lambda: _catalogue(request, session, user, error=error, form=form, status_code=status)
        )
    flash(request, versions.uploaded_text(result))
    return RedirectResponse(f"/daftar-pembanding/{result.view.watch_list.id}", status_code=303)


_FIELD_NAMES = {
    "list_type": "Jenis daftar",
    "owner": "Partai atau calon",
    "election": "Pemilihan",
    "region": "Wilayah",
}


def _field_error(exc: NetraError) -> str:
    """The services name form fields in English ("owner is required"); say it in Indonesian."""
    for field, label in _FIELD_NAMES.items():
        if exc.message.startswith(field):
            if "required" in exc.message:
                return f"{label} wajib diisi."
            if "longer than" in exc.message:
                return f"{label} terlalu panjang."
            if "must be one of" in exc.message:
                return f"Pilih {label.lower()}: anggota partai politik atau pendukung calon."
    return msg.explain_error(exc)


@router.get("/daftar-pembanding/{list_id}", response_class=HTMLResponse)
def list_page(request: Request, session: SessionDep, user: StewardUser, list_id: IdPath) -> Response:
    view = lists.get_list(session, user, list_id)
    latest = view.latest
    preview = versions.rejection_preview(latest, partial(lists.rejections, session, user, list_id))
    context: dict[str, Any] = {
        "title": view.watch_list.owner,
        "user": user,
        "view": view,
        "wl": view.watch_list,
        "latest": latest,
        "busy": versions.is_busy(latest),
        "percent": versions.progress(latest),
        "preview": preview,
        "rechecks": screening.rechecks_of(session, [v.id for v in view.versions if v.id is not None]),
    }
    context["recheck_changes"] = findings.change_counts(session, [run.id for run in context["rechecks"]])
    return render(request, "pages/list.html", context)


@router.get("/daftar-pembanding/{list_id}/status", response_class=HTMLResponse)
def list_status(request: Request, session: SessionDep, user: StewardUser, list_id: IdPath) -> Response:
    view = lists.get_list(session, user, list_id)
    return versions.progress_fragment(request, user, view, f"/daftar-pembanding/{list_id}/status")


@router.post("/daftar-pembanding/{list_id}/versi", response_class=HTMLResponse)
async def upload_version(
    request: Request, session: SessionDep, settings: SettingsDep, user: StewardUser, list_id: IdPath
) -> Response:
    add_version = partial(lists.add_version, session, user, list_id)
    repeat = partial(repeated_upload, session, user, "list")
    return await versions.upload_version(
        request, settings, f"/daftar-pembanding/{list_id}", add_version, repeat
    )


@router.post("/daftar-pembanding/{list_id}/versi/{version_id}/{decision}", response_class=HTMLResponse)
def decide_version(
    request: Request,
    session: SessionDep,
    user: StewardUser,
    _csrf: CsrfDep,
    list_id: IdPath,
    version_id: IdPath,
    decision: Literal["aktifkan", "buang"],
) -> Response:
    activate = decision == "aktifkan"
    decide = partial(lists.decide_version, session, user, list_id, version_id, activate=activate)
    return versions.decide_held(request, f"/daftar-pembanding/{list_id}", decide, activate=activate)


@router.get("/daftar-pembanding/{list_id}/versi/{version_id}/penolakan.csv")
def list_rejections(session: SessionDep, user: StewardUser, list_id: IdPath, version_id: IdPath) -> Response:
    version, rows = lists.rejections(session, user, list_id, version_id=version_id)
    return rejections_csv(rows, f"penolakan-daftar-{list_id}-v{version.version}.csv")


@router.post("/daftar-pembanding/{list_id}/hapus", response_class=HTMLResponse)
def delete_list(
    request: Request,
    session: SessionDep,
    user: StewardUser,
    _csrf: CsrfDep,
    list_id: IdPath,
    konfirmasi: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    view = lists.get_list(session, user, list_id)
    owner = view.watch_list.owner
    if konfirmasi.strip() != owner:
        flash(request, f"Daftar tidak dihapus: ketik nama “{owner}” persis untuk mengonfirmasi.", "error")
        return RedirectResponse(f"/daftar-pembanding/{list_id}", status_code=303)
    counts = lists.delete_list(session, user, list_id)
    removed = counts.get("entries", 0)
    flash(request, f"Daftar “{owner}” dihapus beserta {removed:,} baris datanya.".replace(",", "."))
    return RedirectResponse("/daftar-pembanding", status_code=303)
