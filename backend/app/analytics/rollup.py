"""The analytics rollup (tables analytics_days and analytics_latency), kept on write.

Every write that changes a conversation's figures runs inside ``tracked``: it locks the
conversation's row, reads the conversation's contribution to the rollup (its start day's
figures and its replies' buckets, once per dimension), lets the write happen, reads the
contribution again and adds the difference with one ``INSERT ... ON CONFLICT DO UPDATE`` per
table (``x = x + excluded.x``). So a replayed write adds nothing, a moved provider moves the
conversation's rows, and a deleted conversation takes its contribution away. A write of
messages reads only the replies it writes (it changes none of the conversation's choices,
and a long call's other replies stay as they were). Writers of one conversation wait for
each other on its row; writers of different ones only on the rollup rows they share, each
adding to them in the same (sorted) order."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.analytics.histogram import bucket_of
from app.models import (
    AnalyticsDay,
    AnalyticsLatency,
    Conversation,
    ConversationRating,
    Message,
)

ALL = "all"  # the rows of every conversation (value '')
DIMENSIONS = ("persona", "voice", "provider", "language")
UNKNOWN = ""  # a conversation without the choice or the provider
DAY_FIGURES = (
    "conversations",
    "ended",
    "duration_ms",
    "turns",
    "interruptions",
    "errors",
    "fallbacks",
    "rated_up",
    "rated_down",
)
LATENCY_FIGURES = ("replies", "total_ms")
_DAY_KEY = ("dim", "day", "value")
_LATENCY_KEY = ("dim", "day", "value", "bucket_ms")

Key = tuple[Any, ...]
Figures = tuple[float, ...]


@dataclass(slots=True)
class Contribution:
    """One conversation's rows in the rollup: key -> figures."""

    days: dict[Key, Figures] = field(default_factory=dict)
    latency: dict[Key, Figures] = field(default_factory=dict)


def duration_ms(started: dt.datetime, ended: dt.datetime) -> int:
    """Whole milliseconds, half up (the migration's SQL rounds the same way)."""
    return (ended - started + dt.timedelta(microseconds=500)) // dt.timedelta(milliseconds=1)


def contribution(
    session: Session, conversation_id: uuid.UUID, message_ids: Collection[str] | None = None
) -> Contribution:
    """The conversation's rows; with ``message_ids``, its replies' buckets only for those."""
    score = ConversationRating.score
    row = session.execute(
        select(
            Conversation.started_at,
            Conversation.ended_at,
            Conversation.turns,
            Conversation.interruptions,
            Conversation.errors,
            Conversation.fallbacks,
            score,
            *(getattr(Conversation, name) for name in DIMENSIONS),
        )
        .outerjoin(ConversationRating, ConversationRating.conversation_id == Conversation.id)
        .where(Conversation.id == conversation_id)
    ).one_or_none()
    if row is None:
        return Contribution()
    started, ended, turns, cut, errors, fallbacks, rated, *choices = row
    values = {ALL: UNKNOWN, **{d: v or UNKNOWN for d, v in zip(DIMENSIONS, choices, strict=True)}}
    figures = (
        1,
        int(ended is not None),
        duration_ms(started, ended) if ended is not None else 0,
        turns,
        cut,
        errors,
        fallbacks,
        int(rated is not None and rated > 0),
        int(rated is not None and rated < 0),
    )
    out = Contribution()
    for dim, value in values.items():
        out.days[(dim, started.date(), value)] = figures
    replies: dict[tuple[dt.date, int], list[float]] = {}
    query = select(Message.created_at, Message.v2v_ms).where(
        Message.conversation_id == conversation_id, Message.v2v_ms.is_not(None)
    )
    if message_ids is not None:
        query = query.where(Message.message_id.in_(message_ids))
    for at, v2v in session.execute(query):
        if v2v is None:  # excluded by the query; for the type checker
            continue
        sums = replies.setdefault((at.date(), bucket_of(v2v)), [0, 0.0])
        sums[0] += 1
        sums[1] += v2v
    for dim, value in values.items():
        for (day, bucket), (n, total) in replies.items():
            out.latency[(dim, day, value, bucket)] = (n, total)
    return out


@contextmanager
def tracked(
    session: Session, conversation_id: uuid.UUID, *, message_ids: Collection[str] | None = None
) -> Iterator[None]:
    """Keep the rollup in step with whatever the block writes to this conversation. A block
    that writes only the messages ``message_ids`` (and the conversation's counts) names them,
    so only their replies are read: a batch costs its own size, not the call's length."""
    session.execute(
        select(Conversation.id)
        .where(Conversation.id == conversation_id)
        .with_for_update(key_share=True)  # FOR NO KEY UPDATE: messages may still refer to it
    )
    before = contribution(session, conversation_id, message_ids)
    yield
    session.flush()
    apply(session, before, contribution(session, conversation_id, message_ids))


def add(session: Session, conversation_id: uuid.UUID) -> None:
    """Count a conversation this transaction just created."""
    apply(session, Contribution(), contribution(session, conversation_id))


def apply(session: Session, before: Contribution, after: Contribution) -> None:
    _upsert(session, AnalyticsDay, _DAY_KEY, DAY_FIGURES, _changes(before.days, after.days))
    latency = _changes(before.latency, after.latency)
    _upsert(session, AnalyticsLatency, _LATENCY_KEY, LATENCY_FIGURES, latency)


def _changes(before: Mapping[Key, Figures], after: Mapping[Key, Figures]) -> list[Key]:
    """(key, differences) of every row that changed, sorted by key (the order rows are locked)."""
    out = []
    for key in sorted(before.keys() | after.keys()):
        old, new = before.get(key), after.get(key)
        if old is None or new is None:
            delta = new if old is None else tuple(-x for x in old)
        else:
            delta = tuple(b - a for a, b in zip(old, new, strict=True))
        if delta is not None and any(delta):
            out.append((*key, *delta))
    return out


def _upsert(
    session: Session,
    model: type[Any],
    key: tuple[str, ...],
    figures: tuple[str, ...],
    rows: list[Key],
) -> None:
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    stmt = postgresql.insert(model) if dialect == "postgresql" else sqlite.insert(model)
    stmt = stmt.on_conflict_do_update(
        index_elements=list(key),
        set_={name: getattr(model, name) + stmt.excluded[name] for name in figures},
    )
    names = (*key, *figures)
    session.execute(stmt, [dict(zip(names, row, strict=True)) for row in rows])
