"""An image shared in a conversation, kept with it: the agent's job stores its bytes
(``PUT /api/agent/conversations/{room}/files/{file}/content``) after the file's row; the owner
fetches them (``GET /api/conversations/{id}/files/{file}/content``) for the History page.
Another user gets the same 404 as for a conversation that does not exist. Only PNG, JPEG, GIF
and WebP are kept, and only when the bytes are what their type says (never served as
anything a browser would run)."""

from __future__ import annotations

import base64
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Response, status

from app import crud
from app.api.deps import (
    BODY_ERRORS,
    USER_ERRORS,
    CurrentUser,
    JobCaller,
    SessionDep,
    SettingsDep,
    require_agent,
)
from app.api.routes.agent import NOT_FOUND_DETAIL, conversation_for_job
from app.core.security import INVALID_AGENT_DETAIL, OUT_OF_SCOPE_DETAIL
from app.schemas import ClientId, FileContentIn, FileOut, RoomName

CONTENT_PATH_SUFFIX = "/content"
FILE_NOT_FOUND_DETAIL = "file not found"
NO_CONTENT_DETAIL = "no content kept for this file"
NOT_AN_IMAGE_DETAIL = "only images are kept (PNG, JPEG, GIF, WebP), and the bytes must match"
FILE_TOO_LARGE_DETAIL = "file too large"

agent_router = APIRouter(
    prefix="/agent",
    tags=["agent"],
    dependencies=[Depends(require_agent)],
    responses={
        **BODY_ERRORS,
        401: {"description": INVALID_AGENT_DETAIL},
        403: {"description": OUT_OF_SCOPE_DETAIL},
    },
)
router = APIRouter(prefix="/conversations", tags=["conversations"], responses=USER_ERRORS)

RoomPath = Annotated[RoomName, Path()]
FileIdPath = Annotated[ClientId, Path()]

_MAGIC: tuple[tuple[str, bytes, int], ...] = (
    ("image/png", b"\x89PNG\r\n\x1a\n", 0),
    ("image/jpeg", b"\xff\xd8\xff", 0),
    ("image/gif", b"GIF87a", 0),
    ("image/gif", b"GIF89a", 0),
    ("image/webp", b"WEBP", 8),
)


def image_type(data: bytes) -> str | None:
    """The image type the bytes are (by their first bytes), or None."""
    for media_type, magic, at in _MAGIC:
        if data[at : at + len(magic)] == magic and (at == 0 or data[:4] == b"RIFF"):
            return media_type
    return None


@agent_router.put(
    "/conversations/{room_name}/files/{file_id}" + CONTENT_PATH_SUFFIX,
    responses={
        404: {"description": f"{NOT_FOUND_DETAIL} | {FILE_NOT_FOUND_DETAIL}"},
        413: {"description": FILE_TOO_LARGE_DETAIL},
        422: {"description": NOT_AN_IMAGE_DETAIL},
    },
)
def put_file_content(
    room_name: RoomPath,
    file_id: FileIdPath,
    body: FileContentIn,
    settings: SettingsDep,
    session: SessionDep,
    caller: JobCaller,
) -> FileOut:
    """Keep an image's bytes with the conversation's file (stored first with its row); the
    same upload again replaces them."""
    conversation = conversation_for_job(session, room_name, caller)
    row = crud.get_file(session, conversation_id=conversation.id, file_id=file_id)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, FILE_NOT_FOUND_DETAIL)
    data = base64.b64decode(body.data)
    if len(data) > settings.max_file_bytes:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, FILE_TOO_LARGE_DETAIL)
    if row.kind != "image" or image_type(data) != body.content_type:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, NOT_AN_IMAGE_DETAIL)
    row.content, row.content_type = data, body.content_type
    session.commit()
    return FileOut.model_validate(row)


_IMAGE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"image/*": {}}, "description": "The image's bytes."},
    404: {"description": f"{NOT_FOUND_DETAIL} | {FILE_NOT_FOUND_DETAIL} | {NO_CONTENT_DETAIL}"},
}


@router.get(
    "/{conversation_id}/files/{file_id}" + CONTENT_PATH_SUFFIX,
    response_class=Response,
    responses=_IMAGE,
)
def read_file_content(
    conversation_id: uuid.UUID, file_id: FileIdPath, user: CurrentUser, session: SessionDep
) -> Response:
    """An image shared in the conversation, as it was sent."""
    if crud.get_conversation(session, user_id=user, conversation_id=conversation_id) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, NOT_FOUND_DETAIL)
    row = crud.get_file(session, conversation_id=conversation_id, file_id=file_id)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, FILE_NOT_FOUND_DETAIL)
    if row.content is None or row.content_type is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, NO_CONTENT_DETAIL)
    headers = {
        "Cache-Control": "private, no-store",
        "X-Content-Type-Options": "nosniff",
        "Content-Disposition": "inline",
        "Content-Security-Policy": "default-src 'none'; sandbox",
    }
    return Response(row.content, media_type=row.content_type, headers=headers)
