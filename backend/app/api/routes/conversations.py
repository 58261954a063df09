"""/api/conversations: a user's own conversations (create with a token, list, read, export,
end, delete). Another user's conversation answers 404, exactly like one that does not exist."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Response, status
from sqlalchemy.orm import Session

from app import crud, ratings
from app.api.deps import (
    NO_AGENT_ERRORS,
    USER_ERRORS,
    CurrentAccount,
    CurrentUser,
    RecordingStoreDep,
    ServicesDep,
    SessionDep,
    SettingsDep,
    admit_new_call,
    release_call,
    token_issued,
)
from app.core import job_credential
from app.core.config import Settings
from app.core.livekit import ParticipantGrant, delete_room, issue_token
from app.core.room_metadata import (
    RECORD_KEY,
    UNKNOWN_LANGUAGE_DETAIL,
    UNKNOWN_PERSONA_DETAIL,
    UNKNOWN_VOICE_DETAIL,
    UnknownChoice,
    choose,
    dispatch_metadata,
    recording_on,
    room_metadata,
)
from app.core.services import Services
from app.core.session_registry import note_ended
from app.experiments import assignment
from app.log import logger
from app.models import Conversation, Message, utcnow
from app.recordings import records
from app.recordings.store import delete_recording
from app.schemas import (
    ConversationCreate,
    ConversationCreated,
    ConversationDetail,
    ConversationExport,
    ConversationOut,
    ConversationPage,
    EventOut,
    FileOut,
    MessageOut,
    MessagePage,
    RecordingOut,
    TokenResponse,
)

router = APIRouter(prefix="/conversations", tags=["conversations"], responses=USER_ERRORS)

NOT_FOUND_DETAIL = "conversation not found"
RECORDING_NOT_ALLOWED_DETAIL = "recording is not allowed here"
HANG_UP_PATH_SUFFIX = "/end"  # POST …/{id}/end takes no body
# messages in GET /api/conversations/{id}, and the most one page of …/messages holds
DETAIL_MESSAGES = 100
MAX_MESSAGES_PAGE = 500
_CONFLICTS = (crud.ConversationLimitReached, crud.ConversationIdTaken, crud.ConversationEnded)

_UNKNOWN = (UNKNOWN_PERSONA_DETAIL, UNKNOWN_VOICE_DETAIL, UNKNOWN_LANGUAGE_DETAIL)
_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": NOT_FOUND_DETAIL}}


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {"model": ConversationCreated, "description": "Known id: the same conversation"},
        403: {"description": f"{USER_ERRORS[403]['description']} | {RECORDING_NOT_ALLOWED_DETAIL}"},
        409: {"description": " | ".join(c.detail for c in _CONFLICTS)},
        422: {"description": " | ".join(_UNKNOWN) + " | invalid body"},
        **NO_AGENT_ERRORS,
    },
)
def create_conversation(
    body: ConversationCreate,
    settings: SettingsDep,
    account: CurrentAccount,
    session: SessionDep,
    services: ServicesDep,
    response: Response,
) -> ConversationCreated:
    """Record a conversation and return a token whose room carries its metadata (persona,
    voice, language, and the persona's instructions and greeting) and dispatches the agent.
    Unset choices take the defaults of GET /api/options. Sending the same `id` again returns
    the same conversation."""
    user = account.id
    try:
        metadata = choose(
            settings.catalog, persona=body.persona, voice=body.voice, language=body.language
        )
    except UnknownChoice as e:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(e)) from None
    if body.record:
        if not settings.recording.allowed:
            raise HTTPException(status.HTTP_403_FORBIDDEN, RECORDING_NOT_ALLOWED_DETAIL)
        metadata[RECORD_KEY] = "on"
    try:
        conversation, created = crud.create_conversation(
            session,
            user_id=user,
            metadata=metadata,
            max_per_user=settings.max_conversations_per_user,
            conversation_id=body.id,
            experiment=assignment.assign(session, user_id=user),
        )
    except crud.Conflict as e:
        raise HTTPException(status.HTTP_409_CONFLICT, e.detail) from None
    if conversation.status == "ended":
        raise HTTPException(status.HTTP_409_CONFLICT, crud.ConversationEnded.detail)
    if created:
        admit_new_call(services, settings, session, conversation)
    session.commit()
    record = recording_on(settings, conversation.room_metadata)
    variant = assignment.of_conversation(session, conversation)
    issued = issue_token(
        settings,
        ParticipantGrant(
            user=user,
            room_name=conversation.room_name,
            name=account.name,
            room_metadata=room_metadata(
                settings.catalog, conversation.room_metadata, record=record, experiment=variant
            ),
            agent_metadata=dispatch_metadata(
                conversation_id=str(conversation.id),
                user_id=user,
                stored=conversation.room_metadata,
                credential=job_credential.for_conversation(settings, conversation),
                record=record,
            ),
        ),
    )
    token_issued(services, conversation, created=created)
    response.headers["Cache-Control"] = "no-store"
    if not created:
        response.status_code = status.HTTP_200_OK
    return ConversationCreated(
        conversation=ConversationOut.model_validate(conversation),
        connection=TokenResponse(**dataclasses.asdict(issued)),
    )


@router.get("")
def list_conversations(
    user: CurrentUser,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[
        str | None, Query(pattern=crud.CURSOR_PATTERN, description="A page's next_cursor.")
    ] = None,
) -> ConversationPage:
    """The caller's conversations, newest first."""
    after = crud.Cursor.decode(cursor) if cursor else None
    rows, next_cursor = crud.list_conversations(session, user_id=user, limit=limit, cursor=after)
    return ConversationPage(
        items=[ConversationOut.model_validate(row) for row in rows],
        next_cursor=next_cursor.encode() if next_cursor else None,
    )


@router.get("/{conversation_id}", responses=_NOT_FOUND)
def read_conversation(
    conversation_id: uuid.UUID, user: CurrentUser, session: SessionDep
) -> ConversationDetail:
    """The conversation, its events and its first DETAIL_MESSAGES messages; the rest page
    by page from GET …/messages (``messages_next_cursor``)."""
    conversation = _own(session, user, conversation_id)
    messages, next_cursor = crud.page_messages(
        session, conversation_id=conversation.id, limit=DETAIL_MESSAGES
    )
    return _detail(session, conversation, messages, next_cursor)


@router.get("/{conversation_id}/messages", responses=_NOT_FOUND)
def list_conversation_messages(
    conversation_id: uuid.UUID,
    user: CurrentUser,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=MAX_MESSAGES_PAGE)] = DETAIL_MESSAGES,
    cursor: Annotated[
        str | None,
        Query(pattern=crud.MESSAGE_CURSOR_PATTERN, description="A page's next_cursor."),
    ] = None,
) -> MessagePage:
    """The conversation's messages, oldest first, one page at a time."""
    conversation = _own(session, user, conversation_id)
    after = crud.MessageCursor.decode(cursor) if cursor else None
    rows, next_cursor = crud.page_messages(
        session, conversation_id=conversation.id, limit=limit, cursor=after
    )
    return MessagePage(
        items=[MessageOut.model_validate(m) for m in rows],
        next_cursor=next_cursor.encode() if next_cursor else None,
    )


