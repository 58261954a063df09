"""Request and response bodies of the REST API (the OpenAPI schema is built from these)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    StringConstraints,
)

RoomName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
Slug = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]{1,64}$")]
Language = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,3}$")]
ClientId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.:-]{1,128}$")]
UserId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.:@-]{1,128}$")]
LatencyKey = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]{1,32}$")]
# A hard ceiling for the schema; BACKEND_MAX_MESSAGE_CHARS applies the configured limit.
Text = Annotated[str, StringConstraints(max_length=100_000)]


def _date_time_text(value: object) -> object:
    if isinstance(value, int | float):  # bool included
        raise ValueError("expected a date-time string (RFC 3339)")
    return value


def _json_number(value: object) -> object:
    if isinstance(value, bool | str):
        raise ValueError("expected a number")
    return value


# JSON values as the schema states them: lax parsing would take 0 as false, true or "1" as 1,
# and a number as Unix time; what the schema refuses, the API refuses (2.0 is an integer).
Flag = Annotated[bool, Strict()]
JsonNumber = BeforeValidator(_json_number)  # last in Annotated, after the bounds
Number = Annotated[float, Strict()]
Timestamp = Annotated[AwareDatetime, BeforeValidator(_date_time_text)]
Base64Text = Annotated[
    str,
    StringConstraints(pattern=r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$"),
]
EXPORT_FORMAT: Literal["voice-assistant.conversation.v1"] = "voice-assistant.conversation.v1"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TokenResponse(BaseModel):
    server_url: str
    participant_token: str
    room_name: str
    participant_identity: str


class ConversationCreate(_Strict):
    id: uuid.UUID | None = Field(
        default=None, description="Client-chosen id: sending it again returns the same one."
    )
    persona: Slug | None = Field(default=None, description="An id from GET /api/options.")
    voice: Slug | None = Field(default=None, description="An id from GET /api/options.")
    language: Language | None = Field(default=None, description="One of GET /api/options.")
    record: Flag = Field(
        default=False,
        description="Record the call (both sides, kept with the conversation); refused "
        "(403) where the backend does not allow recording.",
    )


class ConversationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True, validate_by_name=True)

    id: uuid.UUID
    room_name: str
    status: Literal["active", "ended"]
    started_at: dt.datetime
    ended_at: dt.datetime | None
    metadata: dict[str, str] = Field(validation_alias="room_metadata")


class ConversationCreated(BaseModel):
    conversation: ConversationOut
    connection: TokenResponse


class ConversationPage(BaseModel):
    items: list[ConversationOut]
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next page.")


class MessageIn(_Strict):
    role: Literal["user", "assistant"]
    text: Text
    created_at: Timestamp | None = Field(default=None, description="Defaults to now.")
    latency: dict[LatencyKey, Annotated[Number, Field(ge=0, le=3_600_000)]] = Field(
        default_factory=dict,
        max_length=16,
        description="Latency figures in milliseconds.",
        json_schema_extra={"additionalProperties": False},  # keys only of the pattern
    )
    interrupted: Flag = False


class MessageOut(BaseModel):
    model_config = ConfigDict(from_attributes=True, validate_by_name=True)

    id: str = Field(validation_alias="message_id")
    role: Literal["user", "assistant"]
    text: str
    created_at: dt.datetime
    latency: dict[str, float]
    interrupted: bool


class EventIn(_Strict):
    kind: Literal["error", "fallback", "info"]
    source: Literal["stt", "llm", "tts", "backend", "agent"]
    detail: Annotated[str, StringConstraints(max_length=500)]
    created_at: Timestamp | None = Field(default=None, description="Defaults to now.")
    turn_id: ClientId | None = None


class EventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True, validate_by_name=True)

    id: str = Field(validation_alias="event_id")
    kind: Literal["error", "fallback", "info"]
    source: Literal["stt", "llm", "tts", "backend", "agent"]
    detail: str
    turn_id: str | None
    created_at: dt.datetime


FileKind = Literal["text", "markdown", "pdf", "image"]
ImageType = Literal["image/png", "image/jpeg", "image/gif", "image/webp"]


class FileIn(_Strict):
    name: Annotated[str, StringConstraints(min_length=1, max_length=255)]
    kind: FileKind
    size: Annotated[int, Field(ge=0, le=10_000_000_000)]
    text: Text = Field(default="", description="What the agent read of it (empty: an image).")
    created_at: Timestamp | None = Field(default=None, description="Defaults to now.")


class FileOut(BaseModel):
    model_config = ConfigDict(from_attributes=True, validate_by_name=True)

    id: str = Field(validation_alias="file_id")
    name: str
    kind: FileKind
    size: int
    text: str
    created_at: dt.datetime
    content_type: ImageType | None = Field(
        description="An image kept with it: GET /api/conversations/{id}/files/{file}/content."
    )


class FileContentIn(_Strict):
    content_type: ImageType
    data: Base64Text = Field(description="The image's bytes, base64 (padded).")


class BatchMessageIn(MessageIn):
    id: ClientId


class MessageBatchIn(_Strict):
    messages: list[BatchMessageIn] = Field(
        min_length=1, description="At most BACKEND_MAX_BATCH_MESSAGES (default 1000)."
    )


class MessageBatchOut(BaseModel):
    count: int = Field(description="Messages written (an id repeated in the batch counts once).")


class MessagePage(BaseModel):
    items: list[MessageOut]
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next page.")


class ConversationDetail(ConversationOut):
    messages: list[MessageOut] = Field(
        description="The first messages, oldest first; the rest from GET …/messages."
    )
    messages_next_cursor: str | None = Field(
        default=None,
        description="More messages: GET /api/conversations/{id}/messages?cursor= this.",
    )
    events: list[EventOut]
    recording: RecordingOut | None = Field(
        default=None,
        description="The call's recording, if one was made: GET /api/conversations/{id}/recording.",
    )
    rating: RatingOut | None = Field(
        default=None, description="The user's rating: PUT /api/conversations/{id}/rating."
    )


RATING_COMMENT_MAX_CHARS = 1000
Thumb = Literal["up", "down"]


class RatingIn(_Strict):
    score: Thumb = Field(description="Thumbs up or down.")
    comment: Annotated[str, StringConstraints(max_length=RATING_COMMENT_MAX_CHARS)] = ""


class RatingOut(BaseModel):
    score: Thumb
    comment: str
    rated_at: dt.datetime


class RecordingPartOut(BaseModel):
    started_at: dt.datetime = Field(description="Wall time of the part's first sample.")
    starts_at_s: float = Field(description="Where the part starts in the recording (seconds).")


class RecordingOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    started_at: dt.datetime = Field(description="Wall time of the recording's first sample.")
    size: int = Field(description="Bytes stored so far (Ogg/Opus, stereo: user left, agent right).")
    parts: list[RecordingPartOut] = Field(
        description="The recording's parts, one per agent that recorded the call (a call resumed "
        "after a crash has more than one): place a message by the last part started before it."
    )


class RecordingChunkIn(_Strict):
    offset: int = Field(
        ge=0, le=10**15, description="Where the bytes go: the recording's stored size."
    )
    started_at: Timestamp = Field(description="Wall time of the recording's first sample.")
    data: Base64Text = Field(description="The next bytes of the Ogg file, base64 (padded).")


class ConversationExport(BaseModel):
    format: Literal["voice-assistant.conversation.v1"] = EXPORT_FORMAT
    exported_at: dt.datetime
    conversation: ConversationDetail


class AgentConversation(ConversationOut):
    """What the agent may learn about a room it serves, including whose it is."""

    user_id: str


class NoteIn(_Strict):
    text: Annotated[Text, StringConstraints(min_length=1)]
    created_at: Timestamp | None = Field(default=None, description="Defaults to now.")


class NoteOut(BaseModel):
    model_config = ConfigDict(from_attributes=True, validate_by_name=True)

    id: str = Field(validation_alias="note_id")
    text: str
    created_at: dt.datetime


class WorkerReportIn(_Strict):
    """An agent worker's capacity, sent every few seconds (PUT /api/agent/workers/{id})."""

    agent_name: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    max_sessions: Annotated[int, Field(ge=1, le=1024), JsonNumber]
    # the rooms of its running calls (any LiveKit room name, not only this backend's)
    rooms: list[Annotated[str, StringConstraints(min_length=1, max_length=256)]] = Field(
        default_factory=list, max_length=1024
    )
    # 0 idle .. 1 full (the worker takes no new call at 1 or above)
    load: Number = Field(ge=0.0, le=100.0)
    draining: Flag = False


class WorkerCapacityOut(BaseModel):
    """What the backend now counts for this worker's agent name."""

    workers: int
    free_sessions: int
