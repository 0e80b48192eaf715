"""A finding's audit trail, worded for people: who looked at it, who confirmed or dismissed it, and why."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from app.services import audit
from app.web.messages import REVIEW_LABELS

ACTIONS = {
    "finding.read": "membuka temuan",
    "finding.review": "meninjau temuan",
}


@dataclass(frozen=True, slots=True)
class HistoryItem:
    at: datetime
    actor: str
    action: str
    change: str | None
    reason: str | None


def _actor(name: str) -> str:
    kind, _, who = name.partition(":")
    return {"user": who, "key": f"kunci API {who}"}.get(kind, name)


def finding_history(session: Session, finding_id: int) -> list[HistoryItem]:
    """Events of a finding the caller has already been allowed to read (``findings.get_finding``)."""
    items: list[HistoryItem] = []
    for event in audit.events_for(session, "finding", finding_id):
        change = reason = None
        if event.action == "finding.review":
            before = (event.detail.get("before") or {}).get("review_status")
            after = event.detail.get("after") or {}
            change = (
                f"{REVIEW_LABELS.get(str(before), before)} → "
                f"{REVIEW_LABELS.get(str(after.get('review_status')), after.get('review_status'))}"
            )
            reason = after.get("review_reason")
        items.append(
            HistoryItem(
                event.at, _actor(event.actor), ACTIONS.get(event.action, event.action), change, reason
            )
        )
    return items
