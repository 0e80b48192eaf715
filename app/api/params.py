"""Path parameters shared by the API routes."""

from typing import Any

from fastapi import Path

# Ids are 32-bit on every supported database; a larger number can name no row, and passing it to
# SQLite would overflow its integer type instead of answering 404.
MAX_ID = 2**31 - 1


def id_path(what: str) -> Any:
    """A positive id in the URL path, bounded so the database never sees an out-of-range integer."""
    return Path(ge=1, le=MAX_ID, description=f"{what} id")
