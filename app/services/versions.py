"""What lists and rosters do alike with their file versions: audit an upload, submit it, pick a version.

A list and a roster are both a parent of numbered file versions stored by :mod:`app.services.ingestion`;
:mod:`app.services.lists` and :mod:`app.services.rosters` decide who may act on which parent and keep
their own audit actions, and share these steps.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from sqlmodel import Session, col, select

from app.errors import NotFound
from app.ingest.entries import Source
from app.models import ListVersion, Roster, RosterVersion, WatchList
from app.services import audit, ingestion
from app.services.ingestion import Interruption, Parent, Submitted, UploadedFile, VersionRow
from app.services.principals import Principal, is_operator

V = TypeVar("V", bound=VersionRow)


class VersionHistory(Generic[V]):
    """What a list's or roster's page reads of its versions: the newest, the one checks use, and whether
    the newest was interrupted while being stored.

    While a replacement is pending, processing or interrupted the active version's rows are the live ones,
    so pages show its counts beside the newest's.
    """

    versions: Sequence[V]
    interruptions: Mapping[int, Interruption]

    @property
    def active_version_id(self) -> int | None:
        raise NotImplementedError

    @property
    def latest(self) -> V | None:
        return self.versions[0] if self.versions else None

    @property
    def active(self) -> V | None:
        return next((v for v in self.versions if v.id == self.active_version_id), None)

    @property
    def interruption(self) -> Interruption | None:
        latest = self.latest
        return self.interruptions.get(latest.id) if latest is not None and latest.id is not None else None


def upload_detail(upload: UploadedFile, *, new: bool) -> dict[str, object]:
    """The audit detail of an upload: which file, and whether it created its parent."""
    return {"file_name": upload.name, "size": upload.size, "sha256": upload.sha256, "new": new}


def submit_version(
    session: Session,
    principal: Principal,
    source: Source,
    parent: Parent,
    upload: UploadedFile,
    *,
    inline: bool,
    columns: Mapping[str, str | int] | None,
    keep_file: bool,
    on_progress: Callable[[int], None] | None,
) -> Submitted:
    """Store ``upload`` as ``parent``'s next version (now or by a worker) and reload ``parent``, whose
    active version may have changed."""
    assert parent.id is not None
    submitted = ingestion.submit(
        session,
        source,
        parent.id,
        upload,
        uploaded_by=principal.actor,
        inline=inline,
        columns=columns,
        delete_file_after=not keep_file,
        on_progress=on_progress,
    )
    session.refresh(parent)
    return submitted


def pick_version(versions: Sequence[V], version_id: int | None, parent_name: str) -> V:
    """The version with ``version_id`` among ``versions`` (newest first), or the newest; 404 if none."""
    version = next((v for v in versions if version_id is None or v.id == version_id), None)
    if version is None or version.id is None:
        raise NotFound(f"No such version of {parent_name}")
    return version


def decide_held(
    session: Session, principal: Principal, source: Source, parent: Parent, version_id: int, *, activate: bool
) -> None:
    """Activate or discard a held version of ``parent`` (the caller checked the principal may), audited as
    ``<source>.version.activate`` or ``.discard``; commits."""
    assert parent.id is not None
    if activate:
        version = ingestion.activate_held(session, source, parent.id, version_id)
    else:
        version = ingestion.discard_held(
            session, source, parent.id, version_id, f"discarded by {principal.actor} while held"
        )
    action = "activate" if activate else "discard"
    detail = {"version_id": version_id, "version": version.version, "accepted": version.accepted}
    audit.record(session, principal, f"{source}.version.{action}", source, parent.id, detail)
    session.commit()
    session.refresh(parent)


@dataclass(frozen=True, slots=True)
class EarlierUpload:
    """A stored version whose file has the same SHA-256 as a new upload."""

    parent_name: str
    version: int
    uploaded_at: datetime
    uploaded_by: str


def earlier_uploads(
    session: Session, principal: Principal, source: Source, sha256: str
) -> list[EarlierUpload]:
    """Versions of live lists (or of the caller's agency's rosters) already holding this very file, newest
    first: the same file uploaded twice is usually a mistake, and the person should know before it is
    stored again."""
    if source == "list":
        list_rows = session.exec(
            select(ListVersion, WatchList)
            .join(WatchList, col(WatchList.id) == col(ListVersion.list_id))
            .where(col(ListVersion.file_sha256) == sha256, col(WatchList.deleted_at).is_(None))
            .order_by(col(ListVersion.uploaded_at).desc())
        ).all()
        return [EarlierUpload(w.owner, v.version, v.uploaded_at, v.uploaded_by) for v, w in list_rows]
    query = (
        select(RosterVersion, Roster)
        .join(Roster, col(Roster.id) == col(RosterVersion.roster_id))
        .where(col(RosterVersion.file_sha256) == sha256, col(Roster.deleted_at).is_(None))
        .order_by(col(RosterVersion.uploaded_at).desc())
    )
    if is_operator(principal):  # another agency's files stay its own
        query = query.where(col(Roster.agency_id) == principal.agency_id)
    return [
        EarlierUpload(r.name, v.version, v.uploaded_at, v.uploaded_by) for v, r in session.exec(query).all()
    ]
