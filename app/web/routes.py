"""Login, logout and the home page. Other pages add their own routers beside this one."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.deps import SessionDep, SettingsDep
from app.errors import Unauthorized, ValidationFailed
from app.ratelimit import LoginThrottled, get_login_throttle, request_client
from app.services import auth
from app.services.principals import Principal
from app.web import (
    LOGIN_PATH,
    SESSION_PENDING_FORM,
    SESSION_TOKEN,
    CsrfDep,
    OptionalWebUserDep,
    WebUserDep,
    csrf_token,
    safe_next,
    templates,
)

router = APIRouter(include_in_schema=False)

ROLE_LABELS = {
    "steward": "Pengelola daftar",
    "operator": "Operator instansi",
    "auditor": "Auditor",
    "admin": "Administrator",
}


@router.get("/favicon.ico")
def favicon() -> Response:
    """Browsers ask for /favicon.ico on pages without a link (an error page, a download): the SVG icon."""
    return RedirectResponse("/static/favicon.svg", status_code=301)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, user: WebUserDep, kata_sandi: str | None = None) -> Response:
    context = {
        "title": "Beranda",
        "user": user,
        "role_label": ROLE_LABELS.get(user.role, user.role),
        "password_changed": kata_sandi == "diganti",
    }
    return templates.TemplateResponse(request, "home.html", context)


@router.get(LOGIN_PATH, response_class=HTMLResponse)
def login_form(request: Request, user: OptionalWebUserDep, next: str = "/", sesi: str = "") -> Response:
    if user is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    csrf_token(request)
    context = {
        "title": "Masuk",
        "next": safe_next(next),
        "error": None,
        "username": "",
        "session_ended": sesi == "berakhir",
        "kept_form": SESSION_PENDING_FORM in request.session,
    }
    return templates.TemplateResponse(request, "login.html", context)


def _throttled_message(exc: LoginThrottled) -> str:
    minutes = -(-exc.retry_after // 60)
    wait = f"{minutes} menit" if exc.retry_after >= 60 else f"{exc.retry_after} detik"
    source = "untuk akun ini" if exc.scope == "account" else "dari alamat jaringan Anda"
    return f"Terlalu banyak percobaan masuk {source}. Demi keamanan, coba lagi dalam {wait}."


@router.post(LOGIN_PATH, response_class=HTMLResponse)
def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    _csrf: CsrfDep,
    username: Annotated[str, Form(max_length=80)],
    password: Annotated[str, Form(max_length=1024)],
    next: Annotated[str, Form()] = "/",
) -> Response:
    client = request_client(request, settings)
    context = {"title": "Masuk", "next": safe_next(next), "username": username}
    try:
        user = auth.authenticate_user(
            session, username, password, client=client, throttle=get_login_throttle(settings)
        )
    except LoginThrottled as exc:
        context["error"] = _throttled_message(exc)
        headers = {"Retry-After": str(exc.retry_after)}
        return templates.TemplateResponse(request, "login.html", context, status_code=429, headers=headers)
    except Unauthorized:
        context["error"] = "Nama pengguna atau kata sandi salah."
        return templates.TemplateResponse(request, "login.html", context, status_code=401)
    lifetime = timedelta(seconds=settings.session_max_age_seconds)
    _begin_session(request, auth.start_session(session, user, lifetime=lifetime, client=client))
    return RedirectResponse(safe_next(next), status_code=303)


def _begin_session(request: Request, token: str) -> None:
    # A fresh cookie (new CSRF token too), so nothing set before login carries over but the form the
    # person was filling in when their previous session ended.
    pending = request.session.get(SESSION_PENDING_FORM)
    request.session.clear()
    if pending is not None:
        request.session[SESSION_PENDING_FORM] = pending
    request.session[SESSION_TOKEN] = token
    csrf_token(request)


@router.post("/logout")
def logout(
    request: Request, session: SessionDep, settings: SettingsDep, user: OptionalWebUserDep, _csrf: CsrfDep
) -> Response:
    token = request.session.get(SESSION_TOKEN)
    if user is not None and isinstance(token, str):
        auth.end_session(session, token, actor=user, client=request_client(request, settings))
    request.session.clear()
    return RedirectResponse(LOGIN_PATH, status_code=303)


PASSWORD_PAGE = "/akun/kata-sandi"


def _password_form(
    request: Request, user: Principal, *, error: str | None = None, status: int = 200
) -> Response:
    context = {
        "title": "Ganti kata sandi",
        "user": user,
        "error": error,
        "min_length": auth.MIN_PASSWORD_LENGTH,
    }
    return templates.TemplateResponse(request, "password.html", context, status_code=status)


@router.get(PASSWORD_PAGE, response_class=HTMLResponse)
def password_form(request: Request, user: WebUserDep) -> Response:
    return _password_form(request, user)


@router.post(PASSWORD_PAGE, response_class=HTMLResponse)
def change_password(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: WebUserDep,
    _csrf: CsrfDep,
    current_password: Annotated[str, Form(max_length=1024)],
    new_password: Annotated[str, Form(max_length=1024)],
    new_password_again: Annotated[str, Form(max_length=1024)],
) -> Response:
    """Every session of the user ends, those on other devices too; this browser gets a new one."""
    if new_password != new_password_again:
        return _password_form(request, user, error="Kedua isian kata sandi baru tidak sama.", status=422)
    client = request_client(request, settings)
    try:
        auth.change_own_password(session, user, current_password, new_password, client=client)
    except Unauthorized:
        return _password_form(request, user, error="Kata sandi saat ini salah.", status=422)
    except ValidationFailed:
        error = (
            f"Kata sandi baru harus berbeda dari yang sekarang dan paling sedikit "
            f"{auth.MIN_PASSWORD_LENGTH} karakter."
        )
        return _password_form(request, user, error=error, status=422)
    lifetime = timedelta(seconds=settings.session_max_age_seconds)
    _begin_session(request, auth.start_session(session, user, lifetime=lifetime, client=client))
    return RedirectResponse("/?kata_sandi=diganti", status_code=303)
