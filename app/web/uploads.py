"""File uploads from browser forms, streamed to disk by the ingestion upload reader.

Upload pages cannot use :data:`app.web.CsrfDep` (it would make FastAPI buffer the whole multipart body
before the size limit applies), so the form's CSRF token is read from the streamed fields and checked here;
on a mismatch the stored file is removed at once.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from fastapi import Request
from fastapi.responses import Response
from sqlmodel import Session

from app import security, wording
from app.api.uploads import Upload, receive_upload
from app.config import Settings
from app.errors import Forbidden
from app.ingest.entries import Source
from app.models import Rejection
from app.services.principals import Principal
from app.services.versions import earlier_uploads
from app.spreadsheet import escape_cell
from app.web import SESSION_CSRF
from app.web.access import local_time
from app.web.messages import rejection_text

CSRF_MESSAGE = "Formulir kedaluwarsa atau tidak sah; muat ulang halaman dan coba lagi"


async def receive(request: Request, settings: Settings) -> Upload:
    """The uploaded file and form fields, after the CSRF check."""
    upload = await receive_upload(request, settings)
    if not security.csrf_token_matches(request.session.get(SESSION_CSRF), upload.fields.get("csrf_token")):
        upload.discard()
        raise Forbidden(CSRF_MESSAGE)
    return upload


def repeated_upload(session: Session, user: Principal, source: Source, upload: Upload) -> str | None:
    """Why an upload is held back: the same file (same SHA-256) was stored before, and the form's
    "tetap" box, which says "upload it anyway", is not ticked. The held-back file is removed."""
    if upload.fields.get("tetap") == "1":
        return None
    earlier = earlier_uploads(session, user, source, upload.file.sha256)
    if not earlier:
        return None
    upload.discard()
    first = earlier[0]
    more = f" (dan {len(earlier) - 1} kali lagi)" if len(earlier) > 1 else ""
    return (
        f"Berkas ini sama persis dengan yang sudah diunggah pada {local_time(first.uploaded_at)} oleh "
        f"{wording.actor(first.uploaded_by)} sebagai “{first.parent_name}” versi {first.version}{more}. "
        "Berkas tidak disimpan. Bila memang ingin mengunggahnya lagi, centang “Tetap unggah” dan pilih "
        "berkasnya sekali lagi."
    )


def inline(upload: Upload, settings: Settings) -> bool:
    """Small files are stored before the page answers; larger ones go to the worker (with a progress bar)."""
    return upload.file.size <= settings.inline_ingest_max_bytes


def _rejection_lines(rows: Iterable[Rejection]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    yield "\ufeff"  # Excel opens UTF-8 CSV correctly only with a BOM
    writer.writerow(["baris", "kode_alasan", "alasan", "isi_baris"])
    yield flush()
    for row in rows:
        # Cells from uploaded files may start with "=": quote them so a spreadsheet never runs them.
        cells = escape_cell(" | ".join(f"{key}: {value}" for key, value in (row.raw or {}).items()))
        writer.writerow([row.line, row.reason, rejection_text(row.reason, row.message), cells])
        yield flush()


def rejections_csv(rows: Iterable[Rejection], file_name: str) -> Response:
    # Built before answering: the rows come from the request's database session, closed afterwards.
    return Response(
        "".join(_rejection_lines(rows)).encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{file_name}"', "Cache-Control": "no-store"},
    )
