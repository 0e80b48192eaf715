"""Domain errors and the one place that turns them into responses.

Services raise these; routes let them pass; :func:`install_error_handlers` answers them as RFC 9457
``application/problem+json`` on the API and as an HTML page in the web UI.

    NetraError                      500  base class; ``message`` is safe to show the caller
    ├── ValidationFailed            422  the request is well-formed but its content is not acceptable
    │   └── UnsupportedFile         415  a file of the wrong or a lying type, corrupt, encrypted
    ├── Unauthorized                401  no credential, a wrong one or a revoked one
    ├── Forbidden                   403  a valid credential without the needed role
    ├── NotFound                    404  absent, or another tenant's (never reveal which)
    ├── Conflict                    409  state does not allow it (duplicate code, run still running …)
    ├── PayloadTooLarge             413  over the configured size limits
    ├── RateLimited                 429  carries ``retry_after`` seconds
    └── ServiceUnavailable          503  database unreachable, migrations behind

Problem ``type`` URIs are ``urn:netra:problem:<slug>``; clients should branch on ``type`` and ``status``,
never on the wording of ``detail``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from http import HTTPStatus
from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.logging import request_id_var

logger = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"

# Renders an error page for browser routes: (request, status, title, detail) -> response.
HtmlErrorRenderer = Callable[[Request, int, str, str], Response]


class NetraError(Exception):
    status: int = 500
    slug: ClassVar[str] = "internal"
    title: ClassVar[str] = "Internal error"

    def __init__(
        self,
        message: str,
        status: int | None = None,
        *,
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
        self.headers = dict(headers or {})
        # Extension members added to the problem document (RFC 9457 §3.2).
        self.extra = dict(extra or {})


class ValidationFailed(NetraError):
    status = 422
    slug = "validation"
    title = "Validation failed"


class UnsupportedFile(ValidationFailed):
    status = 415
    slug = "unsupported-file"
    title = "Unsupported file"


class Unauthorized(NetraError):
    status = 401
    slug = "unauthorized"
    title = "Unauthorized"

    def __init__(self, message: str = "A valid API key is required") -> None:
        super().__init__(message, headers={"WWW-Authenticate": 'Bearer realm="netra"'})


class Forbidden(NetraError):
    status = 403
    slug = "forbidden"
    title = "Forbidden"


class NotFound(NetraError):
    status = 404
    slug = "not-found"
    title = "Not found"


class Conflict(NetraError):
    status = 409
    slug = "conflict"
    title = "Conflict"


class PayloadTooLarge(NetraError):
    status = 413
    slug = "payload-too-large"
    title = "Payload too large"


class RateLimited(NetraError):
    status = 429
    slug = "rate-limited"
    title = "Too many requests"

    def __init__(self, message: str = "Too many requests; try again later", *, retry_after: int) -> None:
        super().__init__(
            message, headers={"Retry-After": str(retry_after)}, extra={"retry_after": retry_after}
        )
        self.retry_after = retry_after


class ServiceUnavailable(NetraError):
    status = 503
    slug = "unavailable"
    title = "Service unavailable"


def request_id_of(request: Request) -> str | None:
    """The request's id. An unhandled error is answered outside the request-id middleware (by Starlette's
    outermost one), after the context variable was reset: the id then comes from the request's state."""
    return request_id_var.get() or request.scope.get("state", {}).get("request_id")


def problem_response(
    request: Request,
    *,
    status: int,
    title: str,
    detail: str,
    slug: str | None = None,
    headers: Mapping[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"urn:netra:problem:{slug}" if slug else "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        "request_id": request_id_of(request),
    }
    body.update(extra or {})
    return JSONResponse(body, status_code=status, headers=dict(headers or {}), media_type=PROBLEM_JSON)


def _wants_json(request: Request) -> bool:
    path = request.url.path
    return path.startswith("/api") or path in ("/healthz", "/readyz")


def _validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    # Leave out "input": it may echo a NIK or a whole uploaded row back into responses and logs.
    return [
        {"loc": list(error.get("loc", ())), "msg": error.get("msg", ""), "type": error.get("type", "")}
        for error in exc.errors()
    ]


def install_error_handlers(app: FastAPI, *, html: HtmlErrorRenderer | None = None) -> None:
    """Answer every error as problem+json on the API, or through ``html`` for browser routes."""

    def respond(
        request: Request,
        *,
        status: int,
        title: str,
        detail: str,
        slug: str | None = None,
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> Response:
        if html is not None and not _wants_json(request):
            response = html(request, status, title, detail)
            response.headers.update(dict(headers or {}))
            return response
        return problem_response(
            request, status=status, title=title, detail=detail, slug=slug, headers=headers, extra=extra
        )

    async def on_netra_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, NetraError)
        if exc.status >= 500:
            logger.error("request failed: %s", exc.message, exc_info=exc)
        return respond(
            request,
            status=exc.status,
            title=exc.title,
            detail=exc.message,
            slug=exc.slug,
            headers=exc.headers,
            extra=exc.extra,
        )

    async def on_validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        return respond(
            request,
            status=422,
            title=ValidationFailed.title,
            detail="The request is not valid; see errors",
            slug=ValidationFailed.slug,
            extra={"errors": _validation_errors(exc)},
        )

    async def on_http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        phrase = HTTPStatus(exc.status_code).phrase
        detail = exc.detail if isinstance(exc.detail, str) else phrase
        return respond(
            request,
            status=exc.status_code,
            title=phrase,
            detail=detail,
            headers=exc.headers,
            slug=getattr(exc, "slug", None),
            extra=getattr(exc, "extra", None),
        )

    async def on_unexpected(request: Request, exc: Exception) -> Response:
        request_id = request_id_of(request)
        logger.error("unhandled error", exc_info=exc, extra={"request_id": request_id})
        detail = "An unexpected error occurred"
        # Sent past the middleware that adds the header to every other answer: add it here.
        headers = {"x-request-id": request_id} if request_id else None
        return respond(
            request, status=500, title=NetraError.title, detail=detail, slug=NetraError.slug, headers=headers
        )

    app.add_exception_handler(NetraError, on_netra_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(Exception, on_unexpected)
