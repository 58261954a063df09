"""The analytics aggregates, one SQL query each (two for a breakdown: its counts, then its
latency percentiles), on PostgreSQL and SQLite. Per-conversation figures cover the
conversations started in the range and come from the conversation's own columns
(app/analytics/counts.py keeps them), so they read one row per conversation. Latency covers
the replies given in the range and reads their ``v2v_ms`` through a partial index."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, Float, Select, case, cast, func, null, select
from sqlalchemy.orm import Session

from app.analytics import dialect as sql
from app.analytics.filters import Filter
from app.analytics.schemas import (
    BreakdownRow,
    DayRow,
    Dimension,
    ErrorRow,
    LatencyRow,
    RatingComment,
    RatingSummary,
)
from app.models import Conversation, ConversationEvent, ConversationRating, Message

COMMENTS_SHOWN = 50
_DIMENSIONS: dict[Dimension, Any] = {
    "persona": Conversation.persona,
    "voice": Conversation.voice,
    "provider": Conversation.provider,
    "language": Conversation.language,
}


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _duration(dialect: str) -> ColumnElement[Any]:
    return sql.seconds_between(Conversation.started_at, Conversation.ended_at, dialect)


def _avg(column: Any) -> ColumnElement[float]:
    return func.avg(cast(column, Float))


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(float(value), digits)


def days(session: Session, where: Filter) -> list[DayRow]:
    """Conversations started on each day, with their turns, duration, interruptions,
    errors and fallbacks. Days without conversations are left out."""
    dialect = _dialect(session)
    day = sql.utc_day(Conversation.started_at, dialect).label("day")
    query = (
        select(
            day,
            func.count(),
            func.sum(Conversation.turns),
            _avg(Conversation.turns),
            _avg(_duration(dialect)),
            func.sum(Conversation.interruptions),
            func.sum(Conversation.errors),
            func.sum(Conversation.fallbacks),
        )
        .where(where.conversations())
        .group_by(day)
        .order_by(day)
    )
    return [
        DayRow(
            day=dt.date.fromisoformat(d),
            conversations=n,
            turns=turns or 0,
            avg_turns=_round(avg_turns, 2),
            avg_duration_s=_round(avg_s),
            interruptions=cut or 0,
            errors=errors or 0,
            fallbacks=fallbacks or 0,
        )
        for d, n, turns, avg_turns, avg_s, cut, errors, fallbacks in session.execute(query)
    ]


def _replies(where: Filter, key: Any, *, keyed_by_conversation: bool) -> Select[Any]:
    """The voice-to-voice figures of the replies given in the range (by the reply's own
    time, through the partial index on it), as ``g`` (``key``) and ``v``; joined to their
    conversation for a key of its own or one user's scope."""
    source = select(key.label("g"), Message.v2v_ms.label("v")).where(
        Message.v2v_ms.is_not(None),
        Message.created_at >= where.range.start,
        Message.created_at < where.range.end,
    )
    if keyed_by_conversation or where.user_id is not None:
        source = source.join(Conversation, Conversation.id == Message.conversation_id)
    if where.user_id is not None:
        source = source.where(Conversation.user_id == where.user_id)
    return source


def latency(session: Session, where: Filter) -> list[LatencyRow]:
    """Voice-to-voice p50 and p95 of the replies given on each day (the reply's day)."""
    dialect = _dialect(session)
    day = sql.utc_day(Message.created_at, dialect)
    spreads = sql.percentiles(session, _replies(where, day, keyed_by_conversation=False), dialect)
    return [
        LatencyRow(day=dt.date.fromisoformat(d), replies=s.count, p50_ms=s.p50, p95_ms=s.p95)
        for d, s in sorted(spreads.items())
    ]


