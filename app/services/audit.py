"""Audit trail: who looked up or changed what, and when.

``record`` adds an :class:`~app.models.AuditEvent` to the caller's session without committing, so the event is
stored in the same transaction as the change it describes (or not at all). NIK-shaped values in ``detail`` are
masked as a safety net; callers should pass masked NIKs in the first place.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, col, select

from app.db import end_reads
from app.logging import mask_niks
from app.models import AuditEvent, table_of, utcnow
from app.services.principals import Principal

_INSERT_EVENT = insert(table_of(AuditEvent))


def _masked(value: Any) -> Any:
    if isinstance(value, str):
        return mask_niks(value)
    if isinstance(value, Mapping):
        return {str(key): _masked(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_masked(item) for item in value]
    return value


def _event_values(
    actor: Principal | str,
    action: str,
    target_type: str | None,
    target_id: int | str | None,
    detail: Mapping[str, Any] | None,
    client: str | None,
    agency_id: int | None,
) -> dict[str, Any]:
    if isinstance(actor, Principal):
        actor_name, actor_role = actor.actor, actor.role
        agency_id = agency_id if agency_id is not None else actor.agency_id
    else:
        actor_name, actor_role = actor, None
    return {
        "at": utcnow(),
        "actor": actor_name[:120],
        "actor_role": actor_role,
        "agency_id": agency_id,
        "action": action,
        "target_type": target_type,
        "target_id": None if target_id is None else str(target_id),
        "client": client,
        "detail": _masked(dict(detail or {})),
    }


def record(
    session: Session,
    actor: Principal | str,
    action: str,
    target_type: str | None = None,
    target_id: int | str | None = None,
    detail: Mapping[str, Any] | None = None,
    *,
    client: str | None = None,
    agency_id: int | None = None,
) -> AuditEvent:
    """Add an audit event to ``session``; the caller's commit stores it.

    ``actor`` is a :class:`Principal` (its role and agency are recorded too) or a string such as
    ``"public:203.0.113.7"`` or ``"cli"``.
    """
    event = AuditEvent(**_event_values(actor, action, target_type, target_id, detail, client, agency_id))
    session.add(event)
    return event


def record_lookup(
    session: Session,
    actor: Principal | str,
    action: str,
    target_type: str | None = None,
    target_id: int | str | None = None,
    detail: Mapping[str, Any] | None = None,
    *,
    client: str | None = None,
    agency_id: int | None = None,
) -> None:
    """:func:`record` for a use case that has only read: its read transaction ends first, so that a writer
    committing meanwhile (a check run storing findings) cannot make the event's insert fail on SQLite.

    The event is inserted at once with one prepared Core statement rather than through the ORM's unit of
    work: look-ups are the hot paths (the public self-check records one per request), and the ORM's flush
    was a third of a self-check's time. The caller's commit stores it, as with :func:`record`.
    """
    end_reads(session)
    session.connection().execute(
        _INSERT_EVENT, _event_values(actor, action, target_type, target_id, detail, client, agency_id)
    )


def events_for(
    session: Session, target_type: str, target_id: int | str, *, limit: int = 200
) -> list[AuditEvent]:
    """The audit trail of one object, oldest first (callers check that the reader may see the object)."""
    query = (
        select(AuditEvent)
        .where(AuditEvent.target_type == target_type, AuditEvent.target_id == str(target_id))
        .order_by(col(AuditEvent.at), col(AuditEvent.id))
        .limit(limit)
    )
    return list(session.exec(query))
