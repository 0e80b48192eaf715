"""FastAPI dependencies as typed aliases; the only place routes get sessions, settings and callers from.

@router.get("/things")
def list_things(session: SessionDep, caller: CurrentKey) -> ...

Steward = Annotated[Principal, Depends(require_role("steward", "admin"))]
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated, cast

from fastapi import Depends, Request, Security
from fastapi.concurrency import run_in_threadpool
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from app import db
from app.config import Settings
from app.ratelimit import ClientLimiter, get_limiter, request_client
from app.services import auth
from app.services.principals import Principal, require_roles

# auto_error=False: a missing key is answered by our own 401 problem document, not FastAPI's 403.
_bearer = HTTPBearer(auto_error=False, description="`Authorization: Bearer netra_<prefix>_<secret>`")
_api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="`X-API-Key: netra_…`")


async def get_app_settings(request: Request) -> Settings:
    """The settings the running app was built with (``create_app(settings)``)."""
    return cast(Settings, request.app.state.settings)


SettingsDep = Annotated[Settings, Depends(get_app_settings)]


async def get_session(request: Request, settings: SettingsDep) -> AsyncIterator[Session]:
    """One session per request; services commit, the session closes when the response is sent. Requests
    that may change data take SQLite's write lock as their transactions begin (see ``db.new_session``).

    Async, so that it costs no trip to the worker threads: a session connects only when first used, and
    once its work is committed closing it is no I/O either. A session left in a transaction (an error
    half-way) is closed in a worker thread, since that rolls back on the database.
    """
    writes = request.method not in ("GET", "HEAD", "OPTIONS")
    session = db.new_session(settings.database_url, writes=writes)
    try:
        yield session
    finally:
        if session.in_transaction():
            await run_in_threadpool(session.close)
        else:
            session.close()


SessionDep = Annotated[Session, Depends(get_session)]


async def get_client_limiter(settings: SettingsDep) -> ClientLimiter:
    """The public self-check's per-client rate limiter (the API and the web pages share one)."""
    return get_limiter(settings)


async def get_client(request: Request, settings: SettingsDep) -> str:
    """The address a public request is counted against (see :func:`app.ratelimit.client_address`)."""
    return request_client(request, settings)


LimiterDep = Annotated[ClientLimiter, Depends(get_client_limiter)]
ClientDep = Annotated[str, Depends(get_client)]


def current_key(
    session: SessionDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)],
    api_key: Annotated[str | None, Security(_api_key_header)],
) -> Principal:
    """The caller behind ``Authorization: Bearer …`` or ``X-API-Key``; 401 if missing, wrong or revoked."""
    presented = bearer.credentials if bearer is not None else api_key
    return auth.authenticate_api_key(session, presented)


CurrentKey = Annotated[Principal, Depends(current_key)]


def require_role(*roles: str) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency admitting API keys of the given roles (list ``"admin"`` explicitly where it applies)."""

    async def check(principal: CurrentKey) -> Principal:
        require_roles(principal, roles)
        return principal

    return check


AdminKey = Annotated[Principal, Depends(require_role("admin"))]
StewardKey = Annotated[Principal, Depends(require_role("steward", "admin"))]
OperatorKey = Annotated[Principal, Depends(require_role("operator", "admin"))]
AuditorKey = Annotated[Principal, Depends(require_role("auditor", "admin"))]
