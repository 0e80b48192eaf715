"""Check runs in the browser: start one, watch its progress, page through and export its findings, print it.

Thin: every read and write goes through :mod:`app.services.checks` and :mod:`app.services.findings`, which
scope runs to the operator's agency (another agency's run is a 404 page).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlmodel import col

from app.api.params import IdPath
from app.deps import SessionDep
from app.errors import NetraError
from app.models import LIST_TYPES, MAX_ID, REVIEW_STATUSES, Agency, CheckRun, ListVersion, WatchList
from app.services import checks, findings
from app.services.principals import Principal
from app.web import CsrfDep
from app.web import messages as msg
from app.web.access import OperatorUser, ReaderUser, flash, is_htmx, render
from app.web.chart import bar_chart
from app.web.exports import PEOPLE_EXPORT
from app.web.roster_pages import roster_names
from matching.records import CLASSES, KINDS

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SORTS: dict[str, findings.SortOrder] = {"skor": "score_desc", "skor_naik": "score_asc", "nomor": "id"}
CHANGES = ("new", "unchanged", "resolved")


def _pick(value: str | None, allowed: tuple[str, ...] | list[str]) -> str | None:
    # An unknown filter value (an edited URL) is ignored rather than answered with an error page.
    return value if value in allowed else None


class FindingParams:
    """The findings table's filters, sort and page, as Indonesian query parameters."""

    def __init__(
        self,
        kelas: Annotated[str | None, Query(max_length=32)] = None,
        jenis: Annotated[str | None, Query(max_length=32)] = None,
        daftar: Annotated[str | None, Query(max_length=16)] = None,
        pemilik: Annotated[str | None, Query(max_length=200)] = None,
        unit: Annotated[str | None, Query(max_length=255)] = None,
        tinjauan: Annotated[str | None, Query(max_length=16)] = None,
        perubahan: Annotated[str | None, Query(max_length=16)] = None,
        urut: Annotated[str, Query(max_length=16)] = "skor",
        halaman: Annotated[str | None, Query(max_length=400)] = None,
        riwayat: Annotated[str | None, Query(max_length=4000)] = None,
    ) -> None:
        self.values: dict[str, str] = {
            key: value
            for key, value in {
                "kelas": _pick(kelas, CLASSES),
                "jenis": _pick(jenis, tuple(KINDS)),
                "daftar": _pick(daftar, LIST_TYPES),
                "pemilik": (pemilik or "").strip() or None,
                "unit": (unit or "").strip() or None,
                "tinjauan": _pick(tinjauan, REVIEW_STATUSES),
                "perubahan": _pick(perubahan, CHANGES),
            }.items()
            if value
        }
        self.sort_key = urut if urut in SORTS else "skor"
        self.cursor = halaman or None
        self.history = [c for c in (riwayat or "").split(",") if c] if halaman else []

    @property
    def filters(self) -> findings.FindingFilters:
        v = self.values
        return findings.FindingFilters(
            match_class=v.get("kelas"),
            kind=v.get("jenis"),
            list_type=v.get("daftar"),
            owner=v.get("pemilik"),
            unit=v.get("unit"),
            review_status=v.get("tinjauan"),
            change=v.get("perubahan"),
        )

    @property
    def sort(self) -> findings.SortOrder:
        return SORTS[self.sort_key]

    def query(self, **changes: str | None) -> str:
        """This view's query string with some parameters changed (``None`` removes one)."""
        params: dict[str, str | None] = {**self.values, "urut": self.sort_key, **changes}
        return urlencode({key: value for key, value in params.items() if value})

    def next_query(self, next_cursor: str) -> str:
        history = ",".join([*self.history, self.cursor or ""]) if self.cursor else ""
        return self.query(halaman=next_cursor, riwayat=history or None)

    def previous_query(self) -> str | None:
        if not self.cursor:
            return None
        if not self.history:
            return self.query()
        *earlier, last = self.history
        return self.query(halaman=last or None, riwayat=",".join(earlier) or None)

    @property
    def page_number(self) -> int:
        return len(self.history) + (2 if self.cursor else 1)


FindingParamsDep = Annotated[FindingParams, Depends()]


def _duration(run: CheckRun) -> str | None:
    if run.started_at is None or run.finished_at is None:
        return None
    seconds = (run.finished_at - run.started_at).total_seconds()
    return f"{seconds:.1f} detik".replace(".", ",")


def trigger_versions(session: SessionDep, runs: list[CheckRun]) -> dict[int, tuple[str, int]]:
    """For re-checks: the list (owner) and version number whose arrival queued each, by version id."""
    ids = sorted({run.trigger_version_id for run in runs if run.trigger_version_id is not None})
    if not ids:
        return {}
    rows = session.execute(
        select(col(ListVersion.id), col(WatchList.owner), col(ListVersion.version))
        .join(WatchList, col(WatchList.id) == col(ListVersion.list_id))
        .where(col(ListVersion.id).in_(ids))
    ).all()
    return {int(vid): (str(owner), int(number)) for vid, owner, number in rows}


def _run_context(session: SessionDep, user: Principal, run: CheckRun) -> dict[str, Any]:
    assert run.id is not None
    return {
        "trigger": trigger_versions(session, [run]).get(run.trigger_version_id or 0),
        "changes": findings.change_counts(session, [run.id])[run.id],
        "run": run,
        "run_done": run.status in ("succeeded", "failed"),
        "duration": _duration(run),
        "roster_name": roster_names(session, user, [run.roster_id]).get(run.roster_id, f"#{run.roster_id}"),
        "list_versions": checks.run_list_versions(session, [run.id])[run.id],
        "run_error": msg.explain(422, run.error) if run.error else None,
    }


