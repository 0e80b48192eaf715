"""Database tables.

Data flows one way: an upload becomes a *version* (of a list or of a roster) whose rows are stored as
entries or rejections; a check run pairs one roster version with the active list versions and writes
findings; reviewers change a finding's review status; every look-up and change leaves an audit event.

A version becomes visible only when its parent's ``active_version_id`` points at it, which happens in the
same transaction that finishes storing its entries: readers never see a half-stored version.

``nik`` is indexed together with ``version_id``: the self-check and the look-up of one person go straight to
the versions that hold a NIK. Candidate pairs are no index's job (``matching.engine`` joins NIK variants in
memory), and every index costs the bulk load of a two-million-row list.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, cast

from sqlalchemy import JSON, BigInteger, Index, String, Table, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.roles import ROLES as ROLES  # where the models always named them

# Stable constraint names, identical on SQLite and PostgreSQL, so migrations can address them.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Primary keys are 32-bit integer columns on every supported database: a larger number names no row, and
# handing one to SQLite overflows its integer type instead of finding nothing.
MAX_ID = 2**31 - 1

LIST_TYPES = ("party_member", "supporter")
# pending -> processing -> active -> superseded, or -> failed; a deleted list keeps no entries.
VERSION_STATUSES = ("pending", "processing", "held", "active", "superseded", "failed")
REVIEW_STATUSES = ("pending", "confirmed", "misused", "dismissed")
"""``misused``: the NIK is the ASN's, but someone registered it without their consent (NIK dicatut):
not a violation by the ASN, to be objected to with KPU."""
MISUSE_STATUSES = ("open", "in_review", "resolved", "rejected")


def utcnow() -> datetime:
    return datetime.now(UTC)


def json_column() -> Any:
    # sa_type, not sa_column: a Column object cannot be shared by the tables that inherit a mixin.
    return Field(default_factory=dict, sa_type=JSON)


class Agency(SQLModel, table=True):
    __tablename__ = "agencies"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True, index=True)
    name: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow)
    # The letterhead of the documents the agency prints (the run summary forwarded to BKN or Bawaslu).
    parent_body: str | None = Field(default=None, max_length=200)  # "PEMERINTAH KOTA CONTOH"
    address: str | None = Field(default=None, max_length=300)
    city: str | None = Field(default=None, max_length=100)  # where documents are signed
    signatory_title: str | None = Field(default=None, max_length=200)  # "Kepala BKPSDM Kota Contoh"


class User(SQLModel, table=True):
    """A person who logs in to the web UI with a password."""

    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=80, unique=True, index=True)
    password_hash: str = Field(max_length=255)
    role: str = Field(max_length=16)
    agency_id: int | None = Field(default=None, foreign_key="agencies.id", index=True)
    is_active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow)
    last_login_at: datetime | None = None


class WebSession(SQLModel, table=True):
    """A browser logged in as a user. The cookie carries a random token and only its hash is kept here, so
    deleting the row ends the session wherever the cookie was copied to (logout, a password change, a
    disabled account)."""

    __tablename__ = "web_sessions"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime = Field(index=True)
    client: str | None = Field(default=None, max_length=64)


class ApiKey(SQLModel, table=True):
    """A machine credential. Only a hash of the secret is stored; ``prefix`` finds the row."""

    __tablename__ = "api_keys"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    prefix: str = Field(max_length=16, unique=True, index=True)
    key_hash: str = Field(max_length=128)
    role: str = Field(max_length=16)
    agency_id: int | None = Field(default=None, foreign_key="agencies.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None


class WatchList(SQLModel, table=True):
    """A party-member or supporter list; its rows live in the active version."""

    __tablename__ = "lists"

    id: int | None = Field(default=None, primary_key=True)
    list_type: str = Field(max_length=16, index=True)
    owner: str = Field(max_length=200, index=True)  # party or candidate
    election: str = Field(max_length=120, index=True)
    region: str | None = Field(default=None, max_length=120)
    active_version_id: int | None = Field(default=None, index=True)
    created_by: str = Field(max_length=120)
    created_at: datetime = Field(default_factory=utcnow)
    deleted_at: datetime | None = None


class Roster(SQLModel, table=True):
    """An agency's staff roster; its rows live in the active version."""

    __tablename__ = "rosters"

    id: int | None = Field(default=None, primary_key=True)
    agency_id: int = Field(foreign_key="agencies.id", index=True)
    name: str = Field(max_length=200)
    active_version_id: int | None = Field(default=None, index=True)
    created_by: str = Field(max_length=120)
    created_at: datetime = Field(default_factory=utcnow)
    deleted_at: datetime | None = None


