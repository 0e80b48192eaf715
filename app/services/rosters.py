"""Agency rosters: upload, replace, read, download rejections, delete.

An operator works on its own agency's rosters only: another agency's roster answers 404, never 403, so ids
reveal nothing. Admins act for any agency (naming it on upload); auditors read every roster.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from app.errors import Forbidden, NotFound, ValidationFailed
from app.models import Agency, Roster, RosterVersion
from app.models import Rejection as RejectionRow
from app.services import agencies, audit, ingestion
from app.services.ingestion import UploadedFile
from app.services.principals import Principal, is_operator, require_roles
from app.services.versions import VersionHistory, decide_held, pick_version, submit_version, upload_detail

READ_ROLES = ("operator", "admin", "auditor")
WRITE_ROLES = ("operator", "admin")


@dataclass
class RosterView(VersionHistory[RosterVersion]):
    roster: Roster
    agency: Agency
    versions: list[RosterVersion]
    interruptions: dict[int, ingestion.Interruption] = field(default_factory=dict)

    @property
    def active_version_id(self) -> int | None:
        return self.roster.active_version_id


@dataclass
class RosterUpload:
    view: RosterView
    version: RosterVersion
    job_id: int | None
    queued: bool


def _view(session: Session, roster: Roster) -> RosterView:
    assert roster.id is not None
    agency = session.get(Agency, roster.agency_id)
    assert agency is not None
    versions = ingestion.versions_of(session, "roster", roster.id)
    return RosterView(
        roster,
        agency,
        [v for v in versions if isinstance(v, RosterVersion)],
        ingestion.interruptions(session, "roster", versions),
    )


def visible_roster(session: Session, principal: Principal, roster_id: int) -> Roster:
    """A live roster the caller may see; otherwise 404, so another agency's ids reveal nothing."""
    roster = session.get(Roster, roster_id)
    if (
        roster is None
        or roster.deleted_at is not None
        or (is_operator(principal) and roster.agency_id != principal.agency_id)
    ):
        raise NotFound(f"No roster with id {roster_id}")
    return roster


def _agency_for_upload(session: Session, principal: Principal, agency_code: str | None) -> Agency:
    if is_operator(principal):
        if principal.agency_id is None:
            raise Forbidden("This operator key is bound to no agency")
        agency = session.get(Agency, principal.agency_id)
        if agency is None:
            raise Forbidden("This operator key is bound to no agency")
        if agency_code and agency_code.strip().upper() != agency.code:
            raise NotFound(f"No agency with code {agency_code!r}")
        return agency
    if not agency_code:
        raise ValidationFailed("agency (the agency's code) is required for an admin upload")
    return agencies.require_agency(session, agency_code)


def create_roster(
    session: Session,
    principal: Principal,
    *,
    name: str | None,
    upload: UploadedFile,
    inline: bool,
    agency_code: str | None = None,
    columns: Mapping[str, str | int] | None = None,
    keep_file: bool = False,
    on_progress: Callable[[int], None] | None = None,
) -> RosterUpload:
    """Create a roster for the operator's agency (admins name the agency) from its first file."""
    require_roles(principal, WRITE_ROLES)
    agency = _agency_for_upload(session, principal, agency_code)
    title = (name or "").strip() or upload.name
    if len(title) > 200:
        raise ValidationFailed("name is longer than 200 characters")
    ingestion.probe(
        upload.path,
        "roster",
        columns=columns,
        limits=ingestion.configured_limits(upload.max_decompressed_bytes),
    )
    assert agency.id is not None
    roster = Roster(agency_id=agency.id, name=title, created_by=principal.actor)
    session.add(roster)
    session.flush()
    assert roster.id is not None
    audit.record(
        session,
        principal,
        "roster.upload",
        "roster",
        roster.id,
        upload_detail(upload, new=True),
        agency_id=agency.id,
    )
    return _submit(
        session,
        principal,
        roster,
        upload,
        inline=inline,
        columns=columns,
        keep_file=keep_file,
        on_progress=on_progress,
    )


