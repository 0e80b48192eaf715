"""Public self-check ("Cek NIK") and the misuse-report queue.

``POST /self-check`` and ``POST /self-check/reports`` are the only public API routes (no key); both are rate
limited per client. The queue (``/misuse-reports``) is for stewards and auditors.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Annotated, Literal

from anyio import to_thread
from fastapi import APIRouter, Depends, Query, status
from pydantic import BaseModel, ConfigDict, Field

from app.api.params import MAX_ID, id_path
from app.deps import (
    ClientDep,
    CurrentKey,
    LimiterDep,
    LookupSessionDep,
    LookupThreadsDep,
    SessionDep,
    SettingsDep,
    require_role,
)
from app.services import misuse, selfcheck

# Public: no API key, rate limited per client. Every path starts with /self-check (see app/api/__init__.py).
ReportId = Annotated[int, id_path("Misuse report")]

public_router = APIRouter(prefix="/self-check", tags=["self-check"])
# The misuse-report queue, for keys of these roles (the service checks the same).
router = APIRouter(
    prefix="/misuse-reports",
    tags=["misuse-reports"],
    dependencies=[Depends(require_role("steward", "auditor", "admin"))],
)


class SelfCheckRequest(BaseModel):
    nik: str = Field(max_length=64, description="The NIK to check, 16 digits (spaces and dots are ignored)")
    altcha: str | None = Field(
        default=None,
        max_length=4096,
        description="Solution of the proof-of-work challenge, required after the free look-ups are used "
        "(base64 JSON in the ALTCHA format; see GET /self-check/challenge)",
    )


class ListingOut(BaseModel):
    list_id: int
    list_type: Literal["party_member", "supporter"]
    owner: str = Field(description="Party or candidate")
    election: str
    region: str | None
    name_masked: str = Field(description="Name on the list, first letters only")


class SelfCheckResponse(BaseModel):
    nik_masked: str
    listed: bool
    listings: list[ListingOut]
    notes: list[str] = Field(description="Warnings about the NIK itself, e.g. an impossible birth date")
    report_token: str | None = Field(
        description="Only when listed: allows filing a misuse report for these listings for a short while"
    )


class ChallengeOut(BaseModel):
    algorithm: str
    challenge: str
    maxnumber: int
    salt: str
    signature: str


class ReportCreate(BaseModel):
    report_token: str = Field(max_length=2000)
    list_id: int
    contact: str = Field(
        min_length=1, max_length=200, description="E-mail or phone number to reach the reporter"
    )
    statement: str = Field(min_length=1, max_length=4000)


class ReportReceipt(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    status: str
    created_at: datetime
    receipt_code: str = Field(
        description="Shown once: the reporter follows the report with it (POST /self-check/reports/status)"
    )


class ReceiptQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    receipt_code: str = Field(min_length=4, max_length=40)


class ReportStatusOut(BaseModel):
    """What the reporter may see of their report: no contact, statement or staff note."""

    model_config = ConfigDict(from_attributes=True)

    nik_masked: str
    owner: str | None = Field(description="party or candidate of the list reported")
    status: Literal["open", "in_review", "resolved", "rejected"]
    created_at: datetime
    updated_at: datetime


class ReportRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    created_at: datetime
    updated_at: datetime
    nik_masked: str
    nik_digest: str = Field(description="Keyed hash of the NIK: equal for reports about the same NIK")
    list_id: int | None
    contact: str
    statement: str
    status: str
    status_note: str | None


class ReportPageOut(BaseModel):
    items: list[ReportRead]
    total: int


class ReportUpdate(BaseModel):
    status: Literal["open", "in_review", "resolved", "rejected"] | None = None
    status_note: str | None = Field(default=None, max_length=1000)


@public_router.post("", responses={403: {"description": "Challenge required"}, 429: {}})
async def self_check(
    body: SelfCheckRequest,
    session: LookupSessionDep,
    settings: SettingsDep,
    limiter: LimiterDep,
    client: ClientDep,
    threads: LookupThreadsDep,
) -> SelfCheckResponse:
    # Async, with the look-up alone in a worker thread (see app.deps.get_lookup_threads): a sync route
    # would also have FastAPI validate its response in the shared thread pool.
    look_up = partial(
        selfcheck.look_up,
        session,
        body.nik,
        client=client,
        settings=settings,
        limiter=limiter,
        answer=selfcheck.ChallengeAnswer(pow_solution=body.altcha),
    )
    result = await to_thread.run_sync(look_up, limiter=threads)
    return SelfCheckResponse(
        nik_masked=result.nik_masked,
        listed=result.listed,
        listings=[
            ListingOut(
                list_id=item.list_id,
                list_type=item.list_type,
                owner=item.owner,
                election=item.election,
                region=item.region,
                name_masked=item.name_masked,
            )
            for item in result.listings
        ],
        notes=list(result.notes),
        report_token=result.report_token,
    )


@public_router.get("/challenge")
def self_check_challenge(settings: SettingsDep) -> ChallengeOut:
    """A fresh proof-of-work challenge (what an ALTCHA widget's ``challengeurl`` returns)."""
    pow_challenge, _ = selfcheck.new_challenge(settings, text=False)
    return ChallengeOut(**pow_challenge.as_dict())


@public_router.post("/reports", status_code=status.HTTP_201_CREATED)
def file_misuse_report(
    body: ReportCreate, session: SessionDep, settings: SettingsDep, limiter: LimiterDep, client: ClientDep
) -> ReportReceipt:
    filed = misuse.file_report(
        session,
        token=body.report_token,
        list_id=body.list_id,
        contact=body.contact,
        statement=body.statement,
        client=client,
        settings=settings,
        limiter=limiter,
    )
    report = filed.report
    assert report.id is not None
    return ReportReceipt(
        id=report.id, status=report.status, created_at=report.created_at, receipt_code=filed.receipt_code
    )


@public_router.post("/reports/status")
def misuse_report_status(
    body: ReceiptQuery, session: SessionDep, limiter: LimiterDep, client: ClientDep
) -> ReportStatusOut:
    """A reporter's view of their report, by the receipt code given when it was filed; rate-limited."""
    return ReportStatusOut.model_validate(
        misuse.report_status(session, body.receipt_code, client=client, limiter=limiter)
    )


@router.get("")
def list_misuse_reports(
    session: SessionDep,
    caller: CurrentKey,
    status_: Annotated[
        Literal["open", "in_review", "resolved", "rejected"] | None, Query(alias="status")
    ] = None,
    list_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
) -> ReportPageOut:
    page = misuse.list_reports(session, caller, status=status_, list_id=list_id, limit=limit, offset=offset)
    return ReportPageOut(items=[ReportRead.model_validate(item) for item in page.items], total=page.total)


@router.get("/{report_id}")
def get_misuse_report(report_id: ReportId, session: SessionDep, caller: CurrentKey) -> ReportRead:
    return ReportRead.model_validate(misuse.get_report(session, caller, report_id))


@router.patch("/{report_id}", dependencies=[Depends(require_role("steward", "admin"))])
def update_misuse_report(
    report_id: ReportId, body: ReportUpdate, session: SessionDep, caller: CurrentKey
) -> ReportRead:
    report = misuse.update_report(session, caller, report_id, status=body.status, note=body.status_note)
    return ReportRead.model_validate(report)
