"""FastAPI dependencies as typed aliases; the only place routes get sessions, settings and callers from.

@router.get("/things")
def list_things(session: SessionDep, caller: CurrentKey) -> ...

Steward = Annotated[Principal, Depends(require_role("steward", "admin"))]
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Annotated, cast

from anyio import CapacityLimiter
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


@asynccontextmanager
async def _request_session(settings: Settings, *, writes: bool) -> AsyncIterator[Session]:
    session = db.new_session(settings.database_url, writes=writes)
    try:
        yield session
    finally:
        # Async, so that it costs no trip to the worker threads: a session connects only when first used,
        # and once its work is committed closing it is no I/O either. A session left in a transaction (an
        # error half-way) is closed in a worker thread, since that rolls back on the database.
        if session.in_transaction():
            await run_in_threadpool(session.close)
        else:
            session.close()


async def get_session(request: Request, settings: SettingsDep) -> AsyncIterator[Session]:
    """One session per request; services commit, the session closes when the response is sent. Requests
    that may change data take SQLite's write lock as their transactions begin (see ``db.new_session``)."""
    async with _request_session(settings, writes=request.method not in ("GET", "HEAD", "OPTIONS")) as session:
        yield session


async def get_lookup_session(settings: SettingsDep) -> AsyncIterator[Session]:
    """A session for a POST that only reads and then records the look-up (``audit.record_lookup``).

    Its reads take no write lock: on SQLite, a session of :func:`get_session` would hold the lock through
    the read and then take it a second time for the audit event (``db.end_reads``). The public self-check
    is such a request, and two uvicorn processes contending for the lock showed up in its p99 latency.
    """
    async with _request_session(settings, writes=False) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]
LookupSessionDep = Annotated[Session, Depends(get_lookup_session)]


async def get_client_limiter(settings: SettingsDep) -> ClientLimiter:
    """The public self-check's per-client rate limiter (the API and the web pages share one)."""
    return get_limiter(settings)


async def get_client(request: Request, settings: SettingsDep) -> str:
    """The address a public request is counted against (see :func:`app.ratelimit.client_address`)."""
    return request_client(request, settings)


async def get_lookup_threads(request: Request, settings: SettingsDep) -> CapacityLimiter:
    """The threads that run self-check look-ups: ``selfcheck_threads`` per process, 1 by default.

    Not the shared pool of 40: with many look-ups at once in one process, each thread's every database call
    waits to get the GIL back from the others and, on SQLite, for the one writer. ``bench.selfcheck`` at
    200 requests/s, 2 uvicorn workers, 200k entries: the shared pool gave p50 11.6–12.8 / p99 81–99 ms on
    SQLite and p50 12.7–13.0 / p99 72–76 ms on PostgreSQL; one thread per process gave 7.3–7.9 / 35–38 ms
    and 9.4–10.7 / 44 ms. Running look-ups on the event loop itself was faster still, but would stall every
    request of the process while one waits for a lock (a long SQLite ingestion holds the write lock).
    Created on first use, inside the event loop that will wait on it.
    """
    threads = getattr(request.app.state, "lookup_threads", None)
    if threads is None:
        threads = request.app.state.lookup_threads = CapacityLimiter(settings.selfcheck_threads)
    return cast(CapacityLimiter, threads)


LimiterDep = Annotated[ClientLimiter, Depends(get_client_limiter)]
LookupThreadsDep = Annotated[CapacityLimiter, Depends(get_lookup_threads)]
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
