"""/api/agent: what the agent reads and writes. A job uses the credential the backend put in
its dispatch metadata (app.core.job_credential): it opens its one conversation and that
user's notes, and answers 403 elsewhere. The worker's service token (AGENT_SERVICE_TOKEN)
opens only the worker-level route (capacity reports), and no conversation. User credentials
are refused here, and these on user routes. Writes are PUTs keyed by the agent's own ids, so
a retry never makes a second row."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, status
from sqlalchemy.orm import Session

from app import crud
from app.api.deps import (
    BODY_ERRORS,
    AgentCapacityDep,
    JobCaller,
    JournalWriter,
    MetricsDep,
    SessionDep,
    SettingsDep,
    WorkerCaller,
    require_agent,
)
from app.core.agent_capacity import CapacityUnavailable, WorkerReport
from app.core.job_credential import JobScope
from app.core.limits import TOO_LARGE_DETAIL
from app.core.security import (
    AGENT_NOT_CONFIGURED_DETAIL,
    EXPIRED_CREDENTIAL_DETAIL,
    INVALID_AGENT_DETAIL,
    JOB_ONLY_DETAIL,
    OUT_OF_SCOPE_DETAIL,
    WORKER_ONLY_DETAIL,
)
from app.models import Conversation
from app.schemas import (
    AgentConversation,
    ClientId,
    EventIn,
    EventOut,
    FileIn,
    FileOut,
    MessageBatchIn,
    MessageBatchOut,
    MessageIn,
    MessageOut,
    NoteIn,
    NoteOut,
    RoomName,
    UserId,
    WorkerCapacityOut,
    WorkerReportIn,
)

NOT_FOUND_DETAIL = "conversation not found"
TEXT_TOO_LONG_DETAIL = "message text too long"
BATCH_TOO_LARGE_DETAIL = "too many messages in one batch"
CAPACITY_DOWN_DETAIL = "capacity store unavailable"

router = APIRouter(
    prefix="/agent",
    tags=["agent"],
    dependencies=[Depends(require_agent)],
    responses={
        **BODY_ERRORS,
        401: {"description": f"{INVALID_AGENT_DETAIL} | {EXPIRED_CREDENTIAL_DETAIL}"},
        403: {"description": f"{OUT_OF_SCOPE_DETAIL} | {JOB_ONLY_DETAIL} | {WORKER_ONLY_DETAIL}"},
        503: {"description": f"{AGENT_NOT_CONFIGURED_DETAIL} | {CAPACITY_DOWN_DETAIL}"},
    },
)

RoomPath = Annotated[RoomName, Path()]
MessageIdPath = Annotated[ClientId, Path()]
NoteIdPath = Annotated[ClientId, Path()]
EventIdPath = Annotated[ClientId, Path()]
FileIdPath = Annotated[ClientId, Path()]
UserPath = Annotated[UserId, Path()]
_TOO_LONG: dict[int | str, dict[str, Any]] = {
    413: {"description": f"{TEXT_TOO_LONG_DETAIL} | {BATCH_TOO_LARGE_DETAIL} | {TOO_LARGE_DETAIL}"}
}


@router.get("/conversations/{room_name}", responses={404: {"description": NOT_FOUND_DETAIL}})
def read_room_conversation(
    room_name: RoomPath, session: SessionDep, caller: JobCaller
) -> AgentConversation:
    """The conversation behind a room: whose it is, and its persona, voice and language."""
    conversation = conversation_for_job(session, room_name, caller)
    return AgentConversation.model_validate(conversation)


@router.put(
    "/conversations/{room_name}/messages/{message_id}",
    responses={404: {"description": NOT_FOUND_DETAIL}, **_TOO_LONG},
)
def put_message(
    room_name: RoomPath,
    message_id: MessageIdPath,
    body: MessageIn,
    settings: SettingsDep,
    session: SessionDep,
    metrics: MetricsDep,
    caller: JournalWriter,
) -> MessageOut:
    """Create or replace one transcript message (same id again: same single row)."""
    _check_length(body.text, settings.max_message_chars)
    conversation = conversation_for_job(session, room_name, caller)
    message = crud.upsert_message(
        session,
        conversation_id=conversation.id,
        message_id=message_id,
        role=body.role,
        text=body.text,
        latency=body.latency,
        interrupted=body.interrupted,
        created_at=body.created_at,
    )
    session.commit()
    metrics.messages_ingested(1)
    return MessageOut.model_validate(message)


@router.post(
    "/conversations/{room_name}/messages:batch",
    responses={404: {"description": NOT_FOUND_DETAIL}, **_TOO_LONG},
)
def put_messages(
    room_name: RoomPath,
    body: MessageBatchIn,
    settings: SettingsDep,
    session: SessionDep,
    metrics: MetricsDep,
    caller: JournalWriter,
) -> MessageBatchOut:
    """Create or replace many messages, keyed by their ids, in one transaction: answered
    only once committed. Retrying the same batch changes nothing."""
    if len(body.messages) > settings.max_batch_messages:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, BATCH_TOO_LARGE_DETAIL)
    for message in body.messages:
        _check_length(message.text, settings.max_message_chars)
    conversation = conversation_for_job(session, room_name, caller)
    count = crud.upsert_messages(
        session,
        conversation_id=conversation.id,
        messages=[
            {
                "message_id": m.id,
                "role": m.role,
                "text": m.text,
                "latency": m.latency,
                "interrupted": m.interrupted,
                "created_at": m.created_at,
            }
            for m in body.messages
        ],
    )
    session.commit()
    metrics.messages_ingested(count)
    return MessageBatchOut(count=count)


@router.put(
    "/conversations/{room_name}/events/{event_id}",
    responses={404: {"description": NOT_FOUND_DETAIL}},
)
def put_event(
    room_name: RoomPath,
    event_id: EventIdPath,
    body: EventIn,
    session: SessionDep,
    caller: JournalWriter,
) -> EventOut:
    """Create or replace one timeline event (an error, a fallback taken, a note from the
    agent); the same id again keeps one row."""
    conversation = conversation_for_job(session, room_name, caller)
    event = crud.upsert_event(
        session,
        conversation_id=conversation.id,
        event_id=event_id,
        kind=body.kind,
        source=body.source,
        detail=body.detail,
        turn_id=body.turn_id,
        created_at=body.created_at,
    )
    session.commit()
    return EventOut.model_validate(event)


@router.put(
    "/conversations/{room_name}/files/{file_id}",
    responses={404: {"description": NOT_FOUND_DETAIL}, **_TOO_LONG},
)
def put_file(
    room_name: RoomPath,
    file_id: FileIdPath,
    body: FileIn,
    settings: SettingsDep,
    session: SessionDep,
    caller: JobCaller,
) -> FileOut:
    """Create or replace one file the user shared (its name, kind, size and the text the
    agent read); deleted with the conversation."""
    _check_length(body.text, settings.max_message_chars)
    conversation = conversation_for_job(session, room_name, caller)
    row = crud.upsert_file(
        session,
        conversation_id=conversation.id,
        file_id=file_id,
        name=body.name,
        kind=body.kind,
        size=body.size,
        text=body.text,
        created_at=body.created_at,
    )
    session.commit()
    return FileOut.model_validate(row)


@router.get("/conversations/{room_name}/files", responses={404: {"description": NOT_FOUND_DETAIL}})
def list_files(room_name: RoomPath, session: SessionDep, caller: JobCaller) -> list[FileOut]:
    """The files shared in the room's conversation, oldest first (a rejoined call reads
    them back into its context)."""
    conversation = conversation_for_job(session, room_name, caller)
    return [
        FileOut.model_validate(f) for f in crud.list_files(session, conversation_id=conversation.id)
    ]


@router.get(
    "/conversations/{room_name}/messages", responses={404: {"description": NOT_FOUND_DETAIL}}
)
def list_messages(
    room_name: RoomPath,
    session: SessionDep,
    caller: JobCaller,
    limit: Annotated[int, Query(ge=1, le=2000)] = 1000,
) -> list[MessageOut]:
    """The room's newest `limit` messages, oldest first, to reload history after a restart
    (the agent keeps what fits its context window)."""
    conversation = conversation_for_job(session, room_name, caller)
    messages = crud.list_messages(session, conversation_id=conversation.id, newest=limit)
    return [MessageOut.model_validate(m) for m in messages]


@router.put("/users/{user_id}/notes/{note_id}", responses=_TOO_LONG)
def put_note(
    user_id: UserPath,
    note_id: NoteIdPath,
    body: NoteIn,
    settings: SettingsDep,
    session: SessionDep,
    caller: JobCaller,
) -> NoteOut:
    """Create or replace one of the user's notes (saved by the agent's tools)."""
    _check_user(caller, user_id)
    _check_length(body.text, settings.max_message_chars)
    note = crud.upsert_note(
        session, user_id=user_id, note_id=note_id, text=body.text, created_at=body.created_at
    )
    session.commit()
    return NoteOut.model_validate(note)


@router.get("/users/{user_id}/notes")
def list_notes(
    user_id: UserPath,
    session: SessionDep,
    caller: JobCaller,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[NoteOut]:
    """The user's newest `limit` notes, oldest first."""
    _check_user(caller, user_id)
    return [
        NoteOut.model_validate(n) for n in crud.list_notes(session, user_id=user_id, limit=limit)
    ]


