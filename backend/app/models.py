"""Database tables (SQLAlchemy 2). Migrations in backend/migrations must match these."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Literal

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, deferred, mapped_column, relationship

ConversationStatus = Literal["active", "ended"]
Role = Literal["user", "assistant"]
UserRole = Literal["user", "operator"]
EventKind = Literal["error", "fallback", "info"]
EventSource = Literal["stt", "llm", "tts", "backend", "agent"]
ExperimentStatus = Literal["draft", "running", "stopped"]

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Aware UTC datetimes in and out on every engine (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass an aware one")
        value = value.astimezone(dt.UTC)
        return value if dialect.name == "postgresql" else value.replace(tzinfo=None)

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


# SQLite only autoincrements an INTEGER PRIMARY KEY.
_SurrogateKey = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Conversation(Base):
    __tablename__ = "conversations"
    __table_args__ = (
        CheckConstraint("status IN ('active', 'ended')", name="status"),
        Index("ix_conversations_user_started", "user_id", "started_at", "id"),
        Index("ix_conversations_started", "started_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid(), primary_key=True, default=uuid.uuid4)
    room_name: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16), default="active")
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    room_metadata: Mapped[dict[str, Any]] = mapped_column(JSON(), default=dict)
    # the A/B experiment running when the conversation was created, and the user's variant
    experiment_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("experiments.id", ondelete="SET NULL"), index=True
    )
    variant_key: Mapped[str | None] = mapped_column(String(32))
    # For analytics (app/analytics), filled on write: the room metadata's choices, the
    # providers the agent reported, and counts kept by app/analytics/counts.py.
    persona: Mapped[str | None] = mapped_column(String(64))
    voice: Mapped[str | None] = mapped_column(String(64))
    language: Mapped[str | None] = mapped_column(String(35))
    provider: Mapped[str | None] = mapped_column(String(64))
    turns: Mapped[int] = mapped_column(Integer(), default=0, server_default="0")
    interruptions: Mapped[int] = mapped_column(Integer(), default=0, server_default="0")
    errors: Mapped[int] = mapped_column(Integer(), default=0, server_default="0")
    fallbacks: Mapped[int] = mapped_column(Integer(), default=0, server_default="0")

    # The database deletes messages, events, files and the recording's row with their
    # conversation (ON DELETE CASCADE); the recording's bytes go with the delete route.
    messages: Mapped[list[Message]] = relationship(
        back_populates="conversation", cascade="all, delete-orphan", passive_deletes=True
    )
    events: Mapped[list[ConversationEvent]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )
    files: Mapped[list[ConversationFile]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )
    recording: Mapped[ConversationRecording | None] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )
    rating: Mapped[ConversationRating | None] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("conversation_id", "message_id"),
        CheckConstraint("role IN ('user', 'assistant')", name="role"),
        Index("ix_messages_conversation_created", "conversation_id", "created_at"),
        Index(
            "ix_messages_created_v2v",
            "created_at",
            "v2v_ms",
            postgresql_where=text("v2v_ms IS NOT NULL"),
            sqlite_where=text("v2v_ms IS NOT NULL"),
        ),
        Index(
            "ix_messages_conversation_v2v",
            "conversation_id",
            "v2v_ms",
            postgresql_where=text("v2v_ms IS NOT NULL"),
            sqlite_where=text("v2v_ms IS NOT NULL"),
        ),
    )

    pk: Mapped[int] = mapped_column(_SurrogateKey, primary_key=True, autoincrement=True)
    conversation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE")
    )
    message_id: Mapped[str] = mapped_column(String(128))
    role: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    latency: Mapped[dict[str, float]] = mapped_column(JSON(), default=dict)
    interrupted: Mapped[bool] = mapped_column(Boolean(), default=False)
    # latency["e2e_ms"] (voice to voice: the user stops speaking -> the agent's first audio)
    v2v_ms: Mapped[float | None] = mapped_column(Float())

    conversation: Mapped[Conversation] = relationship(back_populates="messages")


class Note(Base):
    """Something the agent's tools saved for a user; outlives any one conversation."""

    __tablename__ = "notes"
    __table_args__ = (
        UniqueConstraint("user_id", "note_id"),
        Index("ix_notes_user_created", "user_id", "created_at"),
    )

    pk: Mapped[int] = mapped_column(_SurrogateKey, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(String(128))
    note_id: Mapped[str] = mapped_column(String(128))
    text: Mapped[str] = mapped_column(Text())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ProcessedEvent(Base):
    """LiveKit webhook ids already handled, so a replayed delivery has no second effect."""

    __tablename__ = "processed_events"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    event: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class ConversationEvent(Base):
    """Something the agent reported during a conversation (an error, a fallback taken), for
    the per-session timeline."""

    __tablename__ = "conversation_events"
    __table_args__ = (
        UniqueConstraint("conversation_id", "event_id"),
        CheckConstraint("kind IN ('error', 'fallback', 'info')", name="kind"),
        CheckConstraint("source IN ('stt', 'llm', 'tts', 'backend', 'agent')", name="source"),
        Index("ix_conversation_events_conversation_created", "conversation_id", "created_at"),
    )

    pk: Mapped[int] = mapped_column(_SurrogateKey, primary_key=True, autoincrement=True)
    conversation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE")
    )
    event_id: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str] = mapped_column(Text())
    turn_id: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class User(Base):
    """Someone who signs in with a password (added with `python -m app users add NAME`)."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint("role IN ('user', 'operator')", name="role"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(512))
    role: Mapped[str] = mapped_column(String(16), default="user", server_default="user")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AuthSession(Base):
    """A signed-in browser: only the sha256 of the cookie's token is stored."""

    __tablename__ = "auth_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)

    user: Mapped[User] = relationship(lazy="joined")


