"""Path parameters shared by the API routes."""

from typing import Any

from fastapi import Path

from app.models import MAX_ID

__all__ = ["MAX_ID", "id_path"]


def id_path(what: str) -> Any:
    """A positive id in the URL path, bounded so the database never sees an out-of-range integer."""
    return Path(ge=1, le=MAX_ID, description=f"{what} id")
