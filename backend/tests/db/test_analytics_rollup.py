"""The analytics rollup (app/analytics/rollup.py) on SQLite and PostgreSQL: kept on every write
path, it gives the exact queries' counts and sums to the unit and latency percentiles within
the width of the histogram's buckets around them; a deleted conversation leaves it; migration
0010 builds the same rollup from the rows as the writes did; concurrent writers on
PostgreSQL lose nothing."""

from __future__ import annotations

import datetime as dt
import math
import random
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from app import crud, ratings
from app.analytics import histogram, queries, rollup, rollup_queries
from app.analytics.dates import DateRange
from app.analytics.dialect import PERCENTILES
from app.analytics.filters import Filter
from app.core import migrate
from app.core.db import make_engine
from app.models import AnalyticsDay, AnalyticsLatency, Conversation, Message

pytestmark = pytest.mark.db

DAY1 = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
DAYS = 4
EVERYONE = Filter(DateRange(DAY1.date(), DAY1.date() + dt.timedelta(days=DAYS - 1)), None)
PERSONAS = ("guide", "coach", "tutor")
VOICES = ("amy", "ryan")
PROVIDERS = ("local", "openai", None)
DIMENSIONS = ("persona", "voice", "provider", "language")


@dataclass
class Call:
    started: dt.datetime
    choices: dict[str, str]
    provider: str | None
    duration_s: int | None  # None: still active
    replies: list[float | None] = field(default_factory=list)  # each turn's v2v (ms)
    errors: int = 0
    rating: int | None = None


def _calls(seed: int, n: int) -> list[Call]:
    """Calls over the days (and one just before them, never counted), replies mostly in the
    10 ms buckets, some in the 100 ms ones, a few over a minute apart."""
    rng = random.Random(seed)
    calls = []
    for k in range(n):
        started = DAY1 + dt.timedelta(minutes=rng.randint(-90, DAYS * 1440 - 1))
        replies: list[float | None] = [
            round(rng.choice((300, 600, 1200, 2500)) * (0.8 + rng.random()), 1)
            for _ in range(rng.randint(0, 8))
        ]
        if k % 5 == 0:
            replies.append(None)  # a reply without a figure
        calls.append(
            Call(
                started=started,
                choices={
                    "persona": rng.choice(PERSONAS),
                    "voice": rng.choice(VOICES),
                    "language": "en" if k % 3 else "de",
                },
                provider=rng.choice(PROVIDERS),
                duration_s=rng.randint(5, 900) if k % 7 else None,
                replies=replies,
                errors=k % 4 == 0,
                rating=rng.choice((1, -1, None)),
            )
        )
    return calls


def _write(session: Session, call: Call, *, single: bool) -> uuid.UUID:
    """The call through the routes' write functions: the provider event after the messages
    (its rows move), a replayed batch, a rating changed once."""
    conversation, _ = crud.create_conversation(
        session, user_id=f"u{call.started.minute % 3}", metadata=call.choices, max_per_user=1000
    )
    cid = conversation.id
    with rollup.tracked(session, cid):  # as the tests do: move the start into the range
        session.execute(
            update(Conversation).where(Conversation.id == cid).values(started_at=call.started)
        )
    batch = []
    for t, v2v in enumerate(call.replies):
        at = call.started + dt.timedelta(seconds=20 * t)
        batch.append(_message(f"u{t}", "user", at, {}))
        reply = _message(f"a{t}", "assistant", at, {} if v2v is None else {"e2e_ms": v2v})
        reply["interrupted"] = t == 0
        if single:
            crud.upsert_message(session, conversation_id=cid, **reply)
        else:
            batch.append(reply)
    crud.upsert_messages(session, conversation_id=cid, messages=batch)
    crud.upsert_messages(session, conversation_id=cid, messages=batch)  # a replay
    if call.provider:
        _event(session, cid, "p", "info", "agent", f"providers: {call.provider}", call.started)
    for e in range(call.errors):
        _event(session, cid, f"e{e}", "error", "llm", "boom", call.started)
    if call.rating is not None:
        ratings.put(session, conversation_id=cid, score=-call.rating, comment="")
        ratings.put(session, conversation_id=cid, score=call.rating, comment="changed")
    if call.duration_s is not None:
        ended = call.started + dt.timedelta(seconds=call.duration_s)
        fresh = session.get(Conversation, cid)
        assert fresh is not None
        crud.end_conversation(session, conversation=fresh, ended_at=ended)
    return cid


