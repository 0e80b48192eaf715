"""Party-member and supporter lists: upload, replace, read, rejections, delete (stewards; auditors read).

Thin: upload routes stream the body to disk (:mod:`app.api.uploads`) and hand the file to
:mod:`app.services.lists` in the threadpool, since storing a file is CPU- and database-bound.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse

from app.api.params import MAX_ID, id_path
from app.api.uploads import multipart_body, receive_upload
from app.deps import SessionDep, SettingsDep, require_role
from app.models import Rejection
from app.schemas.lists import ListDetail, ListOut, ListType, ListUploadOut, list_out, list_upload_out
from app.schemas.problem import problem_responses
from app.schemas.versions import REJECTION_CSV_COLUMNS, RejectionOut, RejectionPage
from app.services import lists
from app.services.principals import Principal

router = APIRouter(prefix="/lists", tags=["lists"])

Steward = Annotated[Principal, Depends(require_role("steward", "admin"))]
Reader = Annotated[Principal, Depends(require_role("steward", "admin", "auditor"))]
ListId = Annotated[int, id_path("List")]

_UPLOAD_ERRORS = problem_responses(401, 403, 404, 413, 415, 422)
_LIST_FIELDS: dict[str, dict[str, Any]] = {
    "list_type": {"type": "string", "enum": ["party_member", "supporter"]},
    "owner": {"type": "string", "maxLength": 200, "description": "Party or candidate"},
    "election": {"type": "string", "maxLength": 120, "description": "e.g. Pemilu 2024"},
    "region": {"type": "string", "maxLength": 120},
}
_ACCEPTED: dict[int | str, dict[str, Any]] = {
    202: {"model": ListUploadOut, "description": "Stored in the background; follow `status` on the list"}
}


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ListUploadOut,
    summary="Upload a new list (CSV or XLSX)",
    responses={**_ACCEPTED, **_UPLOAD_ERRORS},
    openapi_extra=multipart_body(_LIST_FIELDS, ["list_type", "owner", "election"]),
)
async def create_list(
    request: Request, principal: Steward, session: SessionDep, settings: SettingsDep, response: Response
) -> ListUploadOut:
    upload = await receive_upload(request, settings)
    try:
        result = await run_in_threadpool(
            lists.create_list,
            session,
            principal,
            list_type=upload.text("list_type") or "",
            owner=upload.text("owner") or "",
            election=upload.text("election") or "",
            region=upload.text("region"),
            upload=upload.file,
            inline=upload.file.size <= settings.inline_ingest_max_bytes,
            columns=upload.columns(),
        )
    except BaseException:
        upload.discard()
        raise
    if result.queued:
        response.status_code = status.HTTP_202_ACCEPTED
    return list_upload_out(result)


@router.post(
    "/{list_id}/versions",
    status_code=status.HTTP_201_CREATED,
    response_model=ListUploadOut,
    summary="Replace a list's rows with a new file",
    responses={**_ACCEPTED, **_UPLOAD_ERRORS},
    openapi_extra=multipart_body({}, []),
)
async def add_version(
    list_id: ListId,
    request: Request,
    principal: Steward,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
) -> ListUploadOut:
    upload = await receive_upload(request, settings)
    try:
        result = await run_in_threadpool(
            lists.add_version,
            session,
            principal,
            list_id,
            upload.file,
            inline=upload.file.size <= settings.inline_ingest_max_bytes,
            columns=upload.columns(),
        )
    except BaseException:
        upload.discard()
        raise
    if result.queued:
        response.status_code = status.HTTP_202_ACCEPTED
    return list_upload_out(result)


@router.get("", response_model=list[ListOut], responses=problem_responses(401, 403, 422))
def get_lists(
    principal: Reader,
    session: SessionDep,
    list_type: ListType | None = None,
    election: Annotated[str | None, Query(max_length=120)] = None,
    owner: Annotated[str | None, Query(max_length=200)] = None,
) -> list[ListOut]:
    views = lists.get_lists(session, principal, list_type=list_type, election=election, owner=owner)
    return [list_out(view) for view in views]


@router.get("/{list_id}", response_model=ListDetail, responses=problem_responses(401, 403, 404, 422))
def get_list(list_id: ListId, principal: Reader, session: SessionDep) -> ListOut:
    return list_out(lists.get_list(session, principal, list_id), detail=True)


@router.get(
    "/{list_id}/rejections",
    summary="Rejected rows of a version (CSV by default, JSON with format=json)",
    responses={
        200: {
            # `model` registers RejectionPage as a component; an inline model_json_schema() would carry
            # `$defs` references that do not resolve inside the OpenAPI document.
            "model": RejectionPage,
            "content": {"text/csv": {}},
            "description": "One row per rejected line: line, reason, message, raw cells",
        },
        **problem_responses(401, 403, 404, 422),
    },
    response_model=None,
)
def get_rejections(
    list_id: ListId,
    principal: Reader,
    session: SessionDep,
    version_id: Annotated[int | None, Query(ge=1, le=MAX_ID, description="Default: newest")] = None,
    format: Annotated[str, Query(pattern="^(csv|json)$")] = "csv",
) -> Response:
    version, rows = lists.rejections(session, principal, list_id, version_id=version_id)
    assert version.id is not None
    return rejections_response(rows, version.id, format, f"list-{list_id}-v{version.version}-rejections")


def rejections_response(rows: Iterator[Rejection], version_id: int, format: str, stem: str) -> Response:
    """CSV streamed row by row, or a JSON page of every rejection."""
    if format == "json":
        items = [RejectionOut.model_validate(row) for row in rows]
        page = RejectionPage(version_id=version_id, total=len(items), items=items)
        return Response(page.model_dump_json(), media_type="application/json")
    return StreamingResponse(
        _csv_lines(rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{stem}.csv"'},
    )


def _safe(value: str) -> str:
    # A cell starting with = + - @ would run as a formula when the CSV is opened in a spreadsheet.
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def _csv_lines(rows: Iterator[Rejection]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")  # Excel opens UTF-8 CSVs correctly only with a BOM
    writer.writerow(REJECTION_CSV_COLUMNS)
    for count, row in enumerate(rows, 1):
        raw = json.dumps(row.raw, ensure_ascii=False)
        writer.writerow([row.line, row.reason, _safe(row.message), _safe(raw)])
        if count % 1000 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


@router.delete(
    "/{list_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a list and purge its entries",
    responses=problem_responses(401, 403, 404, 422),
)
def delete_list(list_id: ListId, principal: Steward, session: SessionDep) -> Response:
    lists.delete_list(session, principal, list_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
