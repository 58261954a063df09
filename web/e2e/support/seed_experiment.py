"""Made-up calls for an experiment in the e2e stack's database, so that the Experiments
page's screenshot shows intervals and verdicts (web/e2e/experiments.spec.ts). Usage:
python seed_experiment.py EXPERIMENT_ID DATABASE_URL KEY=LATENCY_MS:UP_SHARE ..."""

from __future__ import annotations

import random
import sys
import uuid

from app.core.db import make_engine
from app.models import Conversation, ConversationEvent, ConversationRating, Message
from sqlalchemy.orm import Session

CALLS = 40


def seed(session: Session, experiment: uuid.UUID, key: str, latency_ms: float, up: float) -> None:
    rng = random.Random(key)  # the same calls on every run
    for i in range(CALLS):
        call = Conversation(
            room_name=f"seed-{uuid.uuid4().hex[:12]}",
            user_id=f"seed-{key}-{i}",
            status="ended",
            room_metadata={},
            experiment_id=experiment,
            variant_key=key,
        )
        session.add(call)
        session.flush()
        for turn in range(rng.randint(1, 5)):
            e2e = max(rng.gauss(latency_ms, 250.0), 200.0)
            for role, latency in (("user", {}), ("assistant", {"e2e_ms": round(e2e, 1)})):
                session.add(
                    Message(
                        conversation_id=call.id,
                        message_id=f"{turn}-{role}",
                        role=role,
                        text="(seeded)",
                        latency=latency,
                        interrupted=role == "assistant" and rng.random() < 0.15,
                    )
                )
        if rng.random() < 0.7:  # not every call is rated
            score = 1 if rng.random() < up else -1
            session.add(ConversationRating(conversation_id=call.id, score=score))
        if rng.random() < 0.08:
            session.add(
                ConversationEvent(
                    conversation_id=call.id,
                    event_id="e1",
                    kind="error",
                    source="llm",
                    detail="seeded",
                )
            )


def main(argv: list[str]) -> None:
    experiment, url, *variants = argv
    engine = make_engine(url)
    with Session(engine) as session:
        for spec in variants:
            key, figures = spec.split("=")
            latency_ms, up = figures.split(":")
            seed(session, uuid.UUID(experiment), key, float(latency_ms), float(up))
        session.commit()
    engine.dispose()


if __name__ == "__main__":
    main(sys.argv[1:])
