"""Login, logout and the home page. Other pages add their own routers beside this one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.deps import SessionDep
from app.errors import Unauthorized
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


@router.post(LOGIN_PATH, response_class=HTMLResponse)
def login(
    request: Request,
    session: SessionDep,
    _csrf: CsrfDep,
    username: Annotated[str, Form(max_length=80)],
    password: Annotated[str, Form(max_length=1024)],
    next: Annotated[str, Form()] = "/",
) -> Response:
    client = request.client.host if request.client else None
    try:
        user = auth.authenticate_user(session, username, password, client=client)
    except Unauthorized:
        context = {
            "title": "Masuk",
            "next": safe_next(next),
            "error": "Nama pengguna atau kata sandi salah.",
            "username": username,
        }
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
