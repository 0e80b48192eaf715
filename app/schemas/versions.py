"""What the API shows of an uploaded file version and of the rows it rejected."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

VersionStatus = Literal["pending", "processing", "active", "superseded", "failed"]


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
    rows_total: int | None = Field(description="data rows read from the file, once known")
    rows_processed: int = Field(description="rows read so far; equals rows_total when finished")
    accepted: int
    rejected: int = Field(description="rows not stored; see the rejections download for line and reason")
    flagged: int = Field(description="stored rows with a doubtful NIK (unknown region, impossible date, …)")
    blank: int = Field(description="empty rows skipped")
    columns: dict[str, Any] = Field(default_factory=dict, description="file column used for each field")
    error: str | None = Field(description="why the version failed")
    finished_at: datetime | None


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


def latest_summary(latest: Any) -> dict[str, Any]:
    """Status and row counts a list or roster shows from its newest version (``None``: nothing stored yet)."""
    return {
        "status": latest.status if latest else "pending",
        "rows_processed": latest.rows_processed if latest else 0,
        "accepted": latest.accepted if latest else 0,
        "rejected": latest.rejected if latest else 0,
        "flagged": latest.flagged if latest else 0,
    }


def version_out(version: Any) -> VersionOut:
    """From a ``ListVersion`` or ``RosterVersion`` row."""
    return VersionOut.model_validate(version).model_copy(update={"columns": dict(version.column_map or {})})


REJECTION_CSV_COLUMNS = ("line", "reason", "message", "raw")