@router.put("/workers/{worker_id}")
def put_worker_report(
    worker_id: Annotated[ClientId, Path()],
    body: WorkerReportIn,
    capacity: AgentCapacityDep,
    _worker: WorkerCaller,
) -> WorkerCapacityOut:
    """A worker's capacity report; the backend admits new calls from these (POST /api/token
    answers 503 when no reported worker has a call free). The service token only."""
    report = WorkerReport(
        worker_id=worker_id,
        agent_name=body.agent_name,
        max_sessions=body.max_sessions,
        rooms=tuple(body.rooms),
        load=body.load,
        draining=body.draining,
    )
    try:
        capacity.report(report)
        workers = capacity.workers(body.agent_name)
    except CapacityUnavailable:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, CAPACITY_DOWN_DETAIL) from None
    return WorkerCapacityOut(workers=len(workers), free_sessions=sum(w.free for w in workers))


def conversation_for_job(session: Session, room_name: str, caller: JobScope) -> Conversation:
    """The room's conversation, if the caller may touch it (403 before 404: a job learns
    nothing about other rooms)."""
    if caller.room_name != room_name:
        raise HTTPException(status.HTTP_403_FORBIDDEN, OUT_OF_SCOPE_DETAIL)
    conversation = crud.get_conversation_by_room(session, room_name=room_name)
    if conversation is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, NOT_FOUND_DETAIL)
    if str(conversation.id) != caller.conversation_id:
        raise HTTPException(status.HTTP_403_FORBIDDEN, OUT_OF_SCOPE_DETAIL)
    return conversation


def _check_user(caller: JobScope, user_id: str) -> None:
    if caller.user_id != user_id:
        raise HTTPException(status.HTTP_403_FORBIDDEN, OUT_OF_SCOPE_DETAIL)


def _check_length(text: str, max_chars: int) -> None:
    if len(text) > max_chars:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, TEXT_TOO_LONG_DETAIL)
