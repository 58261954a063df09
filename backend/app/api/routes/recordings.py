"""Call recordings. The agent uploads a recording as the call goes, append-only
(``PUT /api/agent/conversations/{room}/recording/chunk``, the job's credential); the owner
plays or downloads it (``GET /api/conversations/{id}/recording``, with byte ranges for
seeking). Another user gets the same 404 as for a conversation that does not exist."""

from __future__ import annotations

import base64
import logging
import re
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Path, Query, Response, status
from fastapi.responses import StreamingResponse

from app import crud
from app.api.deps import (
    BODY_ERRORS,
    USER_ERRORS,
    CurrentUser,
    JobCaller,
    RecordingStoreDep,
    SessionDep,
    SettingsDep,
    require_agent,
)
from app.api.routes.agent import NOT_FOUND_DETAIL, conversation_for_job
from app.core.room_metadata import wants_recording
from app.core.security import INVALID_AGENT_DETAIL, OUT_OF_SCOPE_DETAIL
from app.recordings import ogg_links, records
from app.recordings.store import RecordingStore
from app.schemas import RecordingChunkIn, RecordingOut, RoomName

CHUNK_PATH_SUFFIX = "/recording/chunk"
NO_RECORDING_DETAIL = "no recording"
RECORDING_OFF_DETAIL = "recording is off for this conversation"
BAD_RANGE_DETAIL = "range not satisfiable"
MEDIA_TYPE = "audio/ogg"

logger = logging.getLogger(__name__)

agent_router = APIRouter(
    prefix="/agent",
    tags=["agent"],
    dependencies=[Depends(require_agent)],
    responses={
        **BODY_ERRORS,
        401: {"description": INVALID_AGENT_DETAIL},
        403: {"description": f"{OUT_OF_SCOPE_DETAIL} | {RECORDING_OFF_DETAIL}"},
    },
)
router = APIRouter(prefix="/conversations", tags=["conversations"], responses=USER_ERRORS)

RoomPath = Annotated[RoomName, Path()]


@agent_router.put(
    "/conversations/{room_name}" + CHUNK_PATH_SUFFIX,
    responses={
        404: {"description": NOT_FOUND_DETAIL},
        409: {"description": records.OffsetMismatch.detail},
        413: {"description": records.RecordingTooLarge.detail},
    },
)
def put_recording_chunk(
    room_name: RoomPath,
    body: RecordingChunkIn,
    settings: SettingsDep,
    session: SessionDep,
    store: RecordingStoreDep,
    caller: JobCaller,
) -> RecordingOut:
    """Append the next bytes of the call's recording at ``offset`` (its stored size); the
    same upload again changes nothing. Only for a conversation recorded by the user's
    choice, where the backend allows recording."""
    conversation = conversation_for_job(session, room_name, caller)
    if not (settings.recording.allowed and wants_recording(conversation.room_metadata)):
        raise HTTPException(status.HTTP_403_FORBIDDEN, RECORDING_OFF_DETAIL)
    try:
        records.append(
            session,
            store,
            conversation_id=conversation.id,
            started_at=body.started_at,
            offset=body.offset,
            data=base64.b64decode(body.data),
            max_bytes=settings.recording.max_bytes,
        )
    except records.OffsetMismatch as e:
        raise HTTPException(status.HTTP_409_CONFLICT, e.detail) from None
    except records.RecordingTooLarge as e:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, e.detail) from None
    session.commit()
    row = records.get(session, conversation_id=conversation.id)
    return RecordingOut.model_validate(row)


@agent_router.get(
    "/conversations/{room_name}/recording", responses={404: {"description": NO_RECORDING_DETAIL}}
)
def read_job_recording(room_name: RoomPath, session: SessionDep, caller: JobCaller) -> RecordingOut:
    """How much of the conversation's recording is stored (a resumed call appends after it)."""
    conversation = conversation_for_job(session, room_name, caller)
    row = records.get(session, conversation_id=conversation.id)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, NO_RECORDING_DETAIL)
    return RecordingOut.model_validate(row)


_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
_AUDIO: dict[int | str, dict[str, Any]] = {
    200: {"content": {MEDIA_TYPE: {}}, "description": "The whole recording (Ogg/Opus)."},
    206: {"content": {MEDIA_TYPE: {}}, "description": "The requested byte range."},
    404: {"description": f"conversation not found | {NO_RECORDING_DETAIL}"},
    416: {"description": BAD_RANGE_DETAIL},
}


@router.get("/{conversation_id}/recording", response_class=Response, responses=_AUDIO)
def read_recording(
    conversation_id: uuid.UUID,
    user: CurrentUser,
    session: SessionDep,
    store: RecordingStoreDep,
    range_header: Annotated[str | None, Header(alias="range")] = None,
    download: Annotated[bool, Query(description="As an attachment (a file to save).")] = False,
) -> Response:
    """The call's recording as stored so far (stereo Ogg/Opus: the user left, the agent
    right). One byte range (``Range: bytes=…``) answers 206, for seeking."""
    if crud.get_conversation(session, user_id=user, conversation_id=conversation_id) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, NOT_FOUND_DETAIL)
    row = records.get(session, conversation_id=conversation_id)
    if row is None or row.size == 0:
        raise HTTPException(status.HTTP_404_NOT_FOUND, NO_RECORDING_DETAIL)
    size, key, links = row.size, row.key, records.link_offsets(row)
    session.close()  # the body streams from the store; no database needed meanwhile
    whole: bytes | None = None
    if links:  # a resumed call: its streams joined into one (whole, in memory)
        whole = joined(store, key, size, links)
        size = len(whole)
    start, end = _range(range_header, size)
    kind = "attachment" if download else "inline"
    headers = {
        "Accept-Ranges": "bytes",
        "Content-Length": str(end - start),
        "Content-Disposition": f'{kind}; filename="recording-{conversation_id}.ogg"',
        "Cache-Control": "private, no-store",
    }
    code = status.HTTP_200_OK
    if range_header is not None:
        code = status.HTTP_206_PARTIAL_CONTENT
        headers["Content-Range"] = f"bytes {start}-{end - 1}/{size}"
    if whole is not None:
        return Response(whole[start:end], status_code=code, headers=headers, media_type=MEDIA_TYPE)
    return StreamingResponse(
        store.read(key, start, end), status_code=code, headers=headers, media_type=MEDIA_TYPE
    )


def joined(store: RecordingStore, key: str, size: int, links: list[int]) -> bytes:
    """The recording of a resumed call as one Ogg Opus stream (``ogg_links``); as stored
    when its bytes are not Ogg pages."""
    data = b"".join(store.read(key, 0, size))
    try:
        return ogg_links.join(data, links)
    except ogg_links.NotOggOpus:
        logger.warning("a recording's streams could not be joined", extra={"links": len(links)})
        return data


def _range(header: str | None, size: int) -> tuple[int, int]:
    """[start, end) for one ``bytes=`` range (the whole file without one); 416 otherwise."""
    if header is None:
        return 0, size
    match = _RANGE.match(header.strip())
    first, last = match.groups() if match else ("", "")
    if first:
        start = int(first)
        end = min(int(last) + 1, size) if last else size
    elif last:  # the final N bytes
        start, end = max(0, size - int(last)), size
    else:
        start, end = size, size  # no digits, or not bytes=: unsatisfiable
    if start >= size or end <= start:
        raise HTTPException(
            status.HTTP_416_RANGE_NOT_SATISFIABLE,
            BAD_RANGE_DETAIL,
            headers={"Content-Range": f"bytes */{size}"},
        )
    return start, end
