"""Request and response models of the check-run, findings and synchronous-match API.

Services return plain values and ORM rows; routes turn them into these models at the API edge.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from app.models import MAX_ID, CheckRun
from app.services.checks import RunListVersion
from app.services.findings import FindingView, finding_text, mask_nik

ListType = Literal["party_member", "supporter"]
RunStatus = Literal["queued", "running", "succeeded", "failed"]
ReviewStatus = Literal["pending", "confirmed", "misused", "dismissed"]
Change = Literal["new", "unchanged", "resolved"]
MatchClass = Literal["confirmed", "conflict", "probable", "possible"]
FindingSort = Literal["score_desc", "score_asc", "id"]

MATCH_MAX_PEOPLE = 1000

_EXPLANATION_EXAMPLE: list[JsonValue] = [
    {"name": "nik", "outcome": "exact", "detail": "NIK identical"},
    {"name": "name", "outcome": "match", "detail": "similarity 0.97; titles removed: Drs."},
]


class CheckCreate(BaseModel):
    """Start a check of a roster's active version against the active lists that pass the filters."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"roster_id": 12, "election": "Pilkada 2024", "list_type": "supporter"}]
        },
    )

    roster_id: int = Field(ge=1, le=MAX_ID)
    election: str | None = Field(default=None, min_length=1, max_length=120)
    list_type: ListType | None = None
    list_ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] | None = Field(
        default=None, min_length=1, max_length=500, description="Only these lists (still active ones only)."
    )


class ListVersionUsed(BaseModel):
    list_id: int
    list_version_id: int
    version: int
    list_type: str
    owner: str
    election: str
    file_name: str


class CheckRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 7,
                    "agency_id": 3,
                    "roster_id": 12,
                    "roster_version_id": 15,
                    "status": "running",
                    "trigger": "manual",
                    "filters": {"election": "Pilkada 2024"},
                    "previous_run_id": None,
                    "progress": 42.5,
                    "rows_total": 50000,
                    "rows_matched": 113,
                    "findings_count": 120,
                    "created_by": "key:nk_3a9f",
                    "created_at": "2024-09-01T02:00:00Z",
                    "started_at": "2024-09-01T02:00:01Z",
                    "finished_at": None,
                    "duration_seconds": None,
                    "error": None,
                    "list_versions": [
                        {
                            "list_id": 4,
                            "list_version_id": 9,
                            "version": 2,
                            "list_type": "supporter",
                            "owner": "Pasangan Calon A",
                            "election": "Pilkada 2024",
                            "file_name": "dukungan.xlsx",
                        }
                    ],
                }
            ]
        }
    )

    id: int
    agency_id: int
    roster_id: int
    roster_version_id: int
    status: RunStatus
    trigger: str
    filters: dict[str, object]
    previous_run_id: int | None
    progress: float = Field(ge=0, le=100, description="Percent of the roster's rows processed.")
    rows_total: int
    rows_matched: int = Field(description="Roster rows with at least one finding so far.")
    findings_count: int
    created_by: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    duration_seconds: float | None
    error: str | None
    list_versions: list[ListVersionUsed]


class CheckPage(BaseModel):
    items: list[CheckRead]
    next_cursor: str | None = Field(
        description="Pass as `cursor` to get the next page; null on the last page."
    )


class Feature(BaseModel):
    """One compared feature of a finding, as the matcher explained it."""

    name: str
    outcome: str
    detail: str


class RosterSide(BaseModel):
    entry_id: int
    roster_id: int
    line: int = Field(description="Line in the uploaded file, as a spreadsheet shows it.")
    nik: str | None = Field(
        description="Masked in lists (`3171********0123`), in full in a finding's detail."
    )
    name: str
    nip: str | None
    unit: str | None
    file_name: str


class ListSide(BaseModel):
    entry_id: int
    list_id: int
    list_version_id: int
    line: int
    nik: str | None
    name: str
    birth_date: str | None
    regency: str | None
    list_type: str
    owner: str
    election: str
    file_name: str


class FindingRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 101,
                    "run_id": 7,
                    "kind": "nik_exact",
                    "match_class": "confirmed",
                    "score": 0.98,
                    "change": "new",
                    "review_status": "pending",
                    "review_reason": None,
                    "reviewed_by": None,
                    "reviewed_at": None,
                    "explanation": _EXPLANATION_EXAMPLE,
                    "explanation_text": "NIK: exact; name: match (similarity 0.97; titles removed: Drs.)",
                    "roster": {
                        "entry_id": 5501,
                        "roster_id": 12,
                        "line": 14,
                        "nik": "3171********0123",
                        "name": "Drs. Agus Suprianto",
                        "nip": "196805121994031002",
                        "unit": "Dinas Pendidikan",
                        "file_name": "pegawai.xlsx",
                    },
                    "list": {
                        "entry_id": 88001,
                        "list_id": 4,
                        "list_version_id": 9,
                        "line": 2031,
                        "nik": "3171********0123",
                        "name": "AGOES SOEPRIJANTO",
                        "birth_date": None,
                        "regency": "3171",
                        "list_type": "party_member",
                        "owner": "Partai Contoh",
                        "election": "Pemilu 2024",
                        "file_name": "sipol.csv",
                    },
                }
            ]
        }
    )

    id: int
    run_id: int
    kind: str
    match_class: str
    score: float
    change: Change
    review_status: ReviewStatus
    review_reason: str | None
    reviewed_by: str | None
    reviewed_at: datetime | None
    explanation: list[Feature]
    explanation_text: str
    roster: RosterSide
    list: ListSide


