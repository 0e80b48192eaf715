"""The RFC 9457 problem document every error answers with, for OpenAPI ``responses=``.

``app.errors`` builds the documents; this model only describes them so clients and schemathesis can check
error responses against a schema.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

PROBLEM_MEDIA_TYPE = "application/problem+json"

_TITLES = {
    400: "Bad request",
    401: "A valid API key is required",
    403: "The key's role may not do this",
    404: "Absent, or belongs to another agency",
    409: "The resource's state does not allow this",
    413: "Too large",
    415: "Unsupported media type",
    422: "The request is not valid",
    429: "Too many requests",
}


class Problem(BaseModel):
    """``application/problem+json`` (RFC 9457) with Netra's extension members."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "type": "urn:netra:problem:not-found",
                    "title": "Not found",
                    "status": 404,
                    "detail": "Check run 7 not found",
                    "instance": "/api/v1/checks/7",
                    "request_id": "5f0c3e2a9b7d4c1e8a6f0b2d4c6e8a0b",
                }
            ]
        },
    )

    type: str = Field(description="`urn:netra:problem:<slug>`; branch on this, not on `detail`.")
    title: str
    status: int
    detail: str
    instance: str | None = None
    request_id: str | None = None
    errors: list[dict[str, Any]] | None = Field(default=None, description="Validation errors (422 only).")


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route: each status documented with the problem+json schema."""
    return {
        status: {
            "description": _TITLES.get(status, "Error"),
            "model": Problem,
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in statuses
    }