# --- list and start -----------------------------------------------------------------------------------


@router.get("/pemeriksaan", response_class=HTMLResponse)
def runs_page(
    request: Request,
    session: SessionDep,
    user: ReaderUser,
    sebelum: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> Response:
    runs, next_cursor = checks.list_runs(session, user, cursor=sebelum, limit=PAGE_SIZE)
    names = roster_names(session, user, sorted({run.roster_id for run in runs}))
    context = {
        "title": "Pemeriksaan",
        "user": user,
        "runs": runs,
        "names": names,
        "triggers": trigger_versions(session, runs),
        "next_cursor": next_cursor,
        "first_page": sebelum is None,
    }
    return render(request, "pages/runs.html", context)


@router.post("/pemeriksaan")
def start_run(
    request: Request,
    session: SessionDep,
    user: OperatorUser,
    _csrf: CsrfDep,
    roster_id: Annotated[int, Form(ge=1, le=MAX_ID)],
    election: Annotated[str, Form(max_length=120)] = "",
    list_type: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    try:
        run = checks.start_run(
            session,
            user,
            roster_id=roster_id,
            election=election or None,
            list_type=_pick(list_type, LIST_TYPES),
        )
    except NetraError as exc:
        if exc.status == 404:
            raise
        # Back to the roster page, which shows why the check could not start.
        flash(request, msg.explain_error(exc), "error")
        return RedirectResponse(f"/daftar-asn/{roster_id}", status_code=303)
    return RedirectResponse(f"/pemeriksaan/{run.id}", status_code=303)


# --- one run --------------------------------------------------------------------------------------------


@router.get("/pemeriksaan/{run_id}/progres", response_class=HTMLResponse)
def run_progress(request: Request, session: SessionDep, user: ReaderUser, run_id: IdPath) -> Response:
    run = checks.get_run(session, user, run_id)
    if run.status in ("succeeded", "failed") and is_htmx(request):
        # The results need the whole page: htmx reloads it.
        return Response(status_code=204, headers={"HX-Refresh": "true"})
    return render(request, "pages/_run_progress.html", {"user": user, **_run_context(session, user, run)})


@router.get("/pemeriksaan/{run_id}", response_class=HTMLResponse)
def run_page(
    request: Request, session: SessionDep, user: ReaderUser, run_id: IdPath, params: FindingParamsDep
) -> Response:
    run = checks.get_run(session, user, run_id)
    context: dict[str, Any] = {"title": f"Pemeriksaan #{run_id}", "user": user, "params": params}
    context.update(_run_context(session, user, run))
    if run.status == "succeeded":
        counts = findings.count_findings(session, user, run_id)
        page = findings.list_findings(
            session, user, run_id, params.filters, cursor=params.cursor, limit=PAGE_SIZE, sort=params.sort
        )
        context.update(
            counts=counts,
            total=sum(counts.get("match_class", {}).values()),
            chart=bar_chart(counts.get("owner", {})),
            page=page,
            first_row=(params.page_number - 1) * PAGE_SIZE,
            owners=sorted(counts.get("owner", {})),
            units=sorted(counts.get("unit", {}).items()),
            kinds=[kind for kind in KINDS if kind in counts.get("kind", {})] or list(KINDS),
            export_query=params.query(),
        )
    return render(request, "pages/run.html", context)


@router.get("/pemeriksaan/{run_id}/temuan.csv")
def export_csv(session: SessionDep, user: ReaderUser, run_id: IdPath, params: FindingParamsDep) -> Response:
    body = findings.export_csv(session, user, run_id, params.filters, layout=PEOPLE_EXPORT)
    # A BOM so Excel opens the UTF-8 file with the right characters (app.web.exports says the rest).
    return Response(
        ("\ufeff" + body).encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers=_download_headers(f"temuan-pemeriksaan-{run_id}.csv"),
    )


@router.get("/pemeriksaan/{run_id}/temuan.xlsx")
def export_xlsx(session: SessionDep, user: ReaderUser, run_id: IdPath, params: FindingParamsDep) -> Response:
    body = findings.export_xlsx(session, user, run_id, params.filters, layout=PEOPLE_EXPORT)
    return Response(
        body, media_type=XLSX_MEDIA_TYPE, headers=_download_headers(f"temuan-pemeriksaan-{run_id}.xlsx")
    )


def _download_headers(file_name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{file_name}"', "Cache-Control": "no-store"}


@router.get("/pemeriksaan/{run_id}/ringkasan", response_class=HTMLResponse)
def run_summary(request: Request, session: SessionDep, user: ReaderUser, run_id: IdPath) -> Response:
    """The printable summary: counts, chart, and confirmed findings as suspected neutrality violations."""
    run = checks.get_run(session, user, run_id)
    context: dict[str, Any] = {"title": f"Ringkasan pemeriksaan #{run_id}", "user": user}
    context.update(_run_context(session, user, run))
    counts = findings.count_findings(session, user, run_id) if run.status == "succeeded" else {}
    reviewed = (
        findings.reviewed_findings(session, user, run_id, ("confirmed", "misused"))
        if run.status == "succeeded"
        else {}
    )
    context.update(
        counts=counts,
        total=sum(counts.get("match_class", {}).values()),
        chart=bar_chart(counts.get("owner", {})),
        confirmed=reviewed.get("confirmed", []),
        misused=reviewed.get("misused", []),
        agency=session.get(Agency, run.agency_id),
        printed_at=datetime.now().astimezone(),
    )
    return render(request, "pages/summary.html", context)
