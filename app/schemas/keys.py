"""Request and response bodies for API key administration."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class ApiKeyCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"name": "kepegawaian-bkd", "role": "operator", "agency_code": "BKD01"}]
        },
    )

    name: str = Field(min_length=1, max_length=120)
    role: str = Field(description="steward, operator, auditor or admin")
    agency_code: str | None = Field(default=None, description="Required for operators, refused otherwise")


class ApiKeyRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    prefix: str
    role: str
    agency_id: int | None
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyRead):
    key: str = Field(description="The key itself. It is shown only in this response and cannot be recovered.")
