"""Request and response models for party-member and supporter lists."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field

from app.schemas.versions import VersionOut, VersionSummary, summary_of, version_out

if TYPE_CHECKING:
    from app.services.lists import ListUpload, ListView

ListType = Literal["party_member", "supporter"]


class ListOut(VersionSummary):
    """A list and the state of its newest upload."""

    id: int
    list_type: ListType
    owner: str = Field(description="party or candidate")
    election: str
    region: str | None
    active_version_id: int | None = Field(description="the version checks use; null until one is stored")
    created_by: str
    created_at: datetime


class ListDetail(ListOut):
    versions: list[VersionOut] = Field(description="newest first")


class ListUploadOut(BaseModel):
    """Answer to an upload: the list and the version the file became (``status`` pending while queued)."""

    list: ListDetail
    version: VersionOut
    job_id: int | None = Field(default=None, description="set when the file is processed in the background")


def list_out(view: ListView, *, detail: bool = False) -> ListOut | ListDetail:
    """Shape :class:`app.services.lists.ListView`; the newest version gives status and counts."""
    row = view.watch_list
    assert row.id is not None
    values = {
        "id": row.id,
        "list_type": row.list_type,
        "owner": row.owner,
        "election": row.election,
        "region": row.region,
        **summary_of(view),
        "active_version_id": row.active_version_id,
        "created_by": row.created_by,
        "created_at": row.created_at,
    }
    if detail:
        return ListDetail(**values, versions=[version_out(v, view.interruptions) for v in view.versions])
    return ListOut(**values)


def list_upload_out(upload: ListUpload) -> ListUploadOut:
    detail = list_out(upload.view, detail=True)
    assert isinstance(detail, ListDetail)
    return ListUploadOut(
        list=detail, version=version_out(upload.version, upload.view.interruptions), job_id=upload.job_id
    )
