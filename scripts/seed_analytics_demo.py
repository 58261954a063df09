"""Seed a backend database with a month of made-up calls for the analytics page: to try the
page, and for the e2e run's screenshots (web/e2e/analytics.spec.ts).

    .venv/bin/python scripts/seed_analytics_demo.py sqlite:///.run/backend.db [--days 30]

Writes through the backend's own crud functions (so every analytics column is kept as the
routes keep it), for users named ``demo-1`` to ``demo-5``: a few calls a day ending today,
each with turns, reply latencies, an interruption now and then, some errors and fallbacks,
and a rating on about half of them. Deterministic (a fixed random seed); a database that
already has demo calls is left as it is.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import uuid
from pathlib import Path

from sqlalchemy import create_engine, select, update
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "backend"))

from app import crud, ratings  # noqa: E402
from app.analytics import rollup  # noqa: E402
from app.models import Conversation  # noqa: E402

PERSONAS = ("assistant", "tutor", "coach")
VOICES = ("default", "amy")
PROVIDERS = ("local", "local", "openai")
COMMENTS = ("Quick and clear.", "It talked over me.", "Great answers.", "A bit slow today.")


def seed(url: str, days: int) -> int:
    rng = random.Random(17)
    today = dt.datetime.now(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    engine = create_engine(url)
    count = 0
    with Session(engine) as session:
        demo = select(Conversation.id).where(Conversation.user_id.like("demo-%")).limit(1)
        if session.scalar(demo) is not None:
            return 0
        for back in range(days - 1, -1, -1):
            day = today - dt.timedelta(days=back)
            for _ in range(rng.randint(1, 3 + (days - back) // 6)):
                started = day + dt.timedelta(minutes=rng.randint(0, 23 * 60))
                started = min(started, dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10))
                _call(session, rng, started)
                count += 1
        session.commit()
    engine.dispose()
    return count


def _call(session: Session, rng: random.Random, started: dt.datetime) -> None:
    choices = {"persona": rng.choice(PERSONAS), "voice": rng.choice(VOICES), "language": "en"}
    conversation, _ = crud.create_conversation(
        session,
        user_id=f"demo-{rng.randint(1, 5)}",
        metadata=choices,
        max_per_user=1_000_000,
        room_name=f"demo-{uuid.uuid4().hex[:12]}",
    )
    cid = conversation.id
    turns = rng.randint(2, 9)
    with rollup.tracked(session, cid):  # the rollup follows the moved start
        session.execute(
            update(Conversation)
            .where(Conversation.id == cid)
            .values(
                started_at=started,
                status="ended",
                ended_at=started + dt.timedelta(seconds=turns * rng.randint(8, 20)),
            )
        )
    _event(
        session, cid, "providers", "info", "agent", f"providers: {rng.choice(PROVIDERS)}", started
    )
    if rng.random() < 0.15:
        source = rng.choice(("stt", "llm", "tts"))
        _event(session, cid, "e1", "error", source, "timed out", started)
        if source == "llm":
            _event(session, cid, "f1", "fallback", "llm", "openai -> local", started)
    messages = []
    slow = 1.0 + 0.6 * rng.random() * (started.day % 5 == 0)
    for t in range(turns):
        at = started + dt.timedelta(seconds=10 * t)
        v2v = round((380 + rng.expovariate(1 / 160)) * slow, 1)
        for role, latency in (("user", {}), ("assistant", {"e2e_ms": v2v})):
            messages.append(
                {
                    "message_id": f"{role[0]}{t}",
                    "role": role,
                    "text": "…",
                    "latency": latency,
                    "interrupted": role == "assistant" and rng.random() < 0.08,
                    "created_at": at + dt.timedelta(seconds=2 if role == "assistant" else 0),
                }
            )
    crud.upsert_messages(session, conversation_id=cid, messages=messages)
    if rng.random() < 0.5:
        up = rng.random() < 0.75
        comment = rng.choice(COMMENTS) if rng.random() < 0.3 else ""
        rating = ratings.put(session, conversation_id=cid, score=1 if up else -1, comment=comment)
        rating.rated_at = started + dt.timedelta(minutes=5)  # rated as the call ended
        session.flush()


def _event(
    session: Session, cid: uuid.UUID, eid: str, kind: str, source: str, detail: str, at: dt.datetime
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database_url")
    parser.add_argument("--days", type=int, default=30)
    args = parser.parse_args()
    print(f"seeded {seed(args.database_url, args.days)} conversations")


if __name__ == "__main__":
    main()
