"""Request and response models for agency rosters."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from app.schemas.versions import VersionOut, VersionSummary, summary_of, version_out

if TYPE_CHECKING:
    from app.services.rosters import RosterUpload, RosterView


class RosterOut(VersionSummary):
    """A roster and the state of its newest upload."""

    id: int
    agency_id: int
    agency_code: str
    name: str
    active_version_id: int | None = Field(description="the version checks use; null until one is stored")
    created_by: str
    created_at: datetime


class RosterDetail(RosterOut):
    versions: list[VersionOut] = Field(description="newest first")


class RosterUploadOut(BaseModel):
    roster: RosterDetail
    version: VersionOut
    job_id: int | None = Field(default=None, description="set when the file is processed in the background")


def roster_out(view: RosterView, *, detail: bool = False) -> RosterOut | RosterDetail:
    """Shape :class:`app.services.rosters.RosterView`; the newest version gives status and counts."""
    row = view.roster
    assert row.id is not None
    assert view.agency.id is not None
    values = {
        "id": row.id,
        "agency_id": view.agency.id,
        "agency_code": view.agency.code,
        "name": row.name,
        **summary_of(view),
        "active_version_id": row.active_version_id,
        "created_by": row.created_by,
        "created_at": row.created_at,
    }
    if detail:
        return RosterDetail(**values, versions=[version_out(v, view.interruptions) for v in view.versions])
    return RosterOut(**values)


def roster_upload_out(upload: RosterUpload) -> RosterUploadOut:
    detail = roster_out(upload.view, detail=True)
    assert isinstance(detail, RosterDetail)
    return RosterUploadOut(
        roster=detail, version=version_out(upload.version, upload.view.interruptions), job_id=upload.job_id
    )
