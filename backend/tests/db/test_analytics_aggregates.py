"""The analytics aggregates and their routes on seeded conversations with known figures, on
SQLite and PostgreSQL: per day, latency percentiles, errors by source, breakdowns, ratings,
comments, CSV, the date range's limits, and who sees whose figures."""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from app import crud, ratings
from app.analytics import rollup
from app.api.deps import OPERATOR_ONLY_DETAIL
from app.core.security import user_id_for_key
from app.core.services import services_of
from app.models import Conversation
from app.schemas import Thumb

pytestmark = pytest.mark.db

Headers = dict[str, str]
ClientFactory = Callable[..., TestClient]
ALICE_KEY = "alice-api-key-0123456789"  # tests/db/conftest.py
ALICE = user_id_for_key(ALICE_KEY)
DAY1 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
RANGE = {"from": "2026-01-01", "to": "2026-01-03"}


@dataclass
class Seed:
    user: str
    started: dt.datetime
    choices: dict[str, str]
    provider: str | None = None
    duration_s: int | None = None  # None: still active
    turns: list[float | None] = field(default_factory=list)  # each turn's reply v2v (ms)
    interrupted: int = 0  # the first n replies were cut off
    events: list[tuple[str, str]] = field(default_factory=list)  # (kind, source)
    rating: tuple[Thumb, str] | None = None  # (score, comment)


def _choices(persona: str, voice: str, language: str) -> dict[str, str]:
    return {"persona": persona, "voice": voice, "language": language}


SEEDS = [
    Seed(
        ALICE,
        DAY1 + dt.timedelta(hours=10),
        _choices("guide", "v1", "en"),
        provider="local",
        duration_s=60,
        turns=[100.0, 300.0],
        interrupted=1,
        events=[("error", "stt")],
        rating=("up", "great"),
    ),
    Seed(
        ALICE,
        DAY1 + dt.timedelta(hours=12),
        _choices("coach", "v1", "en"),
        provider="openai",
        duration_s=120,
        turns=[500.0],
        events=[("fallback", "llm"), ("error", "llm"), ("info", "agent")],
        rating=("down", "slow"),
    ),
    Seed(
        "someone-else",
        DAY1 + dt.timedelta(days=2, hours=9),
        _choices("guide", "v2", "de"),
        turns=[200.0, 400.0, 600.0, None],
        rating=("up", ""),
    ),
    Seed(  # the day before the range: never counted
        ALICE,
        DAY1 - dt.timedelta(hours=1),
        _choices("guide", "v1", "en"),
        provider="local",
        duration_s=30,
        turns=[50.0],
        events=[("error", "tts")],
        rating=("down", "old"),
    ),
]


def _seed(client: TestClient, seeds: list[Seed]) -> list[str]:
    """The conversations, written through the same crud functions the routes use."""
    factory: sessionmaker[Session] = services_of(client.app).sessionmaker
    ids = []
    with factory() as session:
        for n, seed in enumerate(seeds):
            conversation, _ = crud.create_conversation(
                session, user_id=seed.user, metadata=seed.choices, max_per_user=100
            )
            cid = conversation.id
            ids.append(str(cid))
            ended = seed.duration_s is not None
            with rollup.tracked(session, cid):  # the rollup follows the moved start
                session.execute(
                    update(Conversation)
                    .where(Conversation.id == cid)
                    .values(
                        started_at=seed.started,
                        status="ended" if ended else "active",
                        ended_at=seed.started + dt.timedelta(seconds=seed.duration_s or 0)
                        if ended
                        else None,
                    )
                )
            if seed.provider:
                _event(session, cid, "p", "info", "agent", f"providers: {seed.provider}", seed)
            for k, (kind, source) in enumerate(seed.events):
                _event(session, cid, f"e{k}", kind, source, "boom", seed)
            batch = []
            for t, v2v in enumerate(seed.turns):
                at = seed.started + dt.timedelta(seconds=10 * t)
                batch.append(_message(f"u{t}", "user", at, {}, interrupted=False))
                latency = {"e2e_ms": v2v, "ttft_ms": 1.0} if v2v is not None else {}
                reply = _message(
                    f"a{t}", "assistant", at, latency, interrupted=t < seed.interrupted
                )
                if n % 2:  # both write paths: one message at a time, and a batch
                    crud.upsert_message(session, conversation_id=cid, **reply)
                else:
                    batch.append(reply)
            crud.upsert_messages(session, conversation_id=cid, messages=batch)
            crud.upsert_messages(session, conversation_id=cid, messages=batch)  # a replay
            if seed.rating:
                score, comment = seed.rating
                ratings.put(
                    session, conversation_id=cid, score=ratings.SCORES[score], comment=comment
                )
            session.commit()
    return ids


