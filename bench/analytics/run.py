"""Analytics query times on a year of data: 100,000 conversations and 2,000,000 messages.

Starts its own PostgreSQL on a free loopback port (as the tests do), migrates it, and seeds
it inside the server with ``INSERT ... SELECT FROM generate_series`` (no rows cross the
socket: a couple of minutes at most on two cores): conversations spread evenly over 365
days, 500 users, 4 personas, 3 voices, 3 languages and 3 providers; 20 messages each (10
turns; every reply with a voice-to-voice figure, some interrupted); errors and fallbacks on
1 in 10 and 1 in 25 conversations; a rating on 3 in 10, a comment on 1 in 10 (at migration
0009). Then VACUUM ANALYZE, migration 0010 (which builds the analytics rollup from those rows),
and every aggregate as the routes run it (app/analytics/report.py: everyone's figures from the
rollup, one user's from the exact queries) a few times over three ranges: the whole year for
everyone (an operator's widest view), the last 30 days for everyone (the page's default), and
one user's whole year.

Prints a table of median and p95 query times and appends it to docs/benchmarks.md (unless
--no-record; a record needs a clean tree, see bench/machine.py).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "backend"))
sys.path.insert(0, str(ROOT / "backend" / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

from app.analytics import queries, report  # noqa: E402
from app.analytics.dates import DateRange  # noqa: E402
from app.analytics.filters import Filter  # noqa: E402
from app.core import migrate  # noqa: E402
from live_servers import start_postgres  # noqa: E402
from machine import add_record_options, append_record, may_record  # noqa: E402
from stats import median, quantile  # noqa: E402

FIRST_DAY = dt.date(2025, 12, 1)
DAYS = 365
TARGET_MS = 200.0
ROLLUP_REVISION_BEFORE = "0009"  # seeded at this revision; 0010 then builds the rollup

SEED = [
    """
INSERT INTO conversations (id, room_name, user_id, status, started_at, ended_at,
    room_metadata, persona, voice, language, provider, turns, interruptions, errors, fallbacks)
SELECT md5('c' || i)::uuid, 'bench-' || i, 'user-' || (i % 500), 'ended', t,
    t + make_interval(secs => 60 + i % 600),
    json_build_object('persona', p, 'voice', v, 'language', l), p, v, l,
    (ARRAY['local', 'openai', 'stt=local llm=openai tts=local'])[1 + i % 3],
    :messages / 2, i % 3, (i % 10 = 0)::int, (i % 25 = 0)::int
FROM generate_series(1, :conversations) AS i,
    LATERAL (SELECT CAST(:first AS timestamptz)
        + make_interval(secs => (i::float8 / :conversations) * :days * 86400) AS t,
        (ARRAY['assistant', 'tutor', 'coach', 'guide'])[1 + i % 4] AS p,
        (ARRAY['amy', 'ryan', 'alba'])[1 + (i / 4) % 3] AS v,
        (ARRAY['en', 'de', 'fr'])[1 + (i / 7) % 3] AS l) AS x
""",
    # v differs per reply (400-1500 ms, most near the low end) and is the same on every run. It
    # used to be random() in an uncorrelated LATERAL, which PostgreSQL evaluates once: every
    # reply had the same figure (the records up to 2026-11-30 14:35 UTC).
    """
INSERT INTO messages (conversation_id, message_id, role, text, created_at, latency,
    interrupted, v2v_ms)
SELECT c.id, 'm' || k, CASE WHEN k % 2 = 0 THEN 'user' ELSE 'assistant' END,
    'What is the weather like in Paris today?', c.started_at + make_interval(secs => k * 3),
    CASE WHEN k % 2 = 1 THEN json_build_object('e2e_ms', v, 'ttft_ms', v / 3)
        ELSE '{}'::json END,
    k % 2 = 1 AND k / 2 < c.interruptions, CASE WHEN k % 2 = 1 THEN v END
FROM conversations c, generate_series(0, :messages - 1) AS k,
    LATERAL (SELECT round((400 + 1100 * abs(hashtext(c.room_name || '/' || k) % 1000) / 1000.0
        * abs(hashtext(k || '/' || c.room_name) % 1000) / 1000.0)::numeric, 1)::float8 AS v) AS r
""",
    """
INSERT INTO conversation_events (conversation_id, event_id, kind, source, detail, created_at)
SELECT id, 'e', 'error', (ARRAY['stt', 'llm', 'tts', 'backend'])[1 + (turns + errors) % 4],
    'timed out', started_at + interval '10 seconds'
FROM conversations WHERE errors > 0
UNION ALL
SELECT id, 'f', 'fallback', 'llm', 'openai -> local', started_at + interval '11 seconds'
FROM conversations WHERE fallbacks > 0
""",
    """
INSERT INTO conversation_ratings (conversation_id, score, comment, rated_at)
SELECT id, CASE WHEN hashtext(room_name) % 10 < 7 THEN 1 ELSE -1 END,
    CASE WHEN hashtext(room_name) % 3 = 0 THEN 'It answered quickly.' ELSE '' END, ended_at
