"""Party-member and supporter lists: upload, replace, read, download rejections, delete.

Stewards (and admins) manage lists; auditors may read them. Storing a file is :mod:`app.services.ingestion`'s
job; this module decides who may do what, keeps the audit trail and commits.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from app.errors import NotFound, ValidationFailed
from app.models import LIST_TYPES, ListVersion, WatchList
from app.models import Rejection as RejectionRow
from app.services import audit, ingestion
from app.services.ingestion import UploadedFile
from app.services.principals import Principal, require_roles
from app.services.versions import VersionHistory, decide_held, pick_version, submit_version, upload_detail

READ_ROLES = ("steward", "admin", "auditor")
WRITE_ROLES = ("steward", "admin")


@dataclass
class ListView(VersionHistory[ListVersion]):
    watch_list: WatchList
    versions: builtins.list[ListVersion]
    interruptions: dict[int, ingestion.Interruption] = field(default_factory=dict)

    @property
    def active_version_id(self) -> int | None:
        return self.watch_list.active_version_id


@dataclass
class ListUpload:
    view: ListView
    version: ListVersion
    job_id: int | None
    queued: bool


def _clean(value: str | None, field: str, *, required: bool = True, limit: int = 200) -> str | None:
    text = (value or "").strip()
    if not text:
        if required:
            raise ValidationFailed(f"{field} is required")
        return None
    if len(text) > limit:
        raise ValidationFailed(f"{field} is longer than {limit} characters")
    return text


def _view(session: Session, watch_list: WatchList) -> ListView:
    assert watch_list.id is not None
    versions = ingestion.versions_of(session, "list", watch_list.id)
    return ListView(
        watch_list,
        [v for v in versions if isinstance(v, ListVersion)],
        ingestion.interruptions(session, "list", versions),
    )


def _get(session: Session, list_id: int) -> WatchList:
    watch_list = session.get(WatchList, list_id)
    if watch_list is None or watch_list.deleted_at is not None:
        raise NotFound(f"No list with id {list_id}")
    return watch_list


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def _known_spelling(session: Session, column: Any, text: str) -> str:
    """``text`` as an existing list already writes it, when they differ only in case or spacing
    ("partai  contoh" is "Partai Contoh"), so one party or election does not split in two."""
    folded = _fold(text)
    for known in session.exec(select(column).where(col(WatchList.deleted_at).is_(None)).distinct()):
        if known and _fold(known) == folded:
            return str(known)
    return " ".join(text.split())


def known_values(session: Session, principal: Principal) -> dict[str, list[str]]:
    """The owners, elections and regions lists already name, for the upload form to offer."""
    require_roles(principal, READ_ROLES)
    values: dict[str, list[str]] = {}
    for name in ("owner", "election", "region"):
        column = col(getattr(WatchList, name))
        rows = session.exec(select(column).where(col(WatchList.deleted_at).is_(None)).distinct())
        values[name] = sorted({str(v) for v in rows if v})
    return values


def create_list(
    session: Session,
    principal: Principal,
    *,
    list_type: str,
    owner: str,
    election: str,
    region: str | None,
    upload: UploadedFile,
    inline: bool,
    columns: Mapping[str, str | int] | None = None,
    keep_file: bool = False,
    on_progress: Callable[[int], None] | None = None,
) -> ListUpload:
    """Create a list from its first file. The file is checked (type, header, NIK column) before anything is
    stored; it is then stored now (``inline``) or by a worker."""
    require_roles(principal, WRITE_ROLES)
    if list_type not in LIST_TYPES:
        raise ValidationFailed(f"list_type must be one of: {', '.join(LIST_TYPES)}")
    owner_text = _clean(owner, "owner")
    election_text = _clean(election, "election", limit=120)
    region_text = _clean(region, "region", required=False, limit=120)
    assert owner_text is not None
    assert election_text is not None
    owner_text = _known_spelling(session, col(WatchList.owner), owner_text)
    election_text = _known_spelling(session, col(WatchList.election), election_text)
    if region_text is not None:
        region_text = _known_spelling(session, col(WatchList.region), region_text)
    ingestion.probe(
        upload.path,
        "list",
        columns=columns,
        limits=ingestion.configured_limits(upload.max_decompressed_bytes),
    )
    watch_list = WatchList(
        list_type=list_type,
        owner=owner_text,
        election=election_text,
        region=region_text,
        created_by=principal.actor,
    )
    session.add(watch_list)
    session.flush()
    assert watch_list.id is not None
    audit.record(session, principal, "list.upload", "list", watch_list.id, upload_detail(upload, new=True))
    return _submit(
        session,
        principal,
        watch_list,
        upload,
        inline=inline,
        columns=columns,
        keep_file=keep_file,
        on_progress=on_progress,
    )


def add_version(
    session: Session,
    principal: Principal,
    list_id: int,
    upload: UploadedFile,
    *,
    inline: bool,
    columns: Mapping[str, str | int] | None = None,
    keep_file: bool = False,
    on_progress: Callable[[int], None] | None = None,
) -> ListUpload:
    """Replace a list's rows with a new file; the current version stays active until the new one is stored."""
    require_roles(principal, WRITE_ROLES)
    watch_list = _get(session, list_id)
    ingestion.probe(
        upload.path,
        "list",
        columns=columns,
        limits=ingestion.configured_limits(upload.max_decompressed_bytes),
    )
    audit.record(session, principal, "list.upload", "list", list_id, upload_detail(upload, new=False))
    return _submit(
        session,
        principal,
        watch_list,
        upload,
        inline=inline,
        columns=columns,
        keep_file=keep_file,
        on_progress=on_progress,
    )