def _message(mid: str, role: str, at: dt.datetime, latency: dict[str, float]) -> dict[str, Any]:
    return {
        "message_id": mid,
        "role": role,
        "text": "hi",
        "latency": latency,
        "interrupted": False,
        "created_at": at + dt.timedelta(seconds=2 if role == "assistant" else 0),
    }


def _event(
    session: Session, cid: uuid.UUID, eid: str, kind: str, source: str, detail: str, at: Any
) -> None:
    crud.upsert_event(
        session,
        conversation_id=cid,
        event_id=eid,
        kind=kind,
        source=source,
        detail=detail,
        turn_id=None,
        created_at=at,
    )


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


def _seed(engine: Engine, calls: list[Call]) -> list[uuid.UUID]:
    with Session(engine) as session:
        ids = [_write(session, call, single=k % 2 == 1) for k, call in enumerate(calls)]
        session.commit()
    return ids


def _v2v_by_group(engine: Engine) -> dict[tuple[str, Any], list[float]]:
    """Every reply's figure in the range, by ('day', its day) and by (dimension, value)."""
    groups: dict[tuple[str, Any], list[float]] = {}
    with Session(engine) as session:
        for day, v2v, *choices in session.execute(
            select(
                Message.created_at,
                Message.v2v_ms,
                *(getattr(Conversation, d) for d in DIMENSIONS),
            )
            .join(Conversation)
            .where(Message.v2v_ms.is_not(None))
        ):
            if not EVERYONE.range.start <= day < EVERYONE.range.end:
                continue
            groups.setdefault(("day", day.date()), []).append(v2v)
            groups.setdefault(("all", None), []).append(v2v)
            for dim, value in zip(DIMENSIONS, choices, strict=True):
                groups.setdefault((dim, value), []).append(v2v)
    return groups


def _bound(values: list[float], p: float) -> float:
    """How far the histogram's percentile may be from percentile_cont: the width of the
    buckets of the two values around the percentile's rank (and 0.05 ms of rounding each)."""
    ranked = sorted(values)
    low = math.floor(p * (len(ranked) - 1))
    return max(histogram.width_of(histogram.bucket_of(v)) for v in ranked[low : low + 2]) + 0.1


def _assert_close(approx: Any, exact: Any, values: list[float]) -> None:
    """Equal but for p50_ms and p95_ms, which are within the bucket width (``_bound``)."""
    assert approx.model_dump(exclude={"p50_ms", "p95_ms"}) == exact.model_dump(
        exclude={"p50_ms", "p95_ms"}
    )
    for name, p in zip(("p50_ms", "p95_ms"), PERCENTILES, strict=True):
        got, want = getattr(approx, name), getattr(exact, name)
        assert (got is None) == (want is None), name
        if want is not None:
            assert abs(got - want) <= _bound(values, p), (name, got, want)


def _assert_rollup_matches_exact(engine: Engine) -> None:
    groups = _v2v_by_group(engine)
    with Session(engine) as session:
        assert rollup_queries.days(session, EVERYONE) == queries.days(session, EVERYONE)
        exact = queries.latency(session, EVERYONE)
        approx = rollup_queries.latency(session, EVERYONE)
        assert [r.day for r in approx] == [r.day for r in exact]
        for a, e in zip(approx, exact, strict=True):
            _assert_close(a, e, groups[("day", e.day)])
        _assert_close(
            rollup_queries.totals(session, EVERYONE),
            queries.totals(session, EVERYONE),
            groups.get(("all", None), []),
        )
        for dim in DIMENSIONS:
            exact_rows = queries.breakdown(session, EVERYONE, dim)  # type: ignore[arg-type]
            approx_rows = rollup_queries.breakdown(session, EVERYONE, dim)  # type: ignore[arg-type]
            assert [r.key for r in approx_rows] == [r.key for r in exact_rows]
            for a, e in zip(approx_rows, exact_rows, strict=True):
                _assert_close(a, e, groups.get((dim, e.key), []))


def test_the_rollup_gives_the_exact_counts_and_percentiles_within_a_bucket(
    engine: Engine,
) -> None:
    _seed(engine, _calls(seed=17, n=60))
    with Session(engine) as session:
        totals = rollup_queries.totals(session, EVERYONE)
    assert totals.conversations > 40 and totals.replies > 150 and totals.up and totals.down
    _assert_rollup_matches_exact(engine)


