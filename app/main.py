"""The ASGI application: ``uvicorn --factory app.main:create_app`` (what ``netra serve`` runs).

There is no module-level app, so importing this module neither reads the environment nor touches the
database; tests build their own with ``create_app(settings)``.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from importlib.metadata import PackageNotFoundError, version

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import db, web
from app.api import build_api_router
from app.api.routes import health
from app.config import Settings, get_settings
from app.errors import install_error_handlers
from app.logging import configure_logging, request_id_var
from app.web import pages as web_pages
from app.web import routes as web_routes
from app.web import selfcheck as web_selfcheck

access_logger = logging.getLogger("netra.access")

# A caller's own request id is kept only if it is short and plain; anything else is replaced.
_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def _version() -> str:
    try:
        return version("netra")
    except PackageNotFoundError:
        return "0.0.0"


class RequestIdMiddleware:
    """Gives every request an id (``X-Request-ID``, kept from the caller when sane), logs one access line."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _REQUEST_ID_RE.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        scope.setdefault("state", {})["request_id"] = request_id  # for the answer to an unhandled error
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            client = scope.get("client")
            access_logger.info(
                "%s %s %s",
                scope["method"],
                scope["path"],
                status,
                extra={
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                    "client": client[0] if client else None,
                },
            )
            request_id_var.reset(token)


class _BodyTooLarge(StarletteHTTPException):
    """An HTTP error, so that FastAPI passes it on from reading a body (it turns other errors there into
    400) and the error handlers answer it as a 413 problem."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"The request body exceeds the limit of {limit:,} bytes.")
        self.slug = "payload-too-large"
        self.extra = {"limit": limit}


class BodyLimitMiddleware:
    """Answers 413 to a request body over ``limit`` bytes before reading further: a JSON or form body is
    read whole into memory. A file upload raises its own request's bound as it starts streaming to disk
    (:func:`app.api.uploads.allow_body`); any other request keeps this one, whatever it claims to be."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        state["body_limit"] = self.limit
        headers = dict(scope["headers"])
        declared = headers.get(b"content-length", b"")
        multipart = headers.get(b"content-type", b"").lower().startswith(b"multipart/form-data")
        if not multipart and declared.isdigit() and int(declared) > self.limit:
            await self._refuse(scope, receive, send, self.limit)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > state["body_limit"]:
                    raise _BodyTooLarge(state["body_limit"])
            return message

        async def watching_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except _BodyTooLarge:
            if started:
                raise
            await self._refuse(scope, receive, send, state["body_limit"])

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        from starlette.requests import Request

        from app.errors import PayloadTooLarge, problem_response

        response = problem_response(
            Request(scope),
            status=413,
            title=PayloadTooLarge.title,
            detail=f"The request body exceeds the limit of {limit:,} bytes.",
            slug=PayloadTooLarge.slug,
            extra={"limit": limit},
            headers={"Connection": "close"},  # the rest of the body is never read
        )
        await response(scope, receive, send)


PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'"
)
# FastAPI's Swagger UI loads its script and styles from a CDN and runs an inline script.
DOCS_CSP = "frame-ancestors 'none'; base-uri 'self'; object-src 'none'"


class SecurityHeadersMiddleware:
    """No page may be framed (clickjacking), and pages run only our own scripts and styles."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        csp = DOCS_CSP if scope["path"] == "/api/docs" else PAGE_CSP
        added = [
            (b"x-frame-options", b"DENY"),
            (b"content-security-policy", csp.encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"same-origin"),
        ]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *added]
            await send(message)

        await self.app(scope, receive, send_with_headers)


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    # The embedded worker (default on SQLite) processes queued uploads and checks inside this process.
    # Not while tests point every session at one shared connection: a thread must not share it.
    settings: Settings = app.state.settings
    bind = db.get_bind(settings.database_url)
    worker = None
    if settings.runs_embedded_worker and isinstance(bind, Engine):
        from app.worker import BackgroundWorker

        worker = BackgroundWorker(bind, lease=timedelta(seconds=settings.worker_lease_seconds)).start()
    try:
        yield
    finally:
        if worker is not None:
            worker.stop()


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_level)
    app = FastAPI(
        lifespan=_lifespan,
        title="Netra",
        version=_version(),
        summary="Cross-checks civil-servant rosters against party-member and candidate-supporter lists.",
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.settings = settings

    install_error_handlers(app, html=web.render_error)
    app.add_exception_handler(web.LoginRequired, web.redirect_to_login)

    app.include_router(health.router)
    app.include_router(build_api_router())
    app.include_router(web_routes.router)
    app.include_router(web_selfcheck.router)
    app.include_router(web_pages.router)
    app.mount("/static", StaticFiles(directory=web.STATIC_DIR), name="static")

    # Starlette's session cookie is signed (itsdangerous) and always HttpOnly.
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret(),
        session_cookie="netra_session",
        max_age=settings.session_max_age_seconds,
        same_site="lax",
        https_only=settings.is_production,
    )
    app.add_middleware(BodyLimitMiddleware, limit=settings.max_body_bytes)
    app.add_middleware(SecurityHeadersMiddleware)
    # Added last, so it wraps everything and even error responses carry the id.
    app.add_middleware(RequestIdMiddleware)
    return app
