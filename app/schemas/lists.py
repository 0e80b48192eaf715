"""Request and response models for party-member and supporter lists."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from app.schemas.versions import VersionOut, VersionStatus

ListType = Literal["party_member", "supporter"]


class ListOut(BaseModel):
    """A list and the state of its newest upload."""

    id: int
    list_type: ListType
    owner: str = Field(description="party or candidate")
    election: str
    region: str | None
    status: VersionStatus = Field(description="status of the newest version")
    active_version_id: int | None = Field(description="the version checks use; null until one is stored")
    rows_processed: int = Field(description="progress of the newest version")
    accepted: int = Field(description="rows stored by the newest version")
    rejected: int
    flagged: int
    created_by: str
    created_at: datetime


class ListDetail(ListOut):
    versions: list[VersionOut] = Field(description="newest first")


class ListUploadOut(BaseModel):
    """Answer to an upload: the list and the version the file became (``status`` pending while queued)."""

    list: ListDetail
    version: VersionOut
    job_id: int | None = Field(default=None, description="set when the file is processed in the background")
