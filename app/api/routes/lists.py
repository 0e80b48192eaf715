"""Party-member and supporter lists: upload, replace, read, rejections, delete (stewards; auditors read).

Thin: upload routes stream the body to disk (:mod:`app.api.uploads`) and hand the file to
:mod:`app.services.lists` in the threadpool, since storing a file is CPU- and database-bound.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response, status

from app.api import rejections as rejected
from app.api.params import id_path
from app.api.uploads import UPLOAD_ERRORS, multipart_body, receive_upload, submit_upload
from app.deps import SessionDep, SettingsDep, require_role
from app.schemas.lists import ListDetail, ListOut, ListType, ListUploadOut, list_out, list_upload_out
from app.schemas.problem import problem_responses
from app.services import lists
from app.services.principals import Principal

router = APIRouter(prefix="/lists", tags=["lists"])

Steward = Annotated[Principal, Depends(require_role("steward", "admin"))]
Reader = Annotated[Principal, Depends(require_role("steward", "admin", "auditor"))]
ListId = Annotated[int, id_path("List")]

_LIST_FIELDS: dict[str, dict[str, Any]] = {
    "list_type": {"type": "string", "enum": ["party_member", "supporter"]},
    "owner": {"type": "string", "maxLength": 200, "description": "Party or candidate"},
    "election": {"type": "string", "maxLength": 120, "description": "e.g. Pemilu 2024"},
    "region": {"type": "string", "maxLength": 120},
}
_ACCEPTED: dict[int | str, dict[str, Any]] = {
    202: {"model": ListUploadOut, "description": "Stored in the background; follow `status` on the list"}
}


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ListUploadOut,
    summary="Upload a new list (CSV or XLSX)",
    responses={**_ACCEPTED, **UPLOAD_ERRORS},
    openapi_extra=multipart_body(_LIST_FIELDS, ["list_type", "owner", "election"]),
)
async def create_list(
    request: Request, principal: Steward, session: SessionDep, settings: SettingsDep, response: Response
) -> ListUploadOut:
    upload = await receive_upload(request, settings)
    store = partial(
        lists.create_list,
        session,
        principal,
        list_type=upload.text("list_type") or "",
        owner=upload.text("owner") or "",
        election=upload.text("election") or "",
        region=upload.text("region"),
        upload=upload.file,
    )
    return list_upload_out(await submit_upload(upload, settings, response, store))


@router.post(
    "/{list_id}/versions",
    status_code=status.HTTP_201_CREATED,
    response_model=ListUploadOut,
    summary="Replace a list's rows with a new file",
    responses={**_ACCEPTED, **UPLOAD_ERRORS},
    openapi_extra=multipart_body({}, []),
)
async def add_version(
    list_id: ListId,
    request: Request,
    principal: Steward,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
) -> ListUploadOut:
    upload = await receive_upload(request, settings)
    store = partial(lists.add_version, session, principal, list_id, upload.file)
    return list_upload_out(await submit_upload(upload, settings, response, store))


@router.post(
    "/{list_id}/versions/{version_id}/{decision}",
    response_model=ListDetail,
    summary="Activate or discard a held version",
    description="A version that kept far fewer rows than the active one (`NETRA_VERSION_HOLD_BELOW`) is "
    "stored with status `held`. `activate` makes it the active one, as if it had not been held; `discard` "
    "fails it and deletes its stored rows, and the active version stays.",
    responses=problem_responses(401, 403, 404, 409, 422),
)
def decide_version(
    list_id: ListId,
    version_id: Annotated[int, id_path("Version")],
    decision: Literal["activate", "discard"],
    principal: Steward,
    session: SessionDep,
) -> Any:
    view = lists.decide_version(session, principal, list_id, version_id, activate=decision == "activate")
    return list_out(view, detail=True)


@router.get("", response_model=list[ListOut], responses=problem_responses(401, 403, 422))
def get_lists(
    principal: Reader,
    session: SessionDep,
    list_type: ListType | None = None,
    election: Annotated[str | None, Query(max_length=120)] = None,
    owner: Annotated[str | None, Query(max_length=200)] = None,
) -> list[ListOut]:
    views = lists.get_lists(session, principal, list_type=list_type, election=election, owner=owner)
    return [list_out(view) for view in views]


@router.get("/{list_id}", response_model=ListDetail, responses=problem_responses(401, 403, 404, 422))
def get_list(list_id: ListId, principal: Reader, session: SessionDep) -> ListOut:
    return list_out(lists.get_list(session, principal, list_id), detail=True)


@router.get(
    "/{list_id}/rejections", summary=rejected.SUMMARY, responses=rejected.RESPONSES, response_model=None
)
def get_rejections(
    list_id: ListId,
    principal: Reader,
    session: SessionDep,
    version_id: rejected.VersionQuery = None,
    format: rejected.FormatQuery = "csv",
) -> Response:
    version, rows = lists.rejections(session, principal, list_id, version_id=version_id)
    assert version.id is not None
    stem = f"list-{list_id}-v{version.version}-rejections"
    return rejected.rejections_response(rows, version.id, format, stem)


@router.delete(
    "/{list_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a list and purge its entries",
    responses=problem_responses(401, 403, 404, 422),
)
def delete_list(list_id: ListId, principal: Steward, session: SessionDep) -> Response:
    lists.delete_list(session, principal, list_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