def _message(
    mid: str, role: str, at: dt.datetime, latency: dict[str, float], *, interrupted: bool
) -> dict[str, Any]:
    return {
        "message_id": mid,
        "role": role,
        "text": "hi",
        "latency": latency,
        "interrupted": interrupted,
        "created_at": at + dt.timedelta(seconds=1 if role == "assistant" else 0),
    }


def _event(
    session: Session, cid: Any, eid: str, kind: str, source: str, detail: str, seed: Seed
) -> None:
    crud.upsert_event(
        session,
        conversation_id=cid,
        event_id=eid,
        kind=kind,
        source=source,
        detail=detail,
        turn_id=None,
        created_at=seed.started,
    )


@pytest.fixture
def operator(make_client: ClientFactory) -> TestClient:
    """The no-login mode's local user: an operator."""
    return make_client(api_keys=())


@pytest.fixture
def seeded(operator: TestClient) -> list[str]:
    return _seed(operator, SEEDS)


def _report(client: TestClient, headers: Headers | None = None, **params: str) -> dict[str, Any]:
    response = client.get("/api/analytics", params={**RANGE, **params}, headers=headers or {})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _breakdown(rows: list[dict[str, Any]]) -> dict[str | None, tuple[Any, ...]]:
    names = ("conversations", "avg_turns", "avg_duration_s", "interruptions", "errors")
    more = ("fallbacks", "replies", "p50_ms", "p95_ms", "up", "down")
    return {row["key"]: tuple(row[n] for n in (*names, *more)) for row in rows}


def test_per_day_counts_turns_duration_interruptions_errors(
    operator: TestClient, seeded: list[str]
) -> None:
    report = _report(operator, scope="all")
    assert (report["from"], report["to"], report["scope"]) == ("2026-01-01", "2026-01-03", "all")
    days = [{k: v for k, v in row.items()} for row in report["days"]]
    assert days == [
        {
            "day": "2026-01-01",
            "conversations": 2,
            "turns": 3,
            "avg_turns": 1.5,
            "avg_duration_s": 90.0,
            "interruptions": 1,
            "errors": 2,
            "fallbacks": 1,
        },
        {
            "day": "2026-01-03",
            "conversations": 1,
            "turns": 4,
            "avg_turns": 4.0,
            "avg_duration_s": None,  # still active
            "interruptions": 0,
            "errors": 0,
            "fallbacks": 0,
        },
    ]


def test_latency_percentiles_per_day_interpolate_like_percentile_cont(
    operator: TestClient, seeded: list[str]
) -> None:
    # Everyone's figures come from the rollup's histogram, whose percentiles may be off by a
    # bucket's width (test_analytics_rollup.py); each reply here is alone in its bucket, and
    # a lone value is read exactly, so these are percentile_cont's own figures.
    latency = _report(operator, scope="all")["latency"]
    assert latency == [
        {"day": "2026-01-01", "replies": 3, "p50_ms": 300.0, "p95_ms": 480.0},
        {"day": "2026-01-03", "replies": 3, "p50_ms": 400.0, "p95_ms": 580.0},
    ]


def test_errors_and_fallbacks_by_source(operator: TestClient, seeded: list[str]) -> None:
    assert _report(operator, scope="all")["errors"] == [
        {"source": "llm", "errors": 1, "fallbacks": 1},
        {"source": "stt", "errors": 1, "fallbacks": 0},
    ]


def test_ratings_share_and_the_newest_comments_first(
    operator: TestClient, seeded: list[str]
) -> None:
    report = _report(operator, scope="all")
    assert report["ratings"] == {"up": 2, "down": 1, "up_share": 0.6667}
    comments = [(c["conversation_id"], c["score"], c["comment"]) for c in report["comments"]]
    assert comments == [(seeded[1], "down", "slow"), (seeded[0], "up", "great")]


def test_breakdowns_by_persona_provider_language_and_the_totals(
    operator: TestClient, seeded: list[str]
) -> None:
    by_persona = _report(operator, scope="all", by="persona")
    assert _breakdown(by_persona["breakdown"]) == {
        "guide": (2, 3.0, 60.0, 1, 1, 0, 5, 300.0, 560.0, 2, 0),
        "coach": (1, 1.0, 120.0, 0, 1, 1, 1, 500.0, 500.0, 0, 1),
    }
    assert [row["key"] for row in by_persona["breakdown"]] == ["guide", "coach"]
    assert _breakdown([by_persona["totals"]]) == {
        None: (3, 2.33, 90.0, 1, 2, 1, 6, 350.0, 575.0, 2, 1)
    }
    by_provider = _breakdown(_report(operator, scope="all", by="provider")["breakdown"])
    assert {k: v[0] for k, v in by_provider.items()} == {"local": 1, "openai": 1, None: 1}
    by_language = _breakdown(_report(operator, scope="all", by="language")["breakdown"])
    assert {k: (v[0], v[6]) for k, v in by_language.items()} == {"en": (2, 3), "de": (1, 3)}
    by_voice = _breakdown(_report(operator, scope="all", by="voice")["breakdown"])
    assert {k: v[0] for k, v in by_voice.items()} == {"v1": 2, "v2": 1}


