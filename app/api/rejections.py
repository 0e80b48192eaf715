"""The rejected-rows download shared by lists and rosters: CSV streamed row by row, or one JSON page.

Both resources store their files through the same ingestion and keep rejections in one table, so the
download, its parameters and its documented answers are the same; only the file name differs.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import Query, Response
from fastapi.responses import StreamingResponse

from app.api.params import MAX_ID
from app.models import Rejection
from app.schemas.problem import problem_responses
from app.schemas.versions import REJECTION_CSV_COLUMNS, RejectionOut, RejectionPage
from app.spreadsheet import escape_cell

SUMMARY = "Rejected rows of a version (CSV by default, JSON with format=json)"
RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        # `model` registers RejectionPage as a component; an inline model_json_schema() would carry
        # `$defs` references that do not resolve inside the OpenAPI document.
        "model": RejectionPage,
        "content": {"text/csv": {}},
        "description": "One row per rejected line: line, reason, message, raw cells",
    },
    **problem_responses(401, 403, 404, 422),
}

VersionQuery = Annotated[int | None, Query(ge=1, le=MAX_ID, description="Default: newest")]
FormatQuery = Annotated[str, Query(pattern="^(csv|json)$")]


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


def _csv_lines(rows: Iterator[Rejection]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")  # Excel opens UTF-8 CSVs correctly only with a BOM
    writer.writerow(REJECTION_CSV_COLUMNS)
    for count, row in enumerate(rows, 1):
        raw = json.dumps(row.raw, ensure_ascii=False)
        writer.writerow([row.line, row.reason, escape_cell(row.message), escape_cell(raw)])
        if count % 1000 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