def _submit(
    session: Session,
    principal: Principal,
    watch_list: WatchList,
    upload: UploadedFile,
    *,
    inline: bool,
    columns: Mapping[str, str | int] | None,
    keep_file: bool,
    on_progress: Callable[[int], None] | None,
) -> ListUpload:
    submitted = submit_version(
        session,
        principal,
        "list",
        watch_list,
        upload,
        inline=inline,
        columns=columns,
        keep_file=keep_file,
        on_progress=on_progress,
    )
    version = submitted.version
    assert isinstance(version, ListVersion)
    return ListUpload(_view(session, watch_list), version, submitted.job_id, submitted.queued)


def decide_version(
    session: Session, principal: Principal, list_id: int, version_id: int, *, activate: bool
) -> ListView:
    """Activate a held version (it replaces the active one, and screening re-checks) or discard it."""
    require_roles(principal, WRITE_ROLES)
    watch_list = _get(session, list_id)
    decide_held(session, principal, "list", watch_list, version_id, activate=activate)
    return _view(session, watch_list)


def get_lists(
    session: Session,
    principal: Principal,
    *,
    list_type: str | None = None,
    election: str | None = None,
    owner: str | None = None,
) -> list[ListView]:
    require_roles(principal, READ_ROLES)
    query = select(WatchList).where(col(WatchList.deleted_at).is_(None))
    if list_type:
        query = query.where(col(WatchList.list_type) == list_type)
    if election:
        query = query.where(col(WatchList.election) == election)
    if owner:
        query = query.where(col(WatchList.owner) == owner)
    return [_view(session, row) for row in session.exec(query.order_by(col(WatchList.id)))]


def get_list(session: Session, principal: Principal, list_id: int) -> ListView:
    require_roles(principal, READ_ROLES)
    return _view(session, _get(session, list_id))


def rejections(
    session: Session, principal: Principal, list_id: int, *, version_id: int | None = None
) -> tuple[ListVersion, Iterator[RejectionRow]]:
    """The rejected rows of a version (default: the newest), in line order; the download is audited."""
    require_roles(principal, READ_ROLES)
    view = _view(session, _get(session, list_id))
    version = pick_version(view.versions, version_id, f"list {list_id}")
    assert version.id is not None
    audit.record_lookup(
        session, principal, "list.rejections.download", "list", list_id, {"version_id": version.id}
    )
    session.commit()
    return version, ingestion.iter_rejections(session, "list", version.id)


def delete_list(session: Session, principal: Principal, list_id: int) -> dict[str, int]:
    """Delete a list: entries, rejections and findings citing them are purged; version records stay."""
    require_roles(principal, WRITE_ROLES)
    watch_list = _get(session, list_id)
    counts = ingestion.purge(session, "list", watch_list)
    audit.record(session, principal, "list.delete", "list", list_id, counts)
    session.commit()
    return counts