class FindingPage(BaseModel):
    items: list[FindingRead]
    next_cursor: str | None = Field(
        description="Pass as `cursor` to get the next page; null on the last page."
    )


class ChangesRead(BaseModel):
    """How a run's findings differ from the previous run over the same roster."""

    run_id: int
    previous_run_id: int | None
    new: list[FindingRead]
    resolved: list[FindingRead]
    unchanged_count: int


class ReviewUpdate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"review_status": "dismissed", "reason": "Different person: birth dates differ"}]
        },
    )

    review_status: Literal["confirmed", "misused", "dismissed"] = Field(
        description="confirmed: a suspected violation; misused: the ASN's NIK was registered without their "
        "consent (NIK dicatut), to be objected to with KPU; dismissed: not this person, or a list error"
    )
    reason: str | None = Field(
        default=None, min_length=1, max_length=1000, description="Required when dismissing a finding."
    )


class MatchPerson(BaseModel):
    model_config = ConfigDict(extra="forbid")

    nik: str = Field(max_length=64, description="As typed; the matcher parses and normalises it.")
    name: str = Field(min_length=1, max_length=255)
    nip: str | None = Field(default=None, max_length=64)


class MatchRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "people": [
                        {"nik": "3171014506870123", "name": "Siti Rahmawati", "nip": "198706052010012003"}
                    ],
                    "list_type": "party_member",
                }
            ]
        },
    )

    people: list[MatchPerson] = Field(
        description=f"At most {MATCH_MAX_PEOPLE} people; larger sets go through `POST /api/v1/checks`."
    )
    election: str | None = Field(default=None, min_length=1, max_length=120)
    list_type: ListType | None = None


class MatchListRef(BaseModel):
    list_id: int
    list_version_id: int
    list_type: str
    owner: str
    election: str


class MatchFinding(BaseModel):
    index: int = Field(description="Position of the person in the request's `people`.")
    kind: str
    match_class: str
    score: float
    explanation: list[Feature]
    explanation_text: str
    list: MatchListRef
    list_entry_line: int
    list_entry_name: str
    list_entry_nik: str | None = Field(description="Masked: first 4 and last 4 digits.")


class MatchResponse(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "people": 1,
                    "lists_checked": 3,
                    "findings": [
                        {
                            "index": 0,
                            "kind": "nik_exact",
                            "match_class": "confirmed",
                            "score": 0.99,
                            "explanation": _EXPLANATION_EXAMPLE,
                            "explanation_text": "NIK: exact; name: match",
                            "list": {
                                "list_id": 4,
                                "list_version_id": 9,
                                "list_type": "party_member",
                                "owner": "Partai Contoh",
                                "election": "Pemilu 2024",
                            },
                            "list_entry_line": 2031,
                            "list_entry_name": "SITI RAHMAWATI",
                            "list_entry_nik": "3171********0123",
                        }
                    ],
                }
            ]
        }
    )

    people: int
    lists_checked: int
    findings: list[MatchFinding]


# --- shaping service results -----------------------------------------------------------------------------


def check_read(run: CheckRun, list_versions: Sequence[RunListVersion]) -> CheckRead:
    duration = None
    if run.started_at is not None and run.finished_at is not None:
        duration = round((run.finished_at - run.started_at).total_seconds(), 3)
    return CheckRead(
        id=run.id or 0,
        agency_id=run.agency_id,
        roster_id=run.roster_id,
        roster_version_id=run.roster_version_id,
        status=run.status,
        trigger=run.trigger,
        filters=dict(run.filters),
        previous_run_id=run.previous_run_id,
        progress=min(100.0, max(0.0, run.progress)),
        rows_total=run.rows_total,
        rows_matched=run.rows_matched,
        findings_count=run.findings_count,
        created_by=run.created_by,
        created_at=run.created_at,
        started_at=run.started_at,
        finished_at=run.finished_at,
        duration_seconds=duration,
        error=run.error,
        list_versions=[ListVersionUsed(**vars(lv)) for lv in list_versions],
    )


def finding_read(view: FindingView, *, reveal_nik: bool = False) -> FindingRead:
    """A finding for the API; NIKs masked unless a reviewer opened this one finding (``reveal_nik``)."""
    f, r, le, wl, lv = view.finding, view.roster_entry, view.list_entry, view.watch_list, view.list_version

    def nik(value: str | None) -> str | None:
        return value if reveal_nik else mask_nik(value)

    return FindingRead(
        id=f.id or 0,
        run_id=f.run_id,
        kind=f.kind,
        match_class=f.match_class,
        score=f.score,
        change=f.change,
        review_status=f.review_status,
        review_reason=f.review_reason,
        reviewed_by=f.reviewed_by,
        reviewed_at=f.reviewed_at,
        explanation=[Feature(**feature) for feature in f.explanation],
        explanation_text=finding_text(f),
        roster=RosterSide(
            entry_id=r.id or 0,
            roster_id=view.roster_id,
            line=r.line,
            nik=nik(r.nik),
            name=r.name,
            nip=r.nip,
            unit=r.unit,
            file_name=view.roster_file,
        ),
        list=ListSide(
            entry_id=le.id or 0,
            list_id=wl.id or 0,
            list_version_id=lv.id or 0,
            line=le.line,
            nik=nik(le.nik),
            name=le.name,
            birth_date=le.birth_date.isoformat() if le.birth_date else None,
            regency=le.regency,
            list_type=wl.list_type,
            owner=wl.owner,
            election=wl.election,
            file_name=lv.file_name,
        ),
    )
