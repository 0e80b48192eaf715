"""What the API shows of an uploaded file version and of the rows it rejected."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from app.services.ingestion import Interruption
    from app.services.versions import VersionHistory

VersionStatus = Literal["pending", "processing", "held", "active", "superseded", "failed"]


class VersionOut(BaseModel):
    """One uploaded file: where it came from and what became of its rows."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    version: int = Field(description="1 for the first file, counting up with each replacement")
    status: VersionStatus
    file_name: str
    file_size: int = Field(description="bytes")
    file_sha256: str
    uploaded_by: str
    uploaded_at: datetime
    rows_total: int | None = Field(
        description="data rows read from the file once stored; while processing, an estimate from the "
        "file's line count (CSV) for the progress, or null"
    )
    rows_processed: int = Field(description="rows read so far; equals rows_total when finished")
    accepted: int
    rejected: int = Field(description="rows not stored; see the rejections download for line and reason")
    flagged: int = Field(description="stored rows with a doubtful NIK (unknown region, impossible date, …)")
    blank: int = Field(description="empty rows skipped")
    columns: dict[str, Any] = Field(default_factory=dict, description="file column used for each field")
    error: str | None = Field(description="why the version failed")
    finished_at: datetime | None
    interrupted: bool = Field(
        default=False,
        description="still pending or processing, but its worker stopped (crashed or lost the database); "
        "nothing of it is stored and it will be processed again",
    )
    resumes_by: datetime | None = Field(
        default=None,
        description="when interrupted: the latest moment another worker takes the file over; null if the "
        "file has used its attempts and will be marked failed",
    )


class RejectionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    line: int = Field(description="line number as a spreadsheet shows it (header counted, 1-based)")
    reason: str = Field(description="machine-readable reason code")
    message: str
    raw: dict[str, Any] = Field(description="the row's cells as read")


class RejectionPage(BaseModel):
    version_id: int
    total: int
    items: list[RejectionOut]


class ActiveCounts(BaseModel):
    """The version checks use now, while a newer one is pending, processing or failed."""

    version_id: int
    version: int
    accepted: int
    rejected: int
    flagged: int
    finished_at: datetime | None


class VersionSummary(BaseModel):
    """What a list or roster shows of its versions without listing them."""

    status: VersionStatus = Field(description="status of the newest version")
    rows_processed: int = Field(description="progress of the newest version")
    accepted: int = Field(description="rows stored by the newest version")
    rejected: int
    flagged: int
    interrupted: bool = Field(description="the newest version's worker stopped; see VersionOut.interrupted")
    resumes_by: datetime | None
    active: ActiveCounts | None = Field(
        description="the counts of the version checks use, when that is not the newest (its rows stay live "
        "until the newest is stored)"
    )


def summary_of(view: VersionHistory[Any]) -> dict[str, Any]:
    """:class:`VersionSummary` fields of a list's or roster's view (no version yet: pending, zeros)."""
    latest, active, interruption = view.latest, view.active, view.interruption
    return {
        "status": latest.status if latest else "pending",
        "rows_processed": latest.rows_processed if latest else 0,
        "accepted": latest.accepted if latest else 0,
        "rejected": latest.rejected if latest else 0,
        "flagged": latest.flagged if latest else 0,
        "interrupted": interruption is not None,
        "resumes_by": interruption.resumes_by if interruption else None,
        "active": (
            ActiveCounts(
                version_id=active.id,
                version=active.version,
                accepted=active.accepted,
                rejected=active.rejected,
                flagged=active.flagged,
                finished_at=active.finished_at,
            )
            if active is not None and active is not latest
            else None
        ),
    }


def version_out(version: Any, interruptions: Mapping[int, Interruption] | None = None) -> VersionOut:
    """From a ``ListVersion`` or ``RosterVersion`` row, marked interrupted when ``interruptions`` says so."""
    interruption = (interruptions or {}).get(version.id)
    return VersionOut.model_validate(version).model_copy(
        update={
            "columns": dict(version.column_map or {}),
            "interrupted": interruption is not None,
            "resumes_by": interruption.resumes_by if interruption else None,
        }
    )


REJECTION_CSV_COLUMNS = ("line", "reason", "message", "raw")
