"""API key administration (admin keys only). The CLI offers the same: ``netra keys …``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, status

from app.api.params import id_path
from app.deps import AdminKey, SessionDep, require_role
from app.schemas.keys import ApiKeyCreate, ApiKeyCreated, ApiKeyRead
from app.services import auth

KeyId = Annotated[int, id_path("API key")]

router = APIRouter(prefix="/keys", tags=["keys"])


@router.get("", dependencies=[Depends(require_role("admin"))])
def list_keys(session: SessionDep) -> list[ApiKeyRead]:
    return [ApiKeyRead.model_validate(key) for key in auth.list_api_keys(session)]


@router.post("", status_code=status.HTTP_201_CREATED)
def create_key(body: ApiKeyCreate, session: SessionDep, caller: AdminKey) -> ApiKeyCreated:
    key, plain = auth.create_api_key(
        session, role=body.role, name=body.name, agency_code=body.agency_code, actor=caller
    )
    return ApiKeyCreated.model_validate({**ApiKeyRead.model_validate(key).model_dump(), "key": plain})


@router.delete("/{key_id}")
def revoke_key(key_id: KeyId, session: SessionDep, caller: AdminKey) -> ApiKeyRead:
    return ApiKeyRead.model_validate(auth.revoke_api_key(session, str(key_id), actor=caller))
