"""Check runs and their findings: start, follow, page through, export, see what changed.

Thin: parse, call :mod:`app.services.checks` / :mod:`app.services.findings`, shape. Tenancy lives in the
services (an operator's other-agency ids answer 404).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from app.api.params import MAX_ID, id_path
from app.deps import SessionDep, require_role
from app.schemas.checks import (
    Change,
    ChangesRead,
    CheckCreate,
    CheckPage,
    CheckRead,
    FindingPage,
    FindingSort,
    ListType,
    MatchClass,
    ReviewStatus,
    RunStatus,
    check_read,
    finding_read,
)
from app.schemas.problem import problem_responses
from app.services import checks, findings
from app.services.principals import Principal

router = APIRouter(prefix="/checks", tags=["checks"])

Reader = Annotated[Principal, Depends(require_role("operator", "auditor", "admin"))]
Starter = Annotated[Principal, Depends(require_role("operator", "admin"))]
RunId = Annotated[int, id_path("Check run")]
_READ_ERRORS = problem_responses(401, 403, 404, 422)

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class FindingQuery:
    """Filters, sort and paging of a run's findings (query parameters)."""

    def __init__(
        self,
        match_class: Annotated[MatchClass | None, Query(alias="class", description="Finding class")] = None,
        kind: Annotated[str | None, Query(max_length=32, description="e.g. `nik_exact`")] = None,
        list_type: ListType | None = None,
        owner: Annotated[str | None, Query(max_length=200, description="Party or candidate")] = None,
        unit: Annotated[
            str | None,
            Query(max_length=255, description="Part of the roster unit's name (unit kerja), any case"),
        ] = None,
        review_status: ReviewStatus | None = None,
        change: Annotated[Change | None, Query(description="Default: all but `resolved`")] = None,
    ) -> None:
        self.filters = findings.FindingFilters(
            match_class=match_class,
            kind=kind,
            list_type=list_type,
            owner=owner,
            unit=unit,
            review_status=review_status,
            change=change,
        )


FindingQueryDep = Annotated[FindingQuery, Depends()]


def _read(session: SessionDep, run_id: int, principal: Principal) -> CheckRead:
    run = checks.get_run(session, principal, run_id)
    assert run.id is not None
    return check_read(run, checks.run_list_versions(session, [run.id])[run.id])


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Start a check run",
    responses=problem_responses(401, 403, 404, 409, 422),
)
def start_check(body: CheckCreate, session: SessionDep, caller: Starter, response: Response) -> CheckRead:
    """Queue a check of the roster's active version against every active list that passes the filters.

    Poll `GET /api/v1/checks/{id}` for progress; findings appear when the run has succeeded.
    """
    run = checks.start_run(
        session,
        caller,
        roster_id=body.roster_id,
        election=body.election,
        list_type=body.list_type,
        list_ids=body.list_ids,
    )
    response.headers["Location"] = f"/api/v1/checks/{run.id}"
    assert run.id is not None
    return check_read(run, checks.run_list_versions(session, [run.id])[run.id])


@router.get("", summary="List check runs", responses=_READ_ERRORS)
def list_checks(
    session: SessionDep,
    caller: Reader,
    roster_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    run_status: Annotated[RunStatus | None, Query(alias="status")] = None,
    cursor: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="`next_cursor` of the last page")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> CheckPage:
    runs, next_cursor = checks.list_runs(
        session, caller, roster_id=roster_id, status=run_status, cursor=cursor, limit=limit
    )
    versions = checks.run_list_versions(session, [run.id for run in runs if run.id is not None])
    return CheckPage(
        items=[check_read(run, versions[run.id or 0]) for run in runs],
        next_cursor=None if next_cursor is None else str(next_cursor),
    )


@router.get("/{run_id}", summary="A check run's status and progress", responses=_READ_ERRORS)
def get_check(run_id: RunId, session: SessionDep, caller: Reader) -> CheckRead:
    return _read(session, run_id, caller)


@router.get("/{run_id}/findings", summary="Page through a run's findings", responses=_READ_ERRORS)
def list_run_findings(
    run_id: RunId,
    session: SessionDep,
    caller: Reader,
    query: FindingQueryDep,
    sort: FindingSort = "score_desc",
    cursor: Annotated[str | None, Query(max_length=200, description="`next_cursor` of the last page")] = None,
    limit: Annotated[int, Query(ge=1, le=findings.MAX_PAGE)] = 100,
) -> FindingPage:
    """Findings with their explanations; NIKs are masked here (open one finding to see them in full)."""
    page = findings.list_findings(
        session, caller, run_id, query.filters, cursor=cursor, limit=limit, sort=sort
    )
    return FindingPage(items=[finding_read(view) for view in page.items], next_cursor=page.next_cursor)


@router.get(
    "/{run_id}/findings.csv",
    summary="Export a run's findings as CSV",
    response_class=Response,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}, **_READ_ERRORS},
)
def export_findings_csv(
    run_id: RunId, session: SessionDep, caller: Reader, query: FindingQueryDep
) -> Response:
    """UTF-8 CSV honouring the same filters; cells a spreadsheet would run as formulas are escaped."""
    body = findings.export_csv(session, caller, run_id, query.filters)
    return Response(
        content=body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="netra-run-{run_id}-findings.csv"'},
    )


@router.get(
    "/{run_id}/findings.xlsx",
    summary="Export a run's findings as XLSX",
    response_class=Response,
    responses={
        200: {"content": {XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}}},
        **_READ_ERRORS,
    },
)
def export_findings_xlsx(
    run_id: RunId, session: SessionDep, caller: Reader, query: FindingQueryDep
) -> Response:
    """An Excel workbook; NIKs and NIPs are text cells so Excel keeps all their digits."""
    body = findings.export_xlsx(session, caller, run_id, query.filters)
    return Response(
        content=body,
        media_type=XLSX_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="netra-run-{run_id}-findings.xlsx"'},
    )


@router.get("/{run_id}/changes", summary="What changed since the previous run", responses=_READ_ERRORS)
def get_changes(run_id: RunId, session: SessionDep, caller: Reader) -> ChangesRead:
    """Findings that are new since the roster's previous run over the same lists, and ones that disappeared
    (`resolved`), e.g. after a list got a new version."""
    changes = findings.run_changes(session, caller, run_id)
    return ChangesRead(
        run_id=run_id,
        previous_run_id=changes.previous_run_id,
        new=[finding_read(view) for view in changes.new],
        resolved=[finding_read(view) for view in changes.resolved],
        unchanged_count=changes.unchanged_count,
    )
