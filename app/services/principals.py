"""The authenticated caller and what each role may do.

Roles (``app.models.ROLES``):

- ``steward``  manages party-member and supporter lists;
- ``operator`` bound to one agency (``agency_id``): that agency's rosters, checks and findings only;
- ``auditor``  reads every agency's findings and the audit trail;
- ``admin``    everything, including API keys, users and agencies.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from app.errors import Forbidden


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller: an API key (``kind="key"``) or a logged-in user (``kind="user"``)."""

    kind: str
    id: int
    name: str  # key prefix or username
    role: str
    agency_id: int | None = None

    @property
    def actor(self) -> str:
        """How the audit trail names this caller: ``key:<prefix>`` or ``user:<username>``."""
        return f"{self.kind}:{self.name}"


def require_roles(principal: Principal, roles: Iterable[str]) -> None:
    """Refuse (403) a caller whose role is not among ``roles``; the API's key check says the same."""
    roles = tuple(roles)
    if principal.role not in roles:
        raise Forbidden(f"This needs one of the roles: {', '.join(roles)}")


def is_operator(principal: Principal) -> bool:
    """An agency-bound caller, whose every read and write is scoped to ``principal.agency_id``."""
    return principal.role == "operator"


def can_read_findings(principal: Principal) -> bool:
    return principal.role in ("operator", "auditor", "admin")
