"""Liveness and readiness, for load balancers and orchestrators. Public, outside ``/api``."""

from __future__ import annotations

from typing import Literal

import sqlalchemy as sa
from fastapi import APIRouter
from pydantic import BaseModel

from app import db
from app.deps import SessionDep
from app.errors import ServiceUnavailable

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: Literal["ok"] = "ok"


class Readiness(BaseModel):
    status: Literal["ready"] = "ready"
    revision: list[str]


@router.get("/healthz")
def healthz() -> Health:
    """The process is up. Touches nothing else."""
    return Health()


@router.get("/readyz", responses={503: {"description": "Database unreachable or migrations not at head"}})
def readyz(session: SessionDep) -> Readiness:
    """The database answers and its schema is at the migration head this code expects."""
    try:
        current = db.current_revisions(session.connection())
    except sa.exc.SQLAlchemyError as exc:
        raise ServiceUnavailable("The database is not reachable") from exc
    expected = db.migration_heads()
    if current != expected:
        raise ServiceUnavailable(
            f"The database schema is at {sorted(current) or 'nothing'}, expected {sorted(expected)}; "
            "run `netra db upgrade`"
        )
    return Readiness(revision=sorted(current))