def test_a_user_sees_only_their_own_and_never_everyones(
    make_client: ClientFactory, seeded: list[str], alice: Headers, bob: Headers
) -> None:
    keyed = make_client()
    mine = _report(keyed, alice)
    assert mine["scope"] == "mine"
    assert [(d["day"], d["conversations"]) for d in mine["days"]] == [("2026-01-01", 2)]
    assert mine["totals"]["conversations"] == 2
    assert [row["day"] for row in mine["latency"]] == ["2026-01-01"]
    assert mine["ratings"] == {"up": 1, "down": 1, "up_share": 0.5}

    nothing = _report(keyed, bob)
    assert (nothing["days"], nothing["latency"], nothing["comments"]) == ([], [], [])
    assert nothing["totals"]["conversations"] == 0 and nothing["ratings"]["up_share"] is None

    for url in ("/api/analytics", "/api/analytics/days.csv"):
        refused = keyed.get(url, params={**RANGE, "scope": "all"}, headers=alice)
        assert (refused.status_code, refused.json()) == (403, {"detail": OPERATOR_ONLY_DETAIL})


def test_an_operators_own_scope_is_their_own(operator: TestClient, seeded: list[str]) -> None:
    assert _report(operator)["totals"]["conversations"] == 0  # "local" has none


def test_csv_export_of_each_table(operator: TestClient, seeded: list[str]) -> None:
    response = operator.get("/api/analytics/days.csv", params={**RANGE, "scope": "all"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    disposition = response.headers["content-disposition"]
    assert disposition == 'attachment; filename="analytics-days-2026-01-01-2026-01-03.csv"'
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows == [
        ["day", "conversations", "turns", "avg_turns", "avg_duration_s", "interruptions"]
        + ["errors", "fallbacks"],
        ["2026-01-01", "2", "3", "1.5", "90.0", "1", "2", "1"],
        ["2026-01-03", "1", "4", "4.0", "", "0", "0", "0"],
    ]
    params = {**RANGE, "scope": "all", "by": "provider"}
    breakdown = operator.get("/api/analytics/breakdown.csv", params=params).text
    assert [row["key"] for row in csv.DictReader(io.StringIO(breakdown))] == [
        "",
        "local",
        "openai",
    ]
    comments = operator.get("/api/analytics/comments.csv", params={**RANGE, "scope": "all"})
    assert [row["comment"] for row in csv.DictReader(io.StringIO(comments.text))] == [
        "slow",
        "great",
    ]
    assert operator.get("/api/analytics/nothing.csv").status_code == 422


@pytest.mark.parametrize(
    ("params", "detail"),
    [
        ({"from": "2026-01-03", "to": "2026-01-01"}, "'from' is after 'to'"),
        (
            {"from": "2025-01-01", "to": "2026-01-02"},
            "the date range is longer than 366 days (BACKEND_ANALYTICS_MAX_DAYS)",
        ),
        ({"to": "0001-01-05"}, "dates must be from 1970-01-01 to 9999-12-30"),
        ({"from": "9999-12-31", "to": "9999-12-31"}, "dates must be from 1970-01-01 to 9999-12-30"),
    ],
)
def test_a_bad_range_is_422_with_a_clear_detail(
    operator: TestClient, params: dict[str, str], detail: str
) -> None:
    response = operator.get("/api/analytics", params=params)
    assert (response.status_code, response.json()) == (422, {"detail": detail})


def test_the_default_range_is_the_last_30_days_and_the_limit_is_a_setting(
    make_client: ClientFactory,
) -> None:
    client = make_client(api_keys=(), analytics_max_days=7)
    today = dt.datetime.now(dt.UTC).date()
    report = client.get("/api/analytics").json()
    assert report["to"] == today.isoformat()
    assert report["from"] == (today - dt.timedelta(days=6)).isoformat()  # capped at 7 days
    wide = client.get("/api/analytics", params={"from": "2026-01-01", "to": "2026-01-08"})
    assert wide.status_code == 422


def test_the_providers_event_and_choices_fill_the_conversation(
    operator: TestClient, seeded: list[str]
) -> None:
    factory: sessionmaker[Session] = services_of(operator.app).sessionmaker
    with factory() as session:
        first = session.get(Conversation, uuid.UUID(seeded[0]))
        assert first is not None
        row = (first.persona, first.voice, first.language, first.provider)
        assert row == ("guide", "v1", "en", "local")
        assert (first.turns, first.interruptions, first.errors, first.fallbacks) == (2, 1, 1, 0)
