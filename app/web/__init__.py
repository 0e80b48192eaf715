"""The browser UI (Bahasa Indonesia): server-rendered pages, its own router and its own error pages.

Pages share:

- ``templates`` — Jinja2 over ``app/templates`` (``base.html`` takes ``title`` and fills ``content``);
- ``WebUserDep`` / ``OptionalWebUserDep`` — the logged-in user: the signed session cookie carries a token
  naming a server-side session (``app.models.WebSession``), so ending that row logs the browser out; a page
  that needs a user sends an anonymous visitor to ``/login``;
- ``CsrfDep`` — put it on every POST handler; forms carry ``{{ csrf_input(request) }}``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from app import security
from app.deps import SessionDep
from app.errors import Forbidden
from app.logging import request_id_var
from app.services import auth
from app.services.principals import Principal

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
LOGIN_PATH = "/login"

SESSION_TOKEN = "sid"
SESSION_CSRF = "csrf"
SESSION_PENDING_FORM = "pending_form"
"""What a person had typed into a form when their session ended, restored on the page after login."""
PENDING_FORM_MAX_CHARS = 2000  # the session is a cookie: a review note fits, a pasted essay does not

ERROR_TITLES = {
    400: "Permintaan tidak valid",
    401: "Perlu masuk",
    403: "Akses ditolak",
    404: "Halaman tidak ditemukan",
    405: "Metode tidak diizinkan",
    409: "Konflik",
    413: "Berkas terlalu besar",
    415: "Jenis berkas tidak didukung",
    422: "Data tidak valid",
    429: "Terlalu banyak permintaan",
    503: "Layanan belum siap",
}


def csrf_token(request: Request) -> str:
    """The session's CSRF token, created on first use."""
    token = request.session.get(SESSION_CSRF)
    if not isinstance(token, str):
        token = security.new_csrf_token()
        request.session[SESSION_CSRF] = token
    return token


def csrf_input(request: Request) -> Markup:
    return Markup('<input type="hidden" name="csrf_token" value="{}">').format(escape(csrf_token(request)))


templates = Jinja2Templates(directory=TEMPLATES_DIR)
templates.env.globals["csrf_input"] = csrf_input


class LoginRequired(Exception):
    """Raised by :data:`WebUserDep` for anonymous visitors; answered with a redirect to the login page."""


def verify_csrf(request: Request, csrf_token: Annotated[str, Form()] = "") -> None:
    if not security.csrf_token_matches(request.session.get(SESSION_CSRF), csrf_token):
        raise Forbidden("Formulir kedaluwarsa atau tidak sah; muat ulang halaman dan coba lagi")


def optional_web_user(request: Request, session: SessionDep) -> Principal | None:
    token = request.session.get(SESSION_TOKEN)
    if not isinstance(token, str):
        return None
    principal = auth.session_user(session, token)
    if principal is None:
        request.session.clear()
        request.state.session_ended = True  # the login page says why the person must log in again
    return principal


def web_user(user: Annotated[Principal | None, Depends(optional_web_user)]) -> Principal:
    if user is None:
        raise LoginRequired()
    return user


OptionalWebUserDep = Annotated[Principal | None, Depends(optional_web_user)]
WebUserDep = Annotated[Principal, Depends(web_user)]
CsrfDep = Annotated[None, Depends(verify_csrf)]


def render_error(request: Request, status: int, title: str, detail: str) -> Response:
    """The HTML error page for browser routes (installed by ``app.errors.install_error_handlers``)."""
    from app.web.messages import explain

    # Services speak English to API clients; a person in the browser gets an Indonesian sentence.
    detail = explain(status, detail)
    context = {
        "title": ERROR_TITLES.get(status, title),
        "status": status,
        "detail": detail,
        "request_id": request_id_var.get(),
    }
    return templates.TemplateResponse(request, "error.html", context, status_code=status)


def safe_next(target: str | None) -> str:
    """A post-login destination on this site only (no ``//host`` or ``https://…`` open redirects)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


async def redirect_to_login(request: Request, _exc: Exception) -> Response:
    """To the login page, then back. A form sent after the session ended is kept (its text fields, in the
    session) and the person returns to the page the form was on, not to the form's action, which only
    answers POST."""
    target = request.url.path
    if request.method == "POST":
        target = _referring_page(request) or "/"
        await _keep_pending_form(request)
    query = f"next={quote(target, safe='/')}"
    if getattr(request.state, "session_ended", False):
        query += "&sesi=berakhir"
    return RedirectResponse(f"{LOGIN_PATH}?{query}", status_code=303)


def _referring_page(request: Request) -> str | None:
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc and referer.netloc != request.url.netloc:
        return None
    return safe_next(referer.path + (f"?{referer.query}" if referer.query else "")) if referer.path else None


async def _keep_pending_form(request: Request) -> None:
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        return  # an upload's file cannot be kept; the person chooses it again
    form = await request.form()
    fields = {
        key: value
        for key, value in form.items()
        if isinstance(value, str) and key != "csrf_token" and "password" not in key and "sandi" not in key
    }
    if fields and sum(len(k) + len(v) for k, v in fields.items()) <= PENDING_FORM_MAX_CHARS:
        request.session[SESSION_PENDING_FORM] = {"action": request.url.path, "fields": fields}
