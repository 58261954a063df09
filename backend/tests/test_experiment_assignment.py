"""Sticky assignment: a user always lands in the same variant, users split close to the
percentages, and what a variant changes reaches the room's metadata."""

from __future__ import annotations

import json
import uuid
from collections import Counter

import pytest

from app.core.catalog import DEFAULT_CATALOG
from app.core.room_metadata import room_metadata
from app.experiments.assignment import Assignment, apply_to_choice, bucket, pick
from app.experiments.schemas import (
    ExperimentVariant,
    VariantOverrides,
    VariantProviders,
    VariantTurn,
)

pytestmark = pytest.mark.unit

VARIANTS = [
    ExperimentVariant(key="control", split=70),
    ExperimentVariant(key="b", split=20),
    ExperimentVariant(key="c", split=10),
]


def test_users_split_close_to_the_percentages_and_stay_put() -> None:
    experiment = uuid.UUID(int=17)
    users = [f"user-{i}" for i in range(20_000)]
    first = {u: pick(VARIANTS, bucket(experiment, u)).key for u in users}
    counts = Counter(first.values())
    # binomial sd for 20,000 at 10 %: 42 users; 4 sd bounds
    assert abs(counts["control"] - 14_000) < 260
    assert abs(counts["b"] - 4_000) < 230
    assert abs(counts["c"] - 2_000) < 170
    again = {u: pick(VARIANTS, bucket(experiment, u)).key for u in users}
    assert again == first


def test_another_experiment_shuffles_users_anew() -> None:
    users = [f"user-{i}" for i in range(2_000)]
    one = [pick(VARIANTS, bucket(uuid.UUID(int=1), u)).key for u in users]
    two = [pick(VARIANTS, bucket(uuid.UUID(int=2), u)).key for u in users]
    same = sum(a == b for a, b in zip(one, two, strict=True))
    # independent: 0.7² + 0.2² + 0.1² = 54 % agree; correlated would be ~100 %
    assert 0.48 < same / len(users) < 0.60


def test_pick_covers_every_bucket_in_order() -> None:
    assert pick(VARIANTS, 0).key == "control"
    assert pick(VARIANTS, 6_999).key == "control"
    assert pick(VARIANTS, 7_000).key == "b"
    assert pick(VARIANTS, 9_999).key == "c"


def test_the_variant_wins_over_the_users_choice_and_reaches_the_room() -> None:
    variant = ExperimentVariant(
        key="tutor",
        split=50,
        overrides=VariantOverrides(
            persona="tutor",
            greeting="Welcome to variant B!",
            voice="slow",
            turn=VariantTurn(min_delay_s=0.4, interruption_min_s=0.3),
            providers=VariantProviders(llm="openai"),
        ),
    )
    assigned = Assignment(experiment_id=uuid.UUID(int=3), variant=variant)
    chosen = {"persona": "concise", "voice": "fast", "language": "en"}
    stored = apply_to_choice(chosen, assigned)
    assert stored == {"persona": "tutor", "voice": "slow", "language": "en"}

    room = json.loads(room_metadata(DEFAULT_CATALOG, stored, experiment=assigned))
    tutor = DEFAULT_CATALOG.persona("tutor")
    assert tutor is not None
    assert room == {
        "persona": "tutor",
        "voice": "slow",
        "language": "en",
        "instructions": tutor.instructions,
        "greeting": "Welcome to variant B!",
        "record": False,
        "turn": {"min_delay_s": 0.4, "interruption_min_s": 0.3},
        "providers": {"llm": "openai"},
        "experiment": {"id": str(uuid.UUID(int=3)), "variant": "tutor"},
    }


def test_a_control_without_overrides_keeps_the_users_choice() -> None:
    assigned = Assignment(experiment_id=uuid.UUID(int=3), variant=VARIANTS[0])
    chosen = {"persona": "concise", "voice": "fast", "language": "en"}
    assert apply_to_choice(chosen, assigned) == chosen
    room = json.loads(room_metadata(DEFAULT_CATALOG, chosen, experiment=assigned))
    assert room["greeting"] == "Hi. What do you need?"
    assert "turn" not in room and "providers" not in room
    assert room["experiment"]["variant"] == "control"