@router.get("/{conversation_id}/files", responses=_NOT_FOUND)
def list_conversation_files(
    conversation_id: uuid.UUID, user: CurrentUser, session: SessionDep
) -> list[FileOut]:
    """The files shared in the conversation, oldest first, with the text the agent read."""
    conversation = _own(session, user, conversation_id)
    return [
        FileOut.model_validate(f) for f in crud.list_files(session, conversation_id=conversation.id)
    ]


@router.get("/{conversation_id}/export", responses=_NOT_FOUND)
def export_conversation(
    conversation_id: uuid.UUID, user: CurrentUser, session: SessionDep, response: Response
) -> ConversationExport:
    """The conversation and all its messages as a JSON file download."""
    conversation = _own(session, user, conversation_id)
    messages = crud.list_messages(session, conversation_id=conversation.id)
    detail = _detail(session, conversation, messages, None)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="conversation-{conversation_id}.json"'
    )
    return ConversationExport(exported_at=utcnow(), conversation=detail)


@router.delete("/{conversation_id}", status_code=status.HTTP_204_NO_CONTENT, responses=_NOT_FOUND)
def delete_conversation(
    conversation_id: uuid.UUID,
    user: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
    services: ServicesDep,
    store: RecordingStoreDep,
) -> None:
    """Delete the conversation, its messages and its recording. A live call in its room ends
    (LiveKit deletes the room), it no longer counts against the user's limit, and an agent call held
    for its room (a token nobody used yet) is free again at once."""
    conversation = crud.get_conversation(session, user_id=user, conversation_id=conversation_id)
    recording = records.get(session, conversation_id=conversation_id) if conversation else None
    if conversation is None or not crud.delete_conversation(
        session, user_id=user, conversation_id=conversation_id
    ):
        raise HTTPException(status.HTTP_404_NOT_FOUND, NOT_FOUND_DETAIL)
    session.commit()
    if recording is not None:
        delete_recording(store, recording.key)
    _end_call(settings, services, conversation.room_name, live=conversation.status == "active")


@router.post("/{conversation_id}/end", status_code=status.HTTP_204_NO_CONTENT, responses=_NOT_FOUND)
def end_conversation(
    conversation_id: uuid.UUID,
    user: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
    services: ServicesDep,
) -> None:
    """Hang up: the conversation ends now and its call with it (LiveKit deletes the room,
    the agent leaves). Leaving the room without this (a page reload, a network drop) keeps
    the call for BACKEND_REJOIN_GRACE_SECONDS, to rejoin with POST /api/token and its
    room_name. Ending an ended conversation changes nothing."""
    conversation = _own(session, user, conversation_id)
    if not crud.end_conversation(session, conversation=conversation, ended_at=utcnow()):
        return
    session.commit()
    logger.info("conversation ended", extra={"room": conversation.room_name, "event": "hang_up"})
    _end_call(settings, services, conversation.room_name, live=True)


def _end_call(settings: Settings, services: Services, room_name: str, *, live: bool) -> None:
    """Free what a call held: its admission, its active session, and its room when ``live``
    (the agent and the user are disconnected)."""
    release_call(services.agent_capacity, room_name)
    note_ended(services.session_registry, room_name)
    if live and not delete_room(settings, room_name):
        logger.warning("could not end the call: LiveKit unreachable", extra={"room": room_name})


def _own(session: Session, user: str, conversation_id: uuid.UUID) -> Conversation:
    found = crud.get_conversation(session, user_id=user, conversation_id=conversation_id)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, NOT_FOUND_DETAIL)
    return found


def _detail(
    session: Session,
    conversation: Conversation,
    messages: list[Message],
    next_cursor: crud.MessageCursor | None,
) -> ConversationDetail:
    events = crud.list_events(session, conversation_id=conversation.id)
    recording = records.get(session, conversation_id=conversation.id)
    rating = ratings.get(session, conversation_id=conversation.id)
    return ConversationDetail(
        **ConversationOut.model_validate(conversation).model_dump(),
        messages=[MessageOut.model_validate(m) for m in messages],
        messages_next_cursor=next_cursor.encode() if next_cursor else None,
        events=[EventOut.model_validate(e) for e in events],
        recording=RecordingOut.model_validate(recording) if recording and recording.size else None,
        rating=ratings.out(rating) if rating else None,
    )