def decide_version(
    session: Session, principal: Principal, roster_id: int, version_id: int, *, activate: bool
) -> RosterView:
    """Activate a held version (it replaces the active one) or discard it."""
    require_roles(principal, WRITE_ROLES)
    roster = visible_roster(session, principal, roster_id)
    decide_held(session, principal, "roster", roster, version_id, activate=activate)
    return _view(session, roster)


def add_version(
    session: Session,
    principal: Principal,
    roster_id: int,
    upload: UploadedFile,
    *,
    inline: bool,
    columns: Mapping[str, str | int] | None = None,
    keep_file: bool = False,
    on_progress: Callable[[int], None] | None = None,
) -> RosterUpload:
    """Replace a roster's rows with a new file; the active version stays until the new one is stored."""
    require_roles(principal, WRITE_ROLES)
    roster = visible_roster(session, principal, roster_id)
    ingestion.probe(
        upload.path,
        "roster",
        columns=columns,
        limits=ingestion.configured_limits(upload.max_decompressed_bytes),
    )
    audit.record(
        session,
        principal,
        "roster.upload",
        "roster",
        roster_id,
        upload_detail(upload, new=False),
        agency_id=roster.agency_id,
    )
    return _submit(
        session,
        principal,
        roster,
        upload,
        inline=inline,
        columns=columns,
        keep_file=keep_file,
        on_progress=on_progress,
    )


def _submit(
    session: Session,
    principal: Principal,
    roster: Roster,
    upload: UploadedFile,
    *,
    inline: bool,
    columns: Mapping[str, str | int] | None,
    keep_file: bool,
    on_progress: Callable[[int], None] | None,
) -> RosterUpload:
    submitted = submit_version(
        session,
        principal,
        "roster",
        roster,
        upload,
        inline=inline,
        columns=columns,
        keep_file=keep_file,
        on_progress=on_progress,
    )
    version = submitted.version
    assert isinstance(version, RosterVersion)
    return RosterUpload(_view(session, roster), version, submitted.job_id, submitted.queued)


def get_rosters(
    session: Session, principal: Principal, *, agency_code: str | None = None
) -> list[RosterView]:
    require_roles(principal, READ_ROLES)
    query = select(Roster).where(col(Roster.deleted_at).is_(None))
    if is_operator(principal):
        query = query.where(col(Roster.agency_id) == principal.agency_id)
    elif agency_code:
        agency = agencies.get_agency_by_code(session, agency_code)
        if agency is None:
            return []
        query = query.where(col(Roster.agency_id) == agency.id)
    return [_view(session, row) for row in session.exec(query.order_by(col(Roster.id)))]


def get_roster(session: Session, principal: Principal, roster_id: int) -> RosterView:
    require_roles(principal, READ_ROLES)
    return _view(session, visible_roster(session, principal, roster_id))


def rejections(
    session: Session, principal: Principal, roster_id: int, *, version_id: int | None = None
) -> tuple[RosterVersion, Iterator[RejectionRow]]:
    """The rejected rows of a version (default: the newest), in line order; the download is audited."""
    require_roles(principal, READ_ROLES)
    view = _view(session, visible_roster(session, principal, roster_id))
    version = pick_version(view.versions, version_id, f"roster {roster_id}")
    assert version.id is not None
    audit.record_lookup(
        session,
        principal,
        "roster.rejections.download",
        "roster",
        roster_id,
        {"version_id": version.id},
        agency_id=view.roster.agency_id,
    )
    session.commit()
    return version, ingestion.iter_rejections(session, "roster", version.id)


def delete_roster(session: Session, principal: Principal, roster_id: int) -> dict[str, int]:
    """Delete a roster: entries, rejections and findings citing them are purged; version records stay."""
    require_roles(principal, WRITE_ROLES)
    roster = visible_roster(session, principal, roster_id)
    counts = ingestion.purge(session, "roster", roster)
    audit.record(session, principal, "roster.delete", "roster", roster_id, counts, agency_id=roster.agency_id)
    session.commit()
    return counts
