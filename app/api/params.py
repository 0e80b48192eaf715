"""Path and query parameters shared by the API routes and the web pages."""

from typing import Annotated, Any

from fastapi import Path

from app.models import MAX_ID

__all__ = ["MAX_ID", "IdPath", "id_path"]


def id_path(what: str) -> Any:
    """A positive id in the URL path, bounded so the database never sees an out-of-range integer."""
    return Path(ge=1, le=MAX_ID, description=f"{what} id")


IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
"""An id in a web page's path: out of range is a 422 page, never an error from the database."""
