"""Receive a multipart upload by streaming it to disk, under the size limit, hashing as it arrives.

FastAPI's ``UploadFile`` would spool the whole body before the route (and its limit) runs, so upload routes
take the raw :class:`~starlette.requests.Request` and hand its stream to :func:`receive_upload`: the file
part goes through :class:`app.services.ingestion.UploadSink` (count, SHA-256, write, stop at the limit),
small text fields are collected, anything else is refused.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from fastapi import Response, status
from fastapi.concurrency import run_in_threadpool
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from app.config import Settings
from app.errors import UnsupportedFile, ValidationFailed
from app.schemas.problem import problem_responses
from app.services.ingestion import UploadedFile, UploadSink, UploadTooLarge

FILE_FIELD = "file"
MAX_FIELD_BYTES = 16 * 1024
MAX_FIELDS = 20
# Multipart framing around the file: headers and boundaries, generously.
FRAMING_SLACK = 64 * 1024

UPLOAD_ERRORS = problem_responses(401, 403, 404, 413, 415, 422)


@dataclass
class Upload:
    file: UploadedFile
    fields: dict[str, str] = field(default_factory=dict)

    def text(self, name: str) -> str | None:
        value = self.fields.get(name)
        return value if value is None else value.strip() or None

    def columns(self) -> dict[str, str | int] | None:
        """The optional ``columns`` field: JSON naming columns explicitly (field → header or index)."""
        raw = self.text("columns")
        if raw is None:
            return None
        try:
            value = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ValidationFailed('columns must be a JSON object such as {"nik": "No KTP"}') from exc
        if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str | int) and not isinstance(v, bool)
            for k, v in value.items()
        ):
            raise ValidationFailed("columns must map field names to a header text or a 0-based column index")
        return value

    def discard(self) -> None:
        self.file.path.unlink(missing_ok=True)


def multipart_body(fields: dict[str, dict[str, Any]], required: list[str]) -> dict[str, Any]:
    """``openapi_extra`` describing the multipart body an upload route reads itself."""
    properties = {FILE_FIELD: {"type": "string", "format": "binary", "description": "CSV or XLSX"}, **fields}
    properties["columns"] = {
        "type": "string",
        "description": 'Optional JSON object naming columns explicitly, e.g. {"nik": "No KTP", "name": 2}',
    }
    return {
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": properties,
                        "required": [FILE_FIELD, *required],
                    }
                }
            },
        }
    }


MAX_FILE_NAME_CHARS = 255
"""As long as a version's ``file_name`` column; the multipart parser bounds a header line at 4 KiB."""


def allow_body(request: Request, limit: int) -> None:
    """Let this request's body grow to ``limit`` bytes (see :class:`app.main.BodyLimitMiddleware`): an
    upload streams to disk, bounded by the upload limit instead of the one for bodies read into memory."""
    state = request.scope.setdefault("state", {})
    state["body_limit"] = max(int(state.get("body_limit", 0)), limit)


async def receive_upload(request: Request, settings: Settings) -> Upload:
    """Stream the request's file part to ``settings.upload_path``; 413 beyond ``max_upload_bytes``."""
    media_type, params = parse_options_header(request.headers.get("content-type", ""))
    boundary = params.get(b"boundary")
    if media_type != b"multipart/form-data" or not boundary:
        raise UnsupportedFile("Send the file as multipart/form-data with a 'file' part")
    limit = settings.max_upload_bytes
    allow_body(request, limit + FRAMING_SLACK)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit + FRAMING_SLACK:
        raise UploadTooLarge(f"The upload exceeds the limit of {limit:,} bytes.", extra={"limit": limit})

    fields: dict[str, str] = {}
    state: dict[str, Any] = {"headers": {}, "name": None, "sink": None, "buffer": bytearray(), "field": b""}
    sinks: list[UploadSink] = []

    def on_part_begin() -> None:
        state.update(headers={}, name=None, sink=None, buffer=bytearray())

    def on_header_field(data: bytes, start: int, end: int) -> None:
        state["field"] += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        key = state["field"].lower()
        state["headers"][key] = state["headers"].get(key, b"") + data[start:end]

    def on_header_end() -> None:
        state["field"] = b""

    def on_headers_finished() -> None:
        _, disposition = parse_options_header(state["headers"].get(b"content-disposition", b""))
        name = disposition.get(b"name", b"").decode("utf-8", "replace")
        state["name"] = name
        if name == FILE_FIELD:
            if sinks:
                raise ValidationFailed("Send exactly one file")
            file_name = disposition.get(b"filename", b"upload").decode("utf-8", "replace") or "upload"
            file_name = file_name.rsplit("/", 1)[-1]
            if len(file_name) > MAX_FILE_NAME_CHARS:  # a version records its file's name whole
                raise ValidationFailed(
                    f"The file name has {len(file_name):,} characters; at most {MAX_FILE_NAME_CHARS} are "
                    "accepted. Rename the file and upload it again.",
                    extra={"max_file_name_chars": MAX_FILE_NAME_CHARS},
                )
            sink = UploadSink(
                settings.upload_path,
                max_bytes=limit,
                file_name=file_name,
                max_decompressed_bytes=settings.max_decompressed_bytes,
            )
            sinks.append(sink)
            state["sink"] = sink
        elif len(fields) >= MAX_FIELDS:
            raise ValidationFailed("Too many form fields")

    def on_part_data(data: bytes, start: int, end: int) -> None:
        sink: UploadSink | None = state["sink"]
        if sink is not None:
            sink.write(data[start:end])
            return
        buffer: bytearray = state["buffer"]
        buffer += data[start:end]
        if len(buffer) > MAX_FIELD_BYTES:
            raise ValidationFailed(f"The form field {state['name']!r} is too long")

    def on_part_end() -> None:
        if state["sink"] is None and state["name"]:
            fields[state["name"]] = bytes(state["buffer"]).decode("utf-8", "replace")

    parser = MultipartParser(
        boundary,
        {
            "on_part_begin": on_part_begin,
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_headers_finished": on_headers_finished,
            "on_part_data": on_part_data,
            "on_part_end": on_part_end,
        },
    )
    try:
        try:
            async for chunk in request.stream():
                parser.write(chunk)
            parser.finalize()
        except MultipartParseError as exc:
            # A part header past the parser's bound (a file name of thousands of characters), or broken
            # framing: the client's request, not a server error.
            raise ValidationFailed(
                f"The multipart body cannot be read ({exc}); a file name may have at most "
                f"{MAX_FILE_NAME_CHARS} characters.",
                extra={"max_file_name_chars": MAX_FILE_NAME_CHARS},
            ) from exc
    except BaseException:
        for sink in sinks:
            sink.discard()
        raise
    if not sinks:
        raise ValidationFailed("The request has no 'file' part")
    return Upload(sinks[0].finish(), fields)


class _Submitted(Protocol):
    queued: bool


SubmittedT = TypeVar("SubmittedT", bound=_Submitted)


async def submit_upload(
    upload: Upload, settings: Settings, response: Response, store: Callable[..., SubmittedT]
) -> SubmittedT:
    """Run a service's ``store`` on a received file (passing ``inline`` and ``columns``) in the threadpool.

    Storing is CPU- and database-bound, so it leaves the event loop. Small files are stored before the answer
    (201), larger ones queued (202); if storing fails, the file is removed.
    """
    try:
        result = await run_in_threadpool(
            store, inline=upload.file.size <= settings.inline_ingest_max_bytes, columns=upload.columns()
        )
    except BaseException:
        upload.discard()
        raise
    if result.queued:
        response.status_code = status.HTTP_202_ACCEPTED
    return result