FROM conversations WHERE abs(hashtext(room_name)) % 10 < 3
""",
]


def seed(url: str, conversations: int, messages: int) -> float:
    params = {
        "conversations": conversations,
        "messages": messages,
        "first": FIRST_DAY.isoformat(),
        "days": DAYS,
    }
    engine = create_engine(url)
    start = time.perf_counter()
    with engine.begin() as conn:
        for statement in SEED:
            conn.execute(text(statement), params)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()
    return time.perf_counter() - start


def build_rollup(url: str) -> float:
    """Migration 0010 builds the rollup from the seeded rows (as on an upgrade)."""
    start = time.perf_counter()
    migrate.upgrade(url)
    engine = create_engine(url)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE analytics_days, analytics_latency"))
        rows = conn.scalar(text("SELECT count(*) FROM analytics_latency WHERE dim = 'all'"))
    engine.dispose()
    print(f"bench: {rows:,} histogram rows (days x buckets) for everyone", flush=True)
    return time.perf_counter() - start


def cases(last: dt.date) -> dict[str, Filter]:
    year = DateRange(FIRST_DAY, FIRST_DAY + dt.timedelta(days=DAYS - 1))
    month = DateRange(last - dt.timedelta(days=29), last)
    return {
        "year, everyone": Filter(year, None),
        "30 days, everyone": Filter(month, None),
        "year, one user": Filter(year, "user-7"),
    }


# What the routes run: everyone's per-day, latency and breakdown figures from the rollup,
# one user's from the exact queries (app/analytics/report.py).
QUERIES: dict[str, Callable[[Session, Filter], Any]] = {
    "per day": lambda s, f: report.source(f).days(s, f),
    "latency p50/p95 per day": lambda s, f: report.source(f).latency(s, f),
    "errors by source": queries.errors,
    "totals": lambda s, f: report.source(f).totals(s, f),
    "by persona": lambda s, f: report.source(f).breakdown(s, f, "persona"),
    "by voice": lambda s, f: report.source(f).breakdown(s, f, "voice"),
    "by provider": lambda s, f: report.source(f).breakdown(s, f, "provider"),
    "by language": lambda s, f: report.source(f).breakdown(s, f, "language"),
    "ratings": queries.ratings,
    "comments": queries.comments,
}


def measure(url: str, runs: int) -> list[tuple[str, str, float, float]]:
    engine = create_engine(url)
    rows = []
    last = FIRST_DAY + dt.timedelta(days=DAYS - 1)
    with Session(engine) as session:
        for case, where in cases(last).items():
            for name, query in QUERIES.items():
                query(session, where)  # warm: the plan and the cache
                times = []
                for _ in range(runs):
                    start = time.perf_counter()
                    query(session, where)
                    times.append((time.perf_counter() - start) * 1000)
                rows.append((case, name, median(times), quantile(times, 0.95)))
                print(f"{case:20} {name:26} {rows[-1][2]:8.1f} ms", flush=True)
    engine.dispose()
    return rows


def table(rows: list[tuple[str, str, float, float]]) -> str:
    lines = ["| range | query | median (ms) | p95 (ms) |", "|---|---|---|---|"]
    for case, name, p50, p95 in rows:
        mark = "" if p95 < TARGET_MS else " (over 200)"
        lines.append(f"| {case} | {name} | {p50:.1f} | {p95:.1f}{mark} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--messages-per-conversation", type=int, default=20)
    parser.add_argument("--runs", type=int, default=7)
    add_record_options(parser)
    args = parser.parse_args()
    clean = may_record(args)

    server = start_postgres()
    try:
        admin = create_engine(server.url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text('CREATE DATABASE "bench"'))
        admin.dispose()
        url = server.url("bench")
        migrate.upgrade(url, ROLLUP_REVISION_BEFORE)
        seconds = seed(url, args.conversations, args.messages_per_conversation)
        print(f"bench: seeded in {seconds:.0f} s", flush=True)
        rollup_s = build_rollup(url)
        print(f"bench: rollup built by the migration in {rollup_s:.0f} s", flush=True)
        rows = measure(url, args.runs)
    finally:
        server.stop()
    summary = table(rows)
    over = [f"{case}: {name}" for case, name, _, p95 in rows if p95 >= TARGET_MS]
    notes = (
        f"{args.conversations:,} conversations, "
        f"{args.conversations * args.messages_per_conversation:,} messages over {DAYS} days, "
        f"seeded in {seconds:.0f} s (VACUUM ANALYZE included), the rollup built by migration "
        f"0010 in {rollup_s:.0f} s; {args.runs} runs per query "
        f"after one warm-up. Target: p95 under {TARGET_MS:.0f} ms: "
        + ("all met." if not over else "over it: " + "; ".join(over) + ".")
    )
    print(summary)
    print(notes)
    if not args.no_record:
        append_record(
            "Analytics queries",
            "bench/analytics/run.py: PostgreSQL as the tests start it, seeded in-server, "
            "each app/analytics query timed from Python (SQLAlchemy, psycopg) on the same "
            "machine.",
            f"{summary}\n\n{notes}",
            clean=clean,
        )


if __name__ == "__main__":
    main()
