"""The JSON API under ``/api/v1``.

Routers in ``PROTECTED`` answer only callers with a valid API key (the dependency runs before anything
else, so even a malformed request without a key gets 401); ``PUBLIC`` is for the self-check alone.
``tests/api/test_auth.py`` walks the OpenAPI schema and holds every route outside the self-check to that.
Add a router by appending it to one of the tuples.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends

from app.api.routes import checks, findings, keys, lists, match, rosters, selfcheck
from app.deps import current_key
from app.schemas.problem import problem_responses

API_PREFIX = "/api/v1"
# Public paths start with this; nothing else under /api may be reachable without a key.
PUBLIC_PREFIX = f"{API_PREFIX}/self-check"

PROTECTED: tuple[APIRouter, ...] = (
    keys.router,
    selfcheck.router,
    checks.router,
    findings.router,
    match.router,
    lists.router,
    rosters.router,
)
PUBLIC: tuple[APIRouter, ...] = (selfcheck.public_router,)


def build_api_router() -> APIRouter:
    # Errors are problem+json (app.errors); documenting 422 here keeps FastAPI from describing it with its
    # own HTTPValidationError schema, which the responses do not follow.
    api = APIRouter(prefix=API_PREFIX, responses=problem_responses(422))
    # The public routes first: routes are matched in order, and the self-check is the hot path.
    for router in PUBLIC:
        api.include_router(router)
    protected = APIRouter(dependencies=[Depends(current_key)], responses=problem_responses(401))
    for router in PROTECTED:
        protected.include_router(router)
    api.include_router(protected)
    return api