class _VersionColumns(SQLModel):
    """What every uploaded file records, so each finding can cite its source file and line."""

    version: int = Field(default=1)
    status: str = Field(default="pending", max_length=16, index=True)
    file_name: str = Field(max_length=255)
    file_size: int = Field(default=0)
    file_sha256: str = Field(max_length=64)
    uploaded_by: str = Field(max_length=120)
    uploaded_at: datetime = Field(default_factory=utcnow)
    rows_total: int | None = None
    rows_processed: int = Field(default=0)
    accepted: int = Field(default=0)
    rejected: int = Field(default=0)
    flagged: int = Field(default=0)
    blank: int = Field(default=0)
    column_map: dict[str, Any] = json_column()
    error: str | None = Field(default=None, max_length=2000)
    finished_at: datetime | None = None
    # Against the version this one replaced: NIKs it brought and NIKs it no longer holds (counted by a job
    # after activation; None until then, or when it replaced nothing).
    rows_added: int | None = None
    rows_removed: int | None = None


class ListVersion(_VersionColumns, table=True):
    __tablename__ = "list_versions"

    id: int | None = Field(default=None, primary_key=True)
    list_id: int = Field(foreign_key="lists.id", index=True)


class RosterVersion(_VersionColumns, table=True):
    __tablename__ = "roster_versions"

    id: int | None = Field(default=None, primary_key=True)
    roster_id: int = Field(foreign_key="rosters.id", index=True)


def table_of(model: type[SQLModel]) -> Table:
    """The Core table of a table model, for hot paths that build statements once (SQLModel leaves
    ``__table__`` untyped)."""
    return cast(Table, model.__table__)  # type: ignore[attr-defined]


def _key_text(length: int) -> Any:
    # Byte-wise comparison on PostgreSQL (migration 7b3c9e1f2a68); SQLite's BINARY already is.
    return String(length).with_variant(String(length, collation="C"), "postgresql")


class _PersonColumns(SQLModel):
    """A row as uploaded and normalised: what matching reads (``app.ingest.entries`` fills them)."""

    line: int
    nik: str | None = Field(default=None, sa_type=_key_text(16))
    nik_raw: str = Field(default="", max_length=64)
    name: str = Field(max_length=255)
    birth_date: date | None = None
    gender: str | None = Field(default=None, max_length=1)
    regency: str | None = Field(default=None, max_length=4)
    flags: str = Field(default="", max_length=200)  # comma-separated matching.nik flags
    numeric_cell: bool = Field(default=False)


class ListEntry(_PersonColumns, table=True):
    __tablename__ = "list_entries"
    __table_args__ = (Index("ix_list_entries_nik_version", "nik", "version_id"),)

    id: int | None = Field(default=None, primary_key=True)
    # No foreign key (see the migration 8c4e1f0a2b67): only ingestion writes entries, into the version it
    # has just made, and version rows are never deleted.
    version_id: int = Field(index=True)
    address: str | None = Field(default=None, max_length=500)
    kta: str | None = Field(default=None, max_length=64)
    occupation: str | None = Field(default=None, max_length=120)


class RosterEntry(_PersonColumns, table=True):
    __tablename__ = "roster_entries"
    __table_args__ = (Index("ix_roster_entries_nik_version", "nik", "version_id"),)

    id: int | None = Field(default=None, primary_key=True)
    version_id: int = Field(foreign_key="roster_versions.id", index=True)
    nip: str | None = Field(default=None, max_length=18)
    unit: str | None = Field(default=None, max_length=255)


class Rejection(SQLModel, table=True):
    """A row of an uploaded file that was not stored, with its line number and reason."""

    __tablename__ = "rejections"
    __table_args__ = (Index("ix_rejections_source_version", "source", "version_id", "line"),)

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=8)  # "list" | "roster"
    version_id: int
    line: int
    reason: str = Field(max_length=64)
    message: str = Field(max_length=500)
    raw: dict[str, Any] = json_column()


