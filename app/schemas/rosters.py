"""Request and response models for agency rosters."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from app.schemas.versions import VersionOut, VersionStatus


class RosterOut(BaseModel):
    """A roster and the state of its newest upload."""

    id: int
    agency_id: int
    agency_code: str
    name: str
    status: VersionStatus = Field(description="status of the newest version")
    active_version_id: int | None
    rows_processed: int
    accepted: int
    rejected: int
    flagged: int
    created_by: str
    created_at: datetime


class RosterDetail(RosterOut):
    versions: list[VersionOut] = Field(description="newest first")


class RosterUploadOut(BaseModel):
    roster: RosterDetail
    version: VersionOut
    job_id: int | None = Field(default=None, description="set when the file is processed in the background")
