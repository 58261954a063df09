"""Reads and writes, keyword-only. Every write is an INSERT ... ON CONFLICT, so a retried
request never fails on a unique key and never adds a second row. Nothing here commits: the
route that calls these owns the transaction."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.analytics import counts, rollup
from app.core.livekit import SERVER_ROOM_PREFIX, new_room_name
from app.experiments.assignment import Assignment, apply_to_choice
from app.models import (
    Conversation,
    ConversationEvent,
    ConversationFile,
    Message,
    Note,
    ProcessedEvent,
    utcnow,
)

ROOM_NAME_ATTEMPTS = 5
EVENT_RETENTION = dt.timedelta(days=1)  # webhook signatures expire in minutes


class Conflict(Exception):
    """A write the current state forbids; `detail` is the stable message the API answers."""

    detail = "conflict"


class ConversationLimitReached(Conflict):
    detail = "conversation limit reached"


class ConversationIdTaken(Conflict):
    """A client-chosen conversation id that belongs to another user."""

    detail = "conversation id already in use"


class RoomNameTaken(Conflict):
    """A client-chosen room name that belongs to another user."""

    detail = "room name already in use"


class RoomNameReserved(Conflict):
    """A new room a client names in the server's namespace: were it allowed, the room of a
    conversation deleted mid-call could be claimed, and joined, by anyone who knew its name."""

    detail = "room names starting with va- are the server's"


class ConversationEnded(Conflict):
    detail = "conversation has ended"


# A cursor is "<microseconds since 1970 UTC>-<id as 32 hex digits>": every string of this
# form is a position (17 digits stay below the year 9999), so the schema's pattern is the
# whole rule and no cursor that passes it is refused.
CURSOR_PATTERN = r"^[0-9]{1,17}-[0-9a-f]{32}$"
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MICROSECOND = dt.timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class Cursor:
    """Position after the last item of a page (newest first)."""

    started_at: dt.datetime
    id: uuid.UUID

    def encode(self) -> str:
        return f"{(self.started_at - _EPOCH) // _MICROSECOND}-{self.id.hex}"

    @classmethod
    def decode(cls, token: str) -> Cursor:
        """Raises ValueError for a string that does not match CURSOR_PATTERN."""
        if not re.fullmatch(CURSOR_PATTERN, token):
            raise ValueError("invalid cursor")
        micros, hex_id = token.split("-")
        return cls(started_at=_EPOCH + int(micros) * _MICROSECOND, id=uuid.UUID(hex=hex_id))


MESSAGE_CURSOR_PATTERN = r"^[0-9]{1,17}-[0-9]{1,19}$"


@dataclass(frozen=True, slots=True)
class MessageCursor:
    """Position after the last message of a page (oldest first): its time and row key."""

    created_at: dt.datetime
    pk: int

    def encode(self) -> str:
        return f"{(self.created_at - _EPOCH) // _MICROSECOND}-{self.pk}"

    @classmethod
    def decode(cls, token: str) -> MessageCursor:
        """Raises ValueError for a string that does not match MESSAGE_CURSOR_PATTERN."""
        if not re.fullmatch(MESSAGE_CURSOR_PATTERN, token):
            raise ValueError("invalid cursor")
        micros, pk = token.split("-")
        return cls(created_at=_EPOCH + int(micros) * _MICROSECOND, pk=int(pk))


def _insert(session: Session, model: type[Any]) -> Any:
    dialect = session.get_bind().dialect.name
    return postgresql.insert(model) if dialect == "postgresql" else sqlite.insert(model)


# Conversations


def create_conversation(
    session: Session,
    *,
    user_id: str,
    metadata: dict[str, str],
    max_per_user: int,
    conversation_id: uuid.UUID | None = None,
    room_name: str | None = None,
    experiment: Assignment | None = None,
) -> tuple[Conversation, bool]:
    """(conversation, created). A known id or room of the same user returns that one (its
    stored choice and experiment unchanged). ``experiment``: the new one's A/B variant."""
    if (found := _existing(session, user_id, conversation_id, room_name)) is not None:
        return found, False
    if room_name is not None and room_name.startswith(SERVER_ROOM_PREFIX):
        raise RoomNameReserved
    count = session.scalar(
        select(func.count()).select_from(Conversation).where(Conversation.user_id == user_id)
    )
    if (count or 0) >= max_per_user:
        raise ConversationLimitReached
    choice = apply_to_choice(metadata, experiment)  # what the call really uses
    for _ in range(ROOM_NAME_ATTEMPTS):
        values = {
            "id": conversation_id or uuid.uuid4(),
            "room_name": room_name or new_room_name(),
            "user_id": user_id,
            "status": "active",
            "started_at": utcnow(),
            "room_metadata": choice,
            **counts.choices(choice),
            "experiment_id": experiment.experiment_id if experiment else None,
            "variant_key": experiment.variant.key if experiment else None,
        }
        stmt = _insert(session, Conversation).values(values).on_conflict_do_nothing()
        created = session.scalars(stmt.returning(Conversation)).one_or_none()
        if created is not None:
            rollup.add(session, created.id)
            return created, True
        # Lost a race to the same id or room (or drew a used room name): look again.
        if (found := _existing(session, user_id, conversation_id, room_name)) is not None:
            return found, False
    raise RuntimeError("could not find a free room name")


