"""/api/agent: what the agent worker reads and writes, with its own service credential
(AGENT_SERVICE_TOKEN). User credentials are refused here, and this token on user routes.
Writes are PUTs keyed by the agent's own ids, so a retry never makes a second row."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, status
from sqlalchemy.orm import Session

from app import crud
from app.api.deps import SessionDep, SettingsDep, require_agent
from app.core.security import AGENT_NOT_CONFIGURED_DETAIL, INVALID_AGENT_DETAIL
from app.models import Conversation
from app.schemas import (
    AgentConversation,
    ClientId,
    MessageIn,
    MessageOut,
    NoteIn,
    NoteOut,
    RoomName,
    UserId,
)

NOT_FOUND_DETAIL = "conversation not found"
TEXT_TOO_LONG_DETAIL = "message text too long"

router = APIRouter(
    prefix="/agent",
    tags=["agent"],
    dependencies=[Depends(require_agent)],
    responses={
        401: {"description": INVALID_AGENT_DETAIL},
        503: {"description": AGENT_NOT_CONFIGURED_DETAIL},
    },
)

RoomPath = Annotated[RoomName, Path()]
MessageIdPath = Annotated[ClientId, Path()]
NoteIdPath = Annotated[ClientId, Path()]
UserPath = Annotated[UserId, Path()]
_TOO_LONG: dict[int | str, dict[str, Any]] = {413: {"description": TEXT_TOO_LONG_DETAIL}}


@router.get("/conversations/{room_name}", responses={404: {"description": NOT_FOUND_DETAIL}})
def read_room_conversation(room_name: RoomPath, session: SessionDep) -> AgentConversation:
    """The conversation behind a room: whose it is, and its persona, voice and language."""
    conversation = _by_room(session, room_name)
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
) -> MessageOut:
    """Create or replace one transcript message (same id again: same single row)."""
    _check_length(body.text, settings.max_message_chars)
    conversation = _by_room(session, room_name)
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
    return MessageOut.model_validate(message)


@router.get(
    "/conversations/{room_name}/messages", responses={404: {"description": NOT_FOUND_DETAIL}}
)
def list_messages(room_name: RoomPath, session: SessionDep) -> list[MessageOut]:
    """The room's transcript in order, to reload history after a restart."""
    conversation = _by_room(session, room_name)
    messages = crud.list_messages(session, conversation_id=conversation.id)
    return [MessageOut.model_validate(m) for m in messages]


@router.put("/users/{user_id}/notes/{note_id}", responses=_TOO_LONG)
def put_note(
    user_id: UserPath, note_id: NoteIdPath, body: NoteIn, settings: SettingsDep, session: SessionDep
) -> NoteOut:
    """Create or replace one of the user's notes (saved by the agent's tools)."""
    _check_length(body.text, settings.max_message_chars)
    note = crud.upsert_note(
        session, user_id=user_id, note_id=note_id, text=body.text, created_at=body.created_at
    )
    session.commit()
    return NoteOut.model_validate(note)


@router.get("/users/{user_id}/notes")
def list_notes(
    user_id: UserPath, session: SessionDep, limit: Annotated[int, Query(ge=1, le=500)] = 100
) -> list[NoteOut]:
    """The user's notes, oldest first."""
    return [
        NoteOut.model_validate(n) for n in crud.list_notes(session, user_id=user_id, limit=limit)
    ]


def _by_room(session: Session, room_name: str) -> Conversation:
    conversation = crud.get_conversation_by_room(session, room_name=room_name)
    if conversation is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, NOT_FOUND_DETAIL)
    return conversation


def _check_length(text: str, max_chars: int) -> None:
    if len(text) > max_chars:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, TEXT_TOO_LONG_DETAIL)
