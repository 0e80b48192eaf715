"""Public "Cek NIK" pages: a form, its answer, and the "NIK saya dicatut" report form.

Plain HTML forms, no JavaScript needed. When a challenge is due, the form carries both the proof-of-work
challenge (solved by ``/static/selfcheck.js`` if scripts run) and a text question for browsers without
JavaScript; whichever is answered is accepted. Answers are never cached (they hold masked personal data).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Annotated, Any

from anyio import to_thread
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from app.config import Settings
from app.deps import ClientDep, LimiterDep, LookupSessionDep, LookupThreadsDep, SessionDep, SettingsDep
from app.errors import NetraError, RateLimited
from app.services import misuse, selfcheck
from app.web import messages as msg
from app.web import templates

router = APIRouter(include_in_schema=False)

LIST_TYPE_LABELS = {"party_member": "Anggota partai politik", "supporter": "Pendukung calon"}
NO_STORE = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}


def _render(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    headers = dict(NO_STORE)
    retry_after = context.get("retry_after")
    if retry_after:
        headers["Retry-After"] = str(retry_after)
    return templates.TemplateResponse(
        request,
        name,
        {
            "list_type_labels": LIST_TYPE_LABELS,
            "service_operator": request.app.state.settings.service_operator,
            **context,
        },
        status_code=status_code,
        headers=headers,
    )


def _form(
    request: Request,
    settings: Settings,
    *,
    error: str | None = None,
    challenge: tuple[Any, Any] | None = None,
    status_code: int = 200,
    retry_after: int | None = None,
    nik: str = "",
) -> HTMLResponse:
    pow_challenge, text = challenge if challenge is not None else (None, None)
    return _render(
        request,
        "selfcheck/form.html",
        {
            "error": error,
            "pow_challenge": pow_challenge.as_dict() if pow_challenge is not None else None,
            "text_challenge": text,
            # A challenge without the text question: the client has used its text answers for now.
            "text_spent": pow_challenge is not None and text is None and settings.selfcheck_text_challenge,
            "text_allowance": msg.allowance_text(settings.selfcheck_text_challenge_limits),
            "retry_after": retry_after,
            "nik": nik,  # what the person typed, so a wrong answer does not make them type it again
        },
        status_code,
    )


def _with_coverage(
    session: Session, look_up: Callable[[], selfcheck.SelfCheckResult]
) -> tuple[selfcheck.SelfCheckResult, selfcheck.Coverage]:
    """The look-up, then what it searched (the page says "as of"); both in the look-up thread."""
    result = look_up()
    return result, selfcheck.coverage(session)


@router.get("/cek-nik", response_class=HTMLResponse)
def selfcheck_form(
    request: Request, settings: SettingsDep, limiter: LimiterDep, client: ClientDep
) -> Response:
    return _form(request, settings, challenge=selfcheck.pending_challenge(settings, limiter, client))


@router.post("/cek-nik", response_class=HTMLResponse)
async def selfcheck_submit(
    request: Request,
    session: LookupSessionDep,
    settings: SettingsDep,
    limiter: LimiterDep,
    client: ClientDep,
    threads: LookupThreadsDep,
    nik: Annotated[str, Form(max_length=64)] = "",
    altcha: Annotated[str, Form(max_length=4096)] = "",
    soal: Annotated[str, Form(max_length=200)] = "",
    jawaban: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    answer = selfcheck.ChallengeAnswer(
        pow_solution=altcha or None, text_token=soal or None, text_answer=jawaban
    )
    look_up = partial(
        selfcheck.look_up,
        session,
        nik,
        client=client,
        settings=settings,
        limiter=limiter,
        answer=answer,
        allow_text_challenge=True,
    )
    try:
        # As the API route: the look-up alone in one of the look-up threads (app.deps.get_lookup_threads).
        result, covered = await to_thread.run_sync(_with_coverage, session, look_up, limiter=threads)
    except RateLimited as exc:
        return _form(
            request, settings, error=exc.message, status_code=429, retry_after=exc.retry_after, nik=nik
        )
    except selfcheck.ChallengeRequired as exc:
        return _form(
            request,
            settings,
            error=exc.message,
            challenge=(exc.pow_challenge, exc.text_challenge),
            status_code=exc.status,
            nik=nik,
        )
    except selfcheck.InvalidNik as exc:
        return _form(
            request,
            settings,
            error=exc.message,
            challenge=selfcheck.pending_challenge(settings, limiter, client),
            status_code=exc.status,
            nik=nik,
        )
    return _render(request, "selfcheck/result.html", {"result": result, "coverage": covered})


@router.post("/cek-nik/laporan", response_class=HTMLResponse)
def misuse_report_submit(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    limiter: LimiterDep,
    client: ClientDep,
    token: Annotated[str, Form(max_length=2000)] = "",
    list_id: Annotated[int | None, Form()] = None,
    contact: Annotated[str, Form(max_length=200)] = "",
    statement: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    if list_id is None:
        return _render(
            request,
            "selfcheck/report_done.html",
            {"error": "Pilih daftar yang mencantumkan NIK Anda tanpa izin."},
            422,
        )
    try:
        filed = misuse.file_report(
            session,
            token=token,
            list_id=list_id,
            contact=contact,
            statement=statement,
            client=client,
            settings=settings,
            limiter=limiter,
        )
    except RateLimited as exc:
        return _render(
            request, "selfcheck/report_done.html", {"error": exc.message, "retry_after": exc.retry_after}, 429
        )
    except NetraError as exc:
        context: dict[str, Any] = {"error": exc.message}
        if exc.status == 422:  # a contact or statement to correct: the form again, as it was filled
            context["retry"] = {
                "token": token,
                "list_id": list_id,
                "contact": contact,
                "statement": statement,
            }
        return _render(request, "selfcheck/report_done.html", context, exc.status)
    return _render(
        request, "selfcheck/report_done.html", {"report": filed.report, "receipt_code": filed.receipt_code}
    )


@router.get("/cek-nik/laporan/status", response_class=HTMLResponse)
def misuse_report_status_form(request: Request) -> Response:
    return _render(request, "selfcheck/report_status.html", {})


@router.post("/cek-nik/laporan/status", response_class=HTMLResponse)
def misuse_report_status(
    request: Request,
    session: SessionDep,
    limiter: LimiterDep,
    client: ClientDep,
    kode: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    try:
        found = misuse.report_status(session, kode, client=client, limiter=limiter)
    except RateLimited as exc:
        context = {"error": exc.message, "retry_after": exc.retry_after, "kode": kode}
        return _render(request, "selfcheck/report_status.html", context, 429)
    except NetraError as exc:
        return _render(
            request, "selfcheck/report_status.html", {"error": exc.message, "kode": kode}, exc.status
        )
    return _render(request, "selfcheck/report_status.html", {"found": found, "kode": kode})
