"""One finding: read it in full, review it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from app.api.params import id_path
from app.deps import SessionDep, require_role
from app.schemas.checks import FindingRead, ReviewUpdate, finding_read
from app.schemas.problem import problem_responses
from app.services import findings
from app.services.principals import Principal

router = APIRouter(prefix="/findings", tags=["findings"])

Reader = Annotated[Principal, Depends(require_role("operator", "auditor", "admin"))]
Reviewer = Annotated[Principal, Depends(require_role("operator"))]
FindingId = Annotated[int, id_path("Finding")]


@router.get(
    "/{finding_id}",
    summary="A finding with both rows in full",
    responses=problem_responses(401, 403, 404, 422),
)
def get_finding(finding_id: FindingId, session: SessionDep, caller: Reader) -> FindingRead:
    """Both sides with their full NIKs, for the reviewer; the look-up is recorded in the audit trail."""
    return finding_read(findings.get_finding(session, caller, finding_id), reveal_nik=True)


@router.patch(
    "/{finding_id}",
    summary="Confirm or dismiss a finding",
    responses=problem_responses(401, 403, 404, 409, 422),
)
def review_finding(
    finding_id: FindingId, body: ReviewUpdate, session: SessionDep, caller: Reviewer
) -> FindingRead:
    """By an operator of the owning agency (auditors only read); dismissing needs a reason. Audited with
    the state before and after; later runs over the same roster carry the decision forward."""
    view = findings.review_finding(
        session, caller, finding_id, review_status=body.review_status, reason=body.reason
    )
    return finding_read(view, reveal_nik=True)
