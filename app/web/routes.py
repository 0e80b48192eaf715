"""Login, logout and the home page. Other pages add their own routers beside this one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.deps import SessionDep, SettingsDep
from app.errors import Unauthorized
from app.ratelimit import LoginThrottled, get_login_throttle, request_client
from app.services import auth
from app.web import (
    LOGIN_PATH,
    SESSION_USER,
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


@router.get("/", response_class=HTMLResponse)
def home(request: Request, user: WebUserDep) -> Response:
    context = {"title": "Beranda", "user": user, "role_label": ROLE_LABELS.get(user.role, user.role)}
    return templates.TemplateResponse(request, "home.html", context)


@router.get(LOGIN_PATH, response_class=HTMLResponse)
def login_form(request: Request, user: OptionalWebUserDep, next: str = "/") -> Response:
    if user is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    csrf_token(request)
    context = {"title": "Masuk", "next": safe_next(next), "error": None, "username": ""}
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
    # A fresh session (new CSRF token too), so nothing set before login carries over.
    request.session.clear()
    request.session[SESSION_USER] = user.id
    csrf_token(request)
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request, _csrf: CsrfDep) -> Response:
    request.session.clear()
    return RedirectResponse(LOGIN_PATH, status_code=303)