def test_a_deleted_conversation_leaves_the_rollup(engine: Engine) -> None:
    calls = _calls(seed=5, n=12)
    ids = _seed(engine, calls)
    with Session(engine) as session:
        before = rollup_queries.totals(session, EVERYONE)
        gone = next(k for k, c in enumerate(calls) if c.replies and c.started >= DAY1)
        owner = session.get(Conversation, ids[gone])
        assert owner is not None
        assert crud.delete_conversation(session, user_id=owner.user_id, conversation_id=ids[gone])
        session.commit()
        after = rollup_queries.totals(session, EVERYONE)
    assert after.conversations == before.conversations - 1
    assert after.replies == before.replies - sum(v is not None for v in calls[gone].replies)
    _assert_rollup_matches_exact(engine)

    with Session(engine) as session:
        for cid in ids:
            owner = session.get(Conversation, cid)
            if owner is not None:
                crud.delete_conversation(session, user_id=owner.user_id, conversation_id=cid)
        session.commit()
        assert rollup_queries.days(session, EVERYONE) == []
        assert rollup_queries.latency(session, EVERYONE) == []
        assert rollup_queries.breakdown(session, EVERYONE, "persona") == []
        empty = rollup_queries.totals(session, EVERYONE)
        assert (empty.conversations, empty.replies, empty.p50_ms) == (0, 0, None)
        for model in (AnalyticsDay, AnalyticsLatency):
            left = session.scalars(select(model)).all()  # rows at zero may stay
            assert all(_figures(row) == (0,) * len(_figures(row)) for row in left)


def _figures(row: Any) -> tuple[float, ...]:
    names = rollup.DAY_FIGURES if isinstance(row, AnalyticsDay) else rollup.LATENCY_FIGURES
    return tuple(round(getattr(row, name), 6) for name in names)


def _rollup_rows(url: str) -> dict[tuple[Any, ...], tuple[float, ...]]:
    """Every rollup row with something in it: key -> figures (sums of ms rounded to 1 µs)."""
    engine = make_engine(url)
    rows = {}
    with Session(engine) as session:
        for model in (AnalyticsDay, AnalyticsLatency):
            for row in session.scalars(select(model)):
                key = (model.__tablename__, row.dim, row.day, row.value)
                key += (row.bucket_ms,) if isinstance(row, AnalyticsLatency) else ()
                if any(_figures(row)):
                    rows[key] = _figures(row)
    engine.dispose()
    return rows


def test_migration_0010_builds_the_rollup_the_writes_keep(empty_db_url: str) -> None:
    migrate.upgrade(empty_db_url)
    engine = make_engine(empty_db_url)
    ids = _seed(engine, _calls(seed=3, n=25))
    with Session(engine) as session:
        owner = session.get(Conversation, ids[0])
        assert owner is not None
        crud.delete_conversation(session, user_id=owner.user_id, conversation_id=ids[0])
        session.commit()
    engine.dispose()
    written = _rollup_rows(empty_db_url)
    assert len(written) > 100

    migrate.downgrade(empty_db_url, "0009")
    migrate.upgrade(empty_db_url)  # 0010 again: the rollup built from the rows
    assert _rollup_rows(empty_db_url) == written


def test_concurrent_writers_on_postgresql_lose_nothing(postgres_url: str) -> None:
    # PostgreSQL only: SQLite has one writer at a time
    engine = make_engine(postgres_url)
    try:
        _write_concurrently(engine)
    finally:
        engine.dispose()


def _write_concurrently(engine: Engine) -> None:
    calls = _calls(seed=11, n=16)
    errors: list[BaseException] = []

    def write(part: list[Call]) -> None:
        try:
            for k, call in enumerate(part):
                with Session(engine) as session:  # one transaction per call, as the routes
                    _write(session, call, single=k % 2 == 0)
                    session.commit()
        except BaseException as error:  # noqa: BLE001 - reported by the test
            errors.append(error)

    with Session(engine) as session:  # and one call that every writer adds replies to
        shared = _write(session, Call(DAY1, {"persona": "guide"}, "local", None), single=True)
        session.commit()

    def reply(writer: int) -> None:
        try:
            for t in range(10):
                with Session(engine) as session:
                    at = DAY1 + dt.timedelta(seconds=t)
                    latency = {"e2e_ms": 400.0 + 37 * writer + t}
                    message = _message(f"w{writer}-{t}", "assistant", at, latency)
                    crud.upsert_message(session, conversation_id=shared, **message)
                    session.commit()
        except BaseException as error:  # noqa: BLE001 - reported by the test
            errors.append(error)

    threads = [threading.Thread(target=write, args=(calls[k::4],)) for k in range(4)]
    threads += [threading.Thread(target=reply, args=(k,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with Session(engine) as session:
        by_persona = {r.key: r for r in rollup_queries.breakdown(session, EVERYONE, "persona")}
        assert by_persona["guide"].replies >= 40
    _assert_rollup_matches_exact(engine)
