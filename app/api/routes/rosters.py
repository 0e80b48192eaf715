"""Agency rosters: upload, replace, read, rejections, delete.

Operators act on their own agency's rosters (another agency's id answers 404); admins name the agency on
upload; auditors read. Thin, as :mod:`app.api.routes.lists`.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response, status

from app.api import rejections as rejected
from app.api.params import id_path
from app.api.uploads import UPLOAD_ERRORS, multipart_body, receive_upload, submit_upload
from app.deps import SessionDep, SettingsDep, require_role
from app.schemas.problem import problem_responses
from app.schemas.rosters import RosterDetail, RosterOut, RosterUploadOut, roster_out, roster_upload_out
from app.services import rosters
from app.services.principals import Principal

router = APIRouter(prefix="/rosters", tags=["rosters"])

Writer = Annotated[Principal, Depends(require_role("operator", "admin"))]
Reader = Annotated[Principal, Depends(require_role("operator", "admin", "auditor"))]
RosterId = Annotated[int, id_path("Roster")]

_ROSTER_FIELDS: dict[str, dict[str, Any]] = {
    "name": {"type": "string", "maxLength": 200, "description": "Default: the file name"},
    "agency": {"type": "string", "maxLength": 32, "description": "Agency code; admins only (operators: own)"},
}
_ACCEPTED: dict[int | str, dict[str, Any]] = {
    202: {"model": RosterUploadOut, "description": "Stored in the background; follow `status` on the roster"}
}


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=RosterUploadOut,
    summary="Upload a new roster (CSV or XLSX)",
    responses={**_ACCEPTED, **UPLOAD_ERRORS},
    openapi_extra=multipart_body(_ROSTER_FIELDS, []),
)
async def create_roster(
    request: Request, principal: Writer, session: SessionDep, settings: SettingsDep, response: Response
) -> RosterUploadOut:
    upload = await receive_upload(request, settings)
    store = partial(
        rosters.create_roster,
        session,
        principal,
        name=upload.text("name"),
        agency_code=upload.text("agency"),
        upload=upload.file,
    )
    return roster_upload_out(await submit_upload(upload, settings, response, store))


@router.post(
    "/{roster_id}/versions",
    status_code=status.HTTP_201_CREATED,
    response_model=RosterUploadOut,
    summary="Replace a roster's rows with a new file",
    responses={**_ACCEPTED, **UPLOAD_ERRORS},
    openapi_extra=multipart_body({}, []),
)
async def add_version(
    roster_id: RosterId,
    request: Request,
    principal: Writer,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
) -> RosterUploadOut:
    upload = await receive_upload(request, settings)
    store = partial(rosters.add_version, session, principal, roster_id, upload.file)
    return roster_upload_out(await submit_upload(upload, settings, response, store))


@router.post(
    "/{roster_id}/versions/{version_id}/{decision}",
    response_model=RosterDetail,
    summary="Activate or discard a held version",
    description="A version that kept far fewer rows than the active one (`NETRA_VERSION_HOLD_BELOW`) is "
    "stored with status `held`. `activate` makes it the active one, as if it had not been held; `discard` "
    "fails it and deletes its stored rows, and the active version stays.",
    responses=problem_responses(401, 403, 404, 409, 422),
)
def decide_version(
    roster_id: RosterId,
    version_id: Annotated[int, id_path("Version")],
    decision: Literal["activate", "discard"],
    principal: Writer,
    session: SessionDep,
) -> Any:
    view = rosters.decide_version(session, principal, roster_id, version_id, activate=decision == "activate")
    return roster_out(view, detail=True)


@router.get("", response_model=list[RosterOut], responses=problem_responses(401, 403, 422))
def get_rosters(
    principal: Reader,
    session: SessionDep,
    agency: Annotated[str | None, Query(max_length=32, description="Agency code (auditors, admins)")] = None,
) -> list[RosterOut]:
    return [roster_out(view) for view in rosters.get_rosters(session, principal, agency_code=agency)]


@router.get("/{roster_id}", response_model=RosterDetail, responses=problem_responses(401, 403, 404, 422))
def get_roster(roster_id: RosterId, principal: Reader, session: SessionDep) -> RosterOut:
    return roster_out(rosters.get_roster(session, principal, roster_id), detail=True)


@router.get(
    "/{roster_id}/rejections", summary=rejected.SUMMARY, responses=rejected.RESPONSES, response_model=None
)
def get_rejections(
    roster_id: RosterId,
    principal: Reader,
    session: SessionDep,
    version_id: rejected.VersionQuery = None,
    format: rejected.FormatQuery = "csv",
) -> Response:
    version, rows = rosters.rejections(session, principal, roster_id, version_id=version_id)
    assert version.id is not None
    stem = f"roster-{roster_id}-v{version.version}-rejections"
    return rejected.rejections_response(rows, version.id, format, stem)


@router.delete(
    "/{roster_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a roster and purge its entries",
    responses=problem_responses(401, 403, 404, 422),
)
def delete_roster(roster_id: RosterId, principal: Writer, session: SessionDep) -> Response:
    rosters.delete_roster(session, principal, roster_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