def errors(session: Session, where: Filter) -> list[ErrorRow]:
    """Errors and fallbacks the agent reported, by the part that failed (stt, llm, tts, ...)."""
    kind = ConversationEvent.kind
    query = (
        select(
            ConversationEvent.source,
            func.sum(case((kind == "error", 1), else_=0)),
            func.sum(case((kind == "fallback", 1), else_=0)),
        )
        .join(Conversation, Conversation.id == ConversationEvent.conversation_id)
        .where(where.conversations(), kind.in_(("error", "fallback")))
        .group_by(ConversationEvent.source)
        .order_by(ConversationEvent.source)
    )
    return [ErrorRow(source=s, errors=e, fallbacks=f) for s, e, f in session.execute(query)]


def breakdown(session: Session, where: Filter, by: Dimension | None) -> list[BreakdownRow]:
    """Per persona, voice, provider or language (``by``; None: one row for all, key null):
    conversations, turns, duration, interruptions, errors, fallbacks, latency, ratings."""
    dialect = _dialect(session)
    key: Any = _DIMENSIONS[by] if by is not None else null()
    score = ConversationRating.score
    counts = (
        select(
            key.label("key"),
            func.count(),
            _avg(Conversation.turns),
            _avg(_duration(dialect)),
            func.sum(Conversation.interruptions),
            func.sum(Conversation.errors),
            func.sum(Conversation.fallbacks),
            func.sum(case((score > 0, 1), else_=0)),
            func.sum(case((score < 0, 1), else_=0)),
        )
        .outerjoin(ConversationRating, ConversationRating.conversation_id == Conversation.id)
        .where(where.conversations())
    )
    if by is not None:
        counts = counts.group_by(key)
    replies = _replies(where, key, keyed_by_conversation=by is not None)
    spreads = sql.percentiles(session, replies, dialect)
    rows = []
    for k, n, turns, avg_s, cut, errs, falls, up, down in session.execute(counts):
        spread = spreads.get(k, sql.Spread(0, None, None))
        rows.append(
            BreakdownRow(
                key=k,
                conversations=n,
                avg_turns=_round(turns, 2),
                avg_duration_s=_round(avg_s),
                interruptions=cut or 0,
                errors=errs or 0,
                fallbacks=falls or 0,
                replies=spread.count,
                p50_ms=spread.p50,
                p95_ms=spread.p95,
                up=up or 0,
                down=down or 0,
            )
        )
    return sorted(rows, key=lambda row: (-row.conversations, row.key or ""))


def totals(session: Session, where: Filter) -> BreakdownRow:
    rows = breakdown(session, where, None)
    if rows:
        return rows[0]
    return BreakdownRow(
        key=None,
        conversations=0,
        avg_turns=None,
        avg_duration_s=None,
        interruptions=0,
        errors=0,
        fallbacks=0,
        replies=0,
        p50_ms=None,
        p95_ms=None,
        up=0,
        down=0,
    )


def ratings(session: Session, where: Filter) -> RatingSummary:
    score = ConversationRating.score
    query = (
        select(func.sum(case((score > 0, 1), else_=0)), func.sum(case((score < 0, 1), else_=0)))
        .join(Conversation, Conversation.id == ConversationRating.conversation_id)
        .where(where.conversations())
    )
    up, down = session.execute(query).one()
    up, down = up or 0, down or 0
    share = round(up / (up + down), 4) if up + down else None
    return RatingSummary(up=up, down=down, up_share=share)


def comments(session: Session, where: Filter, limit: int = COMMENTS_SHOWN) -> list[RatingComment]:
    """The newest ratings that came with a comment."""
    rating = ConversationRating
    query = (
        select(rating.conversation_id, rating.score, rating.comment, rating.rated_at)
        .join(Conversation, Conversation.id == rating.conversation_id)
        .where(where.conversations(), rating.comment != "")
        .order_by(rating.rated_at.desc(), rating.conversation_id)
        .limit(limit)
    )
    return [
        RatingComment(conversation_id=cid, score="up" if s > 0 else "down", comment=c, rated_at=at)
        for cid, s, c, at in session.execute(query)
    ]