class ConversationFile(Base):
    """A file the user shared in a conversation, as the agent read it: its name, kind and size,
    and its text (text, Markdown, a PDF's text; empty for an image). An image's bytes are kept
    too (``content``, loaded only when asked for; ``content_type`` set with them)."""

    __tablename__ = "conversation_files"
    __table_args__ = (
        UniqueConstraint("conversation_id", "file_id"),
        CheckConstraint("kind IN ('text', 'markdown', 'pdf', 'image')", name="kind"),
        Index("ix_conversation_files_conversation_created", "conversation_id", "created_at"),
    )

    pk: Mapped[int] = mapped_column(_SurrogateKey, primary_key=True, autoincrement=True)
    conversation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE")
    )
    file_id: Mapped[str] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(16))
    size: Mapped[int] = mapped_column(BigInteger())
    text: Mapped[str] = mapped_column(Text())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    content_type: Mapped[str | None] = mapped_column(String(64))
    content: Mapped[bytes | None] = deferred(mapped_column(LargeBinary()))


class ConversationRecording(Base):
    """A conversation's call recording as stored so far: where the audio starts (wall time of
    its first sample) and how many bytes the store holds under ``key``. The bytes live in the
    recording store (a folder, or S3), not in the database."""

    __tablename__ = "conversation_recordings"

    conversation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(128))
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    size: Mapped[int] = mapped_column(BigInteger(), default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # each later Ogg stream (a call resumed by a new agent appends its own): its byte
    # ``offset``, the wall time of its first sample (``started_at``), and ``starts_at_s``,
    # where it plays in the joined stream (app.recordings.ogg_links)
    links: Mapped[list[dict[str, Any]]] = mapped_column(JSON(), default=list, server_default="[]")

    @property
    def parts(self) -> list[dict[str, Any]]:
        """Where each stream's audio plays: its first sample's wall time and its offset."""
        first = {"started_at": self.started_at, "starts_at_s": 0.0}
        later = [{k: link[k] for k in ("started_at", "starts_at_s")} for link in self.links]
        return [first, *later]


class ConversationRating(Base):
    """The user's verdict on a call: thumbs up (1) or down (-1), with an optional comment.
    One per conversation; rating again replaces it."""

    __tablename__ = "conversation_ratings"
    __table_args__ = (CheckConstraint("score IN (-1, 1)", name="score"),)

    conversation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True
    )
    score: Mapped[int] = mapped_column(SmallInteger())
    comment: Mapped[str] = mapped_column(Text(), default="")
    rated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AnalyticsDay(Base):
    """The conversations started on one UTC day, per breakdown value: sums of their figures,
    kept on write by app/analytics/rollup.py. ``dim`` is ``all`` (``value`` '') or the
    breakdown (persona, voice, provider, language); ``value`` '' is unknown."""

    __tablename__ = "analytics_days"

    dim: Mapped[str] = mapped_column(String(16), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date(), primary_key=True)
    value: Mapped[str] = mapped_column(String(64), primary_key=True)
    conversations: Mapped[int] = mapped_column(Integer())
    ended: Mapped[int] = mapped_column(Integer())
    duration_ms: Mapped[int] = mapped_column(BigInteger())  # of the ended ones
    turns: Mapped[int] = mapped_column(Integer())
    interruptions: Mapped[int] = mapped_column(Integer())
    errors: Mapped[int] = mapped_column(Integer())
    fallbacks: Mapped[int] = mapped_column(Integer())
    rated_up: Mapped[int] = mapped_column(Integer())
    rated_down: Mapped[int] = mapped_column(Integer())


class AnalyticsLatency(Base):
    """The replies given on one UTC day, per breakdown value (as in AnalyticsDay) and
    voice-to-voice bucket (app/analytics/histogram.py): how many, and the sum of their
    figures."""

    __tablename__ = "analytics_latency"

    dim: Mapped[str] = mapped_column(String(16), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date(), primary_key=True)
    value: Mapped[str] = mapped_column(String(64), primary_key=True)
    bucket_ms: Mapped[int] = mapped_column(Integer(), primary_key=True)
    replies: Mapped[int] = mapped_column(Integer())
    total_ms: Mapped[float] = mapped_column(Float())


class Experiment(Base):
    """An A/B experiment: variants (key, split percentage, overrides) as validated JSON
    (app.experiments.schemas.Variant). At most one is running (a partial unique index)."""

    __tablename__ = "experiments"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'running', 'stopped')", name="status"),
        Index(
            "uq_experiments_running",
            "status",
            unique=True,
            postgresql_where=text("status = 'running'"),
            sqlite_where=text("status = 'running'"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid(), primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16), default="draft")
    variants: Mapped[list[dict[str, Any]]] = mapped_column(JSON())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    stopped_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