def _existing(
    session: Session, user_id: str, conversation_id: uuid.UUID | None, room_name: str | None
) -> Conversation | None:
    if conversation_id is not None and (found := session.get(Conversation, conversation_id)):
        if found.user_id != user_id:
            raise ConversationIdTaken
        return found
    if room_name is not None and (found := get_conversation_by_room(session, room_name=room_name)):
        if found.user_id != user_id:
            raise RoomNameTaken
        if found.status == "ended":
            raise ConversationEnded
        return found
    return None


def list_conversations(
    session: Session, *, user_id: str, limit: int, cursor: Cursor | None = None
) -> tuple[list[Conversation], Cursor | None]:
    """One page of the user's conversations, newest first, and the cursor for the next."""
    stmt = select(Conversation).where(Conversation.user_id == user_id)
    if cursor is not None:
        stmt = stmt.where(
            or_(
                Conversation.started_at < cursor.started_at,
                and_(Conversation.started_at == cursor.started_at, Conversation.id < cursor.id),
            )
        )
    stmt = stmt.order_by(Conversation.started_at.desc(), Conversation.id.desc()).limit(limit + 1)
    rows = list(session.scalars(stmt))
    if len(rows) <= limit:
        return rows, None
    last = rows[limit - 1]
    return rows[:limit], Cursor(started_at=last.started_at, id=last.id)


def get_conversation(
    session: Session, *, user_id: str, conversation_id: uuid.UUID
) -> Conversation | None:
    """The conversation if it exists and belongs to user_id (else None: do not tell which)."""
    stmt = select(Conversation).where(
        Conversation.id == conversation_id, Conversation.user_id == user_id
    )
    return session.scalars(stmt).one_or_none()


def get_conversation_by_room(session: Session, *, room_name: str) -> Conversation | None:
    return session.scalars(
        select(Conversation).where(Conversation.room_name == room_name)
    ).one_or_none()


def delete_conversation(session: Session, *, user_id: str, conversation_id: uuid.UUID) -> bool:
    """Delete one of the user's conversations and its messages; False if there was none."""
    stmt = delete(Conversation).where(
        Conversation.id == conversation_id, Conversation.user_id == user_id
    )
    with rollup.tracked(session, conversation_id):
        return bool(session.execute(stmt.returning(Conversation.id)).first())


def end_conversation(
    session: Session, *, conversation: Conversation, ended_at: dt.datetime
) -> bool:
    """Mark an active conversation ended; False if it already was."""
    if conversation.status == "ended":
        return False
    with rollup.tracked(session, conversation.id):
        conversation.status = "ended"
        conversation.ended_at = ended_at
    return True


# Messages


def list_messages(
    session: Session, *, conversation_id: uuid.UUID, newest: int | None = None
) -> list[Message]:
    """The conversation's messages oldest first: all, or only the ``newest`` ones."""
    if newest is None:
        stmt = (
            select(Message)
            .where(Message.conversation_id == conversation_id)
            .order_by(Message.created_at, Message.pk)
        )
        return list(session.scalars(stmt))
    stmt = (
        select(Message)
        .where(Message.conversation_id == conversation_id)
        .order_by(Message.created_at.desc(), Message.pk.desc())
        .limit(newest)
    )
    return list(reversed(list(session.scalars(stmt))))


