"""The file-version parts a list page and a roster page share: progress, rejection preview, new versions.

Both resources store numbered file versions the same way (:mod:`app.services.versions`), so their pages
show a version being stored, preview its rejected rows and take a replacement file alike; each page passes
its own URLs and binds its own service calls.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from itertools import islice
from typing import Any, Protocol

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from app.api.uploads import Upload
from app.config import Settings
from app.errors import NetraError
from app.models import ListVersion, Rejection, RosterVersion
from app.services.principals import Principal
from app.services.versions import VersionHistory
from app.web import messages as msg
from app.web.access import flash, is_htmx, render
from app.web.uploads import inline, receive

PREVIEW_REJECTIONS = 20
BUSY = ("pending", "processing")

Version = ListVersion | RosterVersion


class _Submitted(Protocol):
    queued: bool

    @property
    def version(self) -> Version: ...


def is_busy(version: Version | None) -> bool:
    return version is not None and version.status in BUSY


def progress(version: Version | None) -> int | None:
    """Percent of the rows read, once a total (or, while processing, its estimate) is known; below 100
    until the version is stored, since an estimate may run short of the rows still to store."""
    if version is None or not version.rows_total:
        return None
    percent = round(100 * version.rows_processed / version.rows_total)
    return min(99 if is_busy(version) else 100, percent)


def rejection_preview(
    latest: Version | None, rejections: Callable[..., tuple[Version, Iterable[Rejection]]]
) -> list[Rejection]:
    """The first rejected rows of a stored newest version, read through ``rejections(version_id=…)``."""
    if latest is None or not latest.rejected or latest.status in BUSY:
        return []
    _version, rows = rejections(version_id=latest.id)
    return list(islice(rows, PREVIEW_REJECTIONS))


def progress_fragment(
    request: Request, user: Principal, view: VersionHistory[Any], status_url: str
) -> Response:
    """The progress bar htmx polls while a version is stored; once it is done, the whole page reloads."""
    latest = view.latest
    if is_htmx(request) and not is_busy(latest):
        return Response(status_code=204, headers={"HX-Refresh": "true"})
    context = {
        "user": user,
        "view": view,
        "latest": latest,
        "percent": progress(latest),
        "busy": True,
        "status_url": status_url,
    }
    return render(request, "pages/_version_progress.html", context)


def uploaded_text(result: _Submitted) -> str:
    if result.queued:
        return "Berkas diterima dan sedang diproses. Kemajuan tampil di bawah."
    if result.version.status == "held":
        return (
            "Berkas tersimpan, tetapi belum dipakai: barisnya jauh lebih sedikit daripada versi aktif. "
            "Periksa laporannya di bawah, lalu aktifkan atau buang versi ini."
        )
    return "Berkas selesai diproses. Lihat laporan baris di bawah."


def decide_held(request: Request, page_url: str, decide: Callable[[], object], *, activate: bool) -> Response:
    """The "activate" / "discard" buttons of a held version: do it, say so, and go back to the page."""
    try:
        decide()
    except NetraError as exc:
        if exc.status == 404:
            raise
        flash(
            request,
            "Versi ini tidak lagi menunggu konfirmasi; halaman menampilkan keadaan terbarunya.",
            "error",
        )
        return RedirectResponse(page_url, status_code=303)
    if activate:
        flash(request, "Versi baru diaktifkan: pemeriksaan berikutnya memakai barisnya.")
    else:
        flash(request, "Versi baru dibuang; versi aktif tetap dipakai.")
    return RedirectResponse(page_url, status_code=303)


async def upload_version(
    request: Request,
    settings: Settings,
    page_url: str,
    add_version: Callable[..., _Submitted],
    repeated: Callable[[Upload], str | None],
) -> Response:
    """The "new version" form: store the file through ``add_version(file, inline=…)`` and go back to the page.

    Problems with the file are flashed on the page; a parent that does not exist (or is not the caller's)
    stays a 404.
    """
    try:
        upload = await receive(request, settings)
    except NetraError as exc:
        flash(request, msg.explain_error(exc), "error")
        return RedirectResponse(page_url, status_code=303)
    held_back = await run_in_threadpool(repeated, upload)
    if held_back:
        flash(request, held_back, "error")
        return RedirectResponse(page_url, status_code=303)
    try:
        result = await run_in_threadpool(add_version, upload.file, inline=inline(upload, settings))
    except NetraError as exc:
        upload.discard()
        if exc.status == 404:
            raise
        flash(request, msg.explain_error(exc), "error")
        return RedirectResponse(page_url, status_code=303)
    flash(request, uploaded_text(result))
    return RedirectResponse(page_url, status_code=303)