class Job(SQLModel, table=True):
    """Queued background work (ingestion, check runs) claimed by workers under a lease."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_status_available", "status", "available_at"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32)  # "ingest_list" | "ingest_roster" | "check"
    target_id: int
    status: str = Field(default="queued", max_length=16)  # queued | running | done | failed
    payload: dict[str, Any] = json_column()
    attempts: int = Field(default=0)
    available_at: datetime = Field(default_factory=utcnow)
    lease_until: datetime | None = None
    alive_until: datetime | None = None
    """When the running worker's next heartbeat is overdue: long before the lease runs out, so a page can
    say the work was interrupted while no other worker may take it over yet."""
    worker: str | None = Field(default=None, max_length=120)
    error: str | None = Field(default=None, max_length=2000)
    created_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None


class CheckRun(SQLModel, table=True):
    __tablename__ = "check_runs"

    id: int | None = Field(default=None, primary_key=True)
    agency_id: int = Field(foreign_key="agencies.id", index=True)
    roster_id: int = Field(foreign_key="rosters.id", index=True)
    roster_version_id: int = Field(foreign_key="roster_versions.id")
    status: str = Field(default="queued", max_length=16, index=True)
    trigger: str = Field(default="manual", max_length=32)  # manual | list_version
    trigger_version_id: int | None = Field(default=None, index=True)
    """For a re-check: the list version whose arrival queued it."""
    filters: dict[str, Any] = json_column()
    previous_run_id: int | None = Field(default=None)
    progress: float = Field(default=0.0)
    rows_total: int = Field(default=0)
    rows_matched: int = Field(default=0)
    findings_count: int = Field(default=0)
    created_by: str = Field(max_length=120)
    created_at: datetime = Field(default_factory=utcnow)
    started_at: datetime | None = None
    finished_at: datetime | None = None
    error: str | None = Field(default=None, max_length=2000)


class CheckRunList(SQLModel, table=True):
    """The list versions a run used, so its findings stay explainable after lists change."""

    __tablename__ = "check_run_lists"

    run_id: int = Field(foreign_key="check_runs.id", primary_key=True)
    list_version_id: int = Field(foreign_key="list_versions.id", primary_key=True)


class CheckShard(SQLModel, table=True):
    """A slice of a run's roster (an id range) that one worker checks; the run's findings are written
    once, from every shard's ``result``, by the worker that finishes the last one."""

    __tablename__ = "check_shards"
    __table_args__ = (UniqueConstraint("run_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="check_runs.id", index=True)
    number: int
    first_id: int = Field(sa_type=BigInteger)
    last_id: int = Field(sa_type=BigInteger)
    status: str = Field(default="queued", max_length=16)  # queued | running | done
    rows_total: int = Field(default=0)
    rows_done: int = Field(default=0)
    findings_count: int = Field(default=0)
    rows_matched: int = Field(default=0)
    result: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    """The shard's finding rows until the run's findings are written."""
    finished_at: datetime | None = None


class Finding(SQLModel, table=True):
    __tablename__ = "findings"
    __table_args__ = (
        UniqueConstraint("run_id", "roster_entry_id", "list_entry_id"),
        Index("ix_findings_run_score", "run_id", "score"),
        Index("ix_findings_pair_key", "pair_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="check_runs.id", index=True)
    agency_id: int = Field(foreign_key="agencies.id", index=True)
    roster_entry_id: int = Field(foreign_key="roster_entries.id")
    # No foreign key (migration 8c4e1f0a2b67, kept by 3f7a9c2d4e18): ``list_version_id`` has its key, and
    # purges delete findings before entries.
    list_entry_id: int
    list_version_id: int = Field(foreign_key="list_versions.id")
    # Identifies the same roster person / list person across versions, to carry reviews forward.
    pair_key: str = Field(max_length=64)
    kind: str = Field(max_length=32, index=True)
    match_class: str = Field(max_length=16, index=True)
    score: float
    explanation: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    review_status: str = Field(default="pending", max_length=16, index=True)
    review_reason: str | None = Field(default=None, max_length=1000)
    reviewed_by: str | None = Field(default=None, max_length=120)
    reviewed_at: datetime | None = None
    change: str = Field(default="new", max_length=16)
    created_at: datetime = Field(default_factory=utcnow)


class AuditEvent(SQLModel, table=True):
    """Who looked up or changed what; NIKs appear here only masked."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_target", "target_type", "target_id"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor: str = Field(max_length=120)  # "key:<prefix>", "user:<name>", "public:<client>"
    actor_role: str | None = Field(default=None, max_length=16)
    agency_id: int | None = Field(default=None, index=True)
    action: str = Field(max_length=64, index=True)
    target_type: str | None = Field(default=None, max_length=32)
    target_id: str | None = Field(default=None, max_length=64)
    client: str | None = Field(default=None, max_length=64)
    detail: dict[str, Any] = json_column()


class MisuseReport(SQLModel, table=True):
    """A person's report that their NIK was put on a list without consent ("NIK dicatut")."""

    __tablename__ = "misuse_reports"

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    nik_masked: str = Field(max_length=16)
    # Keyed hash of the NIK: lets stewards group reports of one person without storing the NIK in clear.
    nik_digest: str = Field(max_length=64, index=True)
    list_id: int | None = Field(default=None, foreign_key="lists.id", index=True)
    # The list row reported (no foreign key: retention may delete the row, the report stays).
    list_entry_id: int | None = Field(default=None, index=True)
    list_line: int | None = None
    contact: str = Field(max_length=200)
    statement: str = Field(max_length=4000)
    status: str = Field(default="open", max_length=16, index=True)
    status_note: str | None = Field(default=None, max_length=1000)
    updated_at: datetime = Field(default_factory=utcnow)
    receipt_hash: str | None = Field(default=None, max_length=64, unique=True)
    """SHA-256 of the receipt code the reporter was given: the code itself is never stored."""
