"""FastAPI dependencies as typed aliases; the only place routes get sessions, settings and callers from.

@router.get("/things")
def list_things(session: SessionDep, caller: CurrentKey) -> ...

Steward = Annotated[Principal, Depends(require_role("steward", "admin"))]
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated, cast

from fastapi import Depends, Request, Security
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


def get_app_settings(request: Request) -> Settings:
    """The settings the running app was built with (``create_app(settings)``)."""
    return cast(Settings, request.app.state.settings)


def get_session(request: Request) -> Iterator[Session]:
    """One session per request; services commit, the session closes when the response is sent. Requests
    that may change data take SQLite's write lock as their transactions begin (see ``db.new_session``)."""
    writes = request.method not in ("GET", "HEAD", "OPTIONS")
    with db.new_session(get_app_settings(request).database_url, writes=writes) as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
SessionDep = Annotated[Session, Depends(get_session)]


def get_client_limiter(settings: SettingsDep) -> ClientLimiter:
    """The public self-check's per-client rate limiter (the API and the web pages share one)."""
    return get_limiter(settings)


def get_client(request: Request, settings: SettingsDep) -> str:
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


def require_role(*roles: str) -> Callable[[Principal], Principal]:
    """A dependency admitting API keys of the given roles (list ``"admin"`` explicitly where it applies)."""

    def check(principal: CurrentKey) -> Principal:
        require_roles(principal, roles)
        return principal

    return check


AdminKey = Annotated[Principal, Depends(require_role("admin"))]
StewardKey = Annotated[Principal, Depends(require_role("steward", "admin"))]
OperatorKey = Annotated[Principal, Depends(require_role("operator", "admin"))]
AuditorKey = Annotated[Principal, Depends(require_role("auditor", "admin"))]