def page_messages(
    session: Session,
    *,
    conversation_id: uuid.UUID,
    limit: int,
    cursor: MessageCursor | None = None,
) -> tuple[list[Message], MessageCursor | None]:
    """One page of the conversation's messages, oldest first, and the cursor for the next."""
    stmt = select(Message).where(Message.conversation_id == conversation_id)
    if cursor is not None:
        stmt = stmt.where(
            or_(
                Message.created_at > cursor.created_at,
                and_(Message.created_at == cursor.created_at, Message.pk > cursor.pk),
            )
        )
    stmt = stmt.order_by(Message.created_at, Message.pk).limit(limit + 1)
    rows = list(session.scalars(stmt))
    if len(rows) <= limit:
        return rows, None
    last = rows[limit - 1]
    return rows[:limit], MessageCursor(created_at=last.created_at, pk=last.pk)


def upsert_message(
    session: Session,
    *,
    conversation_id: uuid.UUID,
    message_id: str,
    role: str,
    text: str,
    latency: dict[str, float],
    interrupted: bool,
    created_at: dt.datetime | None = None,
) -> Message:
    """Insert, or replace the fields of, the message with this client id (PUT semantics)."""
    values: dict[str, Any] = {
        "role": role,
        "text": text,
        "latency": latency,
        "interrupted": interrupted,
        "v2v_ms": counts.v2v_ms(latency),
    }
    key = {"conversation_id": conversation_id, "message_id": message_id}
    with rollup.tracked(session, conversation_id, message_ids=[message_id]):
        message: Message = _upsert(session, Message, key, values, created_at)
        counts.count_messages(session, conversation_id)
    return message


def upsert_messages(
    session: Session, *, conversation_id: uuid.UUID, messages: list[dict[str, Any]]
) -> int:
    """Insert or replace many messages in one statement (a batch from the agent). Each dict
    has message_id, role, text, latency, interrupted and created_at (None: now). A message id
    repeated within the batch keeps its last version."""
    now = utcnow()
    rows: dict[str, dict[str, Any]] = {}
    for message in messages:
        rows[message["message_id"]] = {
            **message,
            "created_at": message.get("created_at") or now,
            "v2v_ms": counts.v2v_ms(message["latency"]),
        }
    if not rows:
        return 0
    with rollup.tracked(session, conversation_id, message_ids=list(rows)):
        _write_messages(session, conversation_id, list(rows.values()))
    return len(rows)


def _write_messages(
    session: Session, conversation_id: uuid.UUID, rows: list[dict[str, Any]]
) -> None:
    if session.get_bind().dialect.name == "postgresql":
        batch = json.dumps(rows, default=_json_value, separators=(",", ":"))
        session.execute(_PG_UPSERT_MESSAGES, {"conversation_id": conversation_id, "batch": batch})
    else:
        stmt = _insert(session, Message)
        stmt = stmt.on_conflict_do_update(
            index_elements=["conversation_id", "message_id"],
            set_={
                name: stmt.excluded[name]
                for name in ("role", "text", "latency", "interrupted", "created_at", "v2v_ms")
            },
        )
        session.execute(stmt, [{**row, "conversation_id": conversation_id} for row in rows])
    counts.count_messages(session, conversation_id)


# The batch as one JSON parameter that PostgreSQL unpacks: one statement, no per-row work in
# SQLAlchemy (at 1000 rows its bind processing cost more than the whole insert). Rows go in
# the batch's order, so their surrogate keys keep it; the ids are unique (deduplicated above).
_PG_UPSERT_MESSAGES = text("""
INSERT INTO messages
    (conversation_id, message_id, role, text, latency, interrupted, created_at, v2v_ms)
SELECT
    CAST(:conversation_id AS uuid), m ->> 'message_id', m ->> 'role', m ->> 'text',
    (m -> 'latency')::json, (m ->> 'interrupted')::boolean, (m ->> 'created_at')::timestamptz,
    (m ->> 'v2v_ms')::double precision
FROM jsonb_array_elements(CAST(:batch AS jsonb)) WITH ORDINALITY AS b (m, n)
ORDER BY n
ON CONFLICT (conversation_id, message_id) DO UPDATE SET
    role = excluded.role, text = excluded.text, latency = excluded.latency,
    interrupted = excluded.interrupted, created_at = excluded.created_at,
    v2v_ms = excluded.v2v_ms
""")


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass an aware one")
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


