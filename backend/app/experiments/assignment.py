"""Sticky assignment of users to variants, and what a variant changes in a conversation.

A user's bucket is sha256("<experiment id>:<user id>") read as a number, modulo 10,000; the
variants own consecutive ranges of buckets in proportion to their splits, in their order.
The same user therefore lands in the same variant of an experiment on every call, and
different experiments shuffle users independently. The variant is stored on each new
conversation (``experiment_id``, ``variant_key``); a rejoin keeps it.

The experiment wins over the call setup: a persona or voice that the variant sets replaces
the one the user picked (stored on the conversation as what was used), so every
conversation of a variant had that variant's treatment. What the variant leaves unset
follows the user's choice.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from app.experiments import store
from app.experiments.schemas import ExperimentVariant, VariantOverrides
from app.models import Conversation, Experiment

BUCKETS = 10_000


@dataclass(frozen=True, slots=True)
class Assignment:
    experiment_id: uuid.UUID
    variant: ExperimentVariant


def bucket(experiment_id: uuid.UUID, user_id: str) -> int:
    digest = hashlib.sha256(f"{experiment_id}:{user_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % BUCKETS


def pick(variants: Sequence[ExperimentVariant], at: int) -> ExperimentVariant:
    """The variant whose range of buckets holds ``at`` (splits in percent, summing to 100)."""
    edge = 0
    for variant in variants:
        edge += variant.split * BUCKETS // 100
        if at < edge:
            return variant
    return variants[-1]


def variants_of(experiment: Experiment) -> list[ExperimentVariant]:
    return [ExperimentVariant.model_validate(v) for v in experiment.variants]


def assign(session: Session, *, user_id: str) -> Assignment | None:
    """The running experiment's variant for a new conversation of ``user_id`` (None: none)."""
    experiment = store.running(session)
    if experiment is None:
        return None
    variant = pick(variants_of(experiment), bucket(experiment.id, user_id))
    return Assignment(experiment_id=experiment.id, variant=variant)


def of_conversation(session: Session, conversation: Conversation) -> Assignment | None:
    """The variant a conversation was given (None: none, or its experiment was deleted)."""
    if conversation.experiment_id is None or conversation.variant_key is None:
        return None
    experiment = store.get(session, experiment_id=conversation.experiment_id)
    if experiment is None:
        return None
    for variant in variants_of(experiment):
        if variant.key == conversation.variant_key:
            return Assignment(experiment_id=experiment.id, variant=variant)
    return None


def apply_to_choice(choice: dict[str, str], assignment: Assignment | None) -> dict[str, str]:
    """The stored choice with the variant's persona and voice (the experiment wins)."""
    if assignment is None:
        return choice
    overrides = assignment.variant.overrides
    out = dict(choice)
    if overrides.persona is not None:
        out["persona"] = overrides.persona
    if overrides.voice is not None:
        out["voice"] = overrides.voice
    return out


def room_fields(assignment: Assignment) -> dict[str, Any]:
    """What the room metadata carries beyond the stored choice: the variant's own
    instructions and greeting (over the persona's), its turn settings and providers, and
    which it is."""
    overrides: VariantOverrides = assignment.variant.overrides
    fields: dict[str, Any] = {}
    if overrides.instructions is not None:
        fields["instructions"] = overrides.instructions
    if overrides.greeting is not None:
        fields["greeting"] = overrides.greeting
    if overrides.turn is not None and (turn := overrides.turn.model_dump(exclude_none=True)):
        fields["turn"] = turn
    if overrides.providers is not None and (
        providers := overrides.providers.model_dump(exclude_none=True)
    ):
        fields["providers"] = providers
    fields["experiment"] = {
        "id": str(assignment.experiment_id),
        "variant": assignment.variant.key,
    }
    return fields
