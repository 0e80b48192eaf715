"""Synchronous matching for other agencies' systems: a few people against the active lists, right now."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from app.deps import SessionDep, require_role
from app.schemas.checks import (
    MATCH_MAX_PEOPLE,
    Feature,
    MatchFinding,
    MatchListRef,
    MatchRequest,
    MatchResponse,
)
from app.schemas.problem import problem_responses
from app.services import match as match_service
from app.services.findings import mask_nik
from app.services.principals import Principal

router = APIRouter(tags=["match"])

Caller = Annotated[Principal, Depends(require_role("operator", "auditor", "admin"))]


@router.post(
    "/match",
    summary=f"Match up to {MATCH_MAX_PEOPLE} people against the active lists",
    responses=problem_responses(401, 403, 413, 422),
)
def match_people(body: MatchRequest, session: SessionDep, caller: Caller) -> MatchResponse:
    """Findings for each person, with the same kinds, classes and explanations as a check run.

    More than 1,000 people answer 413: upload them as a roster and start a run with `POST /api/v1/checks`.
    """
    result = match_service.match_people(
        session,
        caller,
        [(p.nik, p.name, p.nip) for p in body.people],
        election=body.election,
        list_type=body.list_type,
    )
    return MatchResponse(
        people=len(body.people),
        lists_checked=result.lists_checked,
        findings=[
            MatchFinding(
                index=m.index,
                kind=m.finding.kind,
                match_class=m.finding.match_class,
                score=m.finding.score,
                explanation=[
                    Feature(name=f.name, outcome=f.outcome, detail=f.detail) for f in m.finding.explanation
                ],
                explanation_text=m.finding.explanation_text(),
                list=MatchListRef(
                    list_id=m.list_id,
                    list_version_id=m.list_version_id,
                    list_type=m.list_type,
                    owner=m.owner,
                    election=m.election,
                ),
                list_entry_line=m.line,
                list_entry_name=m.name,
                list_entry_nik=mask_nik(m.nik),
            )
            for m in result.findings
        ],
    )