def _upsert(
    session: Session,
    model: type[Any],
    key: dict[str, Any],
    values: dict[str, Any],
    created_at: dt.datetime | None,
) -> Any:
    """Insert the row with this key, or replace ``values`` in it: one statement, so
    concurrent retries of the same client id still leave one row. ``created_at`` is kept
    from the first write unless given."""
    if created_at is not None:
        values = {**values, "created_at": created_at}
    stmt = _insert(session, model).values({"created_at": utcnow(), **key, **values})
    stmt = stmt.on_conflict_do_update(index_elements=list(key), set_=values)
    return session.scalars(
        stmt.returning(model), execution_options={"populate_existing": True}
    ).one()


# Notes


def list_notes(session: Session, *, user_id: str, limit: int) -> list[Note]:
    """The user's newest `limit` notes, oldest first (what the agent recalls is the latest)."""
    newest = Note.created_at.desc(), Note.pk.desc()
    stmt = select(Note).where(Note.user_id == user_id).order_by(*newest).limit(limit)
    return list(reversed(session.scalars(stmt).all()))


def upsert_note(
    session: Session, *, user_id: str, note_id: str, text: str, created_at: dt.datetime | None
) -> Note:
    """Insert, or replace the text of, the user's note with this client id."""
    key = {"user_id": user_id, "note_id": note_id}
    note: Note = _upsert(session, Note, key, {"text": text}, created_at)
    return note


# Webhook events


def record_event(session: Session, *, event_id: str, event: str) -> bool:
    """Remember a webhook event id; False if it was seen before (a replay or a retry)."""
    now = utcnow()
    session.execute(
        delete(ProcessedEvent).where(ProcessedEvent.received_at < now - EVENT_RETENTION)
    )
    stmt = _insert(session, ProcessedEvent).values(id=event_id, event=event, received_at=now)
    stmt = stmt.on_conflict_do_nothing(index_elements=["id"]).returning(ProcessedEvent.id)
    return session.execute(stmt).first() is not None


# Agent events (per-conversation timeline)


def upsert_event(
    session: Session,
    *,
    conversation_id: uuid.UUID,
    event_id: str,
    kind: str,
    source: str,
    detail: str,
    turn_id: str | None,
    created_at: dt.datetime | None,
) -> ConversationEvent:
    """Insert, or replace the fields of, the conversation's event with this client id."""
    key = {"conversation_id": conversation_id, "event_id": event_id}
    values = {"kind": kind, "source": source, "detail": detail, "turn_id": turn_id}
    with rollup.tracked(session, conversation_id):
        event: ConversationEvent = _upsert(session, ConversationEvent, key, values, created_at)
        counts.count_events(session, conversation_id)
        counts.note_providers(session, conversation_id, kind=kind, source=source, detail=detail)
    return event


def list_events(session: Session, *, conversation_id: uuid.UUID) -> list[ConversationEvent]:
    stmt = (
        select(ConversationEvent)
        .where(ConversationEvent.conversation_id == conversation_id)
        .order_by(ConversationEvent.created_at, ConversationEvent.pk)
    )
    return list(session.scalars(stmt))


def upsert_file(
    session: Session,
    *,
    conversation_id: uuid.UUID,
    file_id: str,
    name: str,
    kind: str,
    size: int,
    text: str,
    created_at: dt.datetime | None,
) -> ConversationFile:
    """Insert, or replace the fields of, the conversation's file with this client id."""
    key = {"conversation_id": conversation_id, "file_id": file_id}
    values = {"name": name, "kind": kind, "size": size, "text": text}
    row: ConversationFile = _upsert(session, ConversationFile, key, values, created_at)
    return row


def get_file(
    session: Session, *, conversation_id: uuid.UUID, file_id: str
) -> ConversationFile | None:
    stmt = select(ConversationFile).where(
        ConversationFile.conversation_id == conversation_id, ConversationFile.file_id == file_id
    )
    return session.scalars(stmt).one_or_none()


def list_files(session: Session, *, conversation_id: uuid.UUID) -> list[ConversationFile]:
    stmt = (
        select(ConversationFile)
        .where(ConversationFile.conversation_id == conversation_id)
        .order_by(ConversationFile.created_at, ConversationFile.pk)
    )
    return list(session.scalars(stmt))
