"""An experiment's outcomes per variant, from two SQL aggregates that run alike on
PostgreSQL and SQLite: one row per conversation (its user turns, interrupted replies, mean
voice-to-voice latency, rating and whether it had an error), then sums and sums of squares
per variant. The unit of analysis is the conversation: turns of one call are not
independent, so a call's latency is its mean over its replies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import Float, Row, Select, case, cast, func, select
from sqlalchemy.orm import Session

from app.experiments.assignment import variants_of
from app.experiments.schemas import ExperimentVariant
from app.experiments.stats import (
    ALPHA,
    Interval,
    Moments,
    mean_interval,
    two_proportion_p,
    welch_p,
    wilson,
)
from app.models import Conversation, ConversationEvent, ConversationRating, Experiment, Message

V2V_KEY = "e2e_ms"  # messages.latency: end of the user's speech to the agent's first audio
METHOD = (
    "Shares: Wilson 95 % interval, two-sided two-proportion z-test against the control. "
    "Means per conversation: Student t 95 % interval, two-sided Welch t-test against the "
    f"control. Significant: p < {ALPHA}, each metric on its own (no correction for the "
    "several comparisons: expect about one false positive in twenty)."
)


class ExperimentMetric(BaseModel):
    n: int = Field(description="Conversations behind the figure (rated ones for ratings).")
    value: float | None
    low: float | None = Field(description="95 % confidence interval, lower end.")
    high: float | None
    p_value: float | None = Field(description="Against the control; None for the control.")
    significant: bool


class VariantResult(BaseModel):
    key: str
    split: int
    conversations: int
    rating_up: ExperimentMetric = Field(description="Share of rated conversations rated thumbs up.")
    error_rate: ExperimentMetric = Field(description="Share of conversations with an error event.")
    v2v_ms: ExperimentMetric = Field(
        description="Mean voice-to-voice latency per conversation (ms)."
    )
    turns: ExperimentMetric = Field(description="Mean user turns per conversation.")
    interruptions: ExperimentMetric = Field(
        description="Mean interrupted replies per conversation."
    )


class ExperimentResults(BaseModel):
    experiment_id: str
    control: str
    alpha: float
    method: str
    variants: list[VariantResult]


@dataclass(frozen=True, slots=True)
class _Sums:
    """One variant's row of the aggregate, as counts and samples."""

    conversations: int = 0
    with_errors: int = 0
    rated: int = 0
    ups: int = 0
    turns: Moments | None = None
    interruptions: Moments | None = None
    v2v: Moments | None = None

    @classmethod
    def of(cls, row: Row[Any]) -> _Sums:
        n = int(row.conversations)

        def sample(name: str, count: int) -> Moments | None:
            total, squares = getattr(row, f"{name}_sum"), getattr(row, f"{name}_sq")
            return Moments.from_sums(count, float(total or 0.0), float(squares or 0.0))

        return cls(
            conversations=n,
            with_errors=int(row.with_errors or 0),
            rated=int(row.rated or 0),
            ups=int(row.ups or 0),
            turns=sample("turns", n),
            interruptions=sample("interruptions", n),
            v2v=sample("v2v", int(row.v2v_n or 0)),
        )


def results(session: Session, experiment: Experiment) -> ExperimentResults:
    sums = {row.variant_key: _Sums.of(row) for row in session.execute(_per_variant(experiment))}
    variants = variants_of(experiment)
    control = sums.get(variants[0].key, _Sums())
    return ExperimentResults(
        experiment_id=str(experiment.id),
        control=variants[0].key,
        alpha=ALPHA,
        method=METHOD,
        variants=[
            _variant(v, sums.get(v.key, _Sums()), None if i == 0 else control)
            for i, v in enumerate(variants)
        ],
    )


def _variant(variant: ExperimentVariant, s: _Sums, control: _Sums | None) -> VariantResult:
    """The variant's metrics; ``control`` None: this is the control (no tests)."""
    c = control
    return VariantResult(
        key=variant.key,
        split=variant.split,
        conversations=s.conversations,
        rating_up=_share(s.ups, s.rated, (c.ups, c.rated) if c else None),
        error_rate=_share(
            s.with_errors, s.conversations, (c.with_errors, c.conversations) if c else None
        ),
        v2v_ms=_mean(s.v2v, c.v2v if c else None),
        turns=_mean(s.turns, c.turns if c else None),
        interruptions=_mean(s.interruptions, c.interruptions if c else None),
    )


def _share(k: int, n: int, base: tuple[int, int] | None) -> ExperimentMetric:
    p = two_proportion_p(*base, k, n) if base is not None else None
    return _metric(n, wilson(k, n), p)


def _mean(sample: Moments | None, base: Moments | None) -> ExperimentMetric:
    if sample is None:
        return _metric(0, None, None)
    p = welch_p(base, sample) if base is not None else None
    # one conversation: its mean alone, no interval
    return _metric(sample.n, mean_interval(sample), p, value=sample.mean)


def _metric(
    n: int, interval: Interval | None, p: float | None, *, value: float | None = None
) -> ExperimentMetric:
    return ExperimentMetric(
        n=n,
        value=interval.value if interval else value,
        low=interval.low if interval else None,
        high=interval.high if interval else None,
        p_value=p,
        significant=p is not None and p < ALPHA,
    )


def _per_variant(experiment: Experiment) -> Select[Any]:
    """Sums per variant over one row per conversation of the experiment."""
    ours = Conversation.experiment_id == experiment.id
    messages = (
        select(
            Message.conversation_id.label("cid"),
            func.sum(case((Message.role == "user", 1), else_=0)).label("turns"),
            func.sum(case((Message.interrupted.is_(True), 1), else_=0)).label("interruptions"),
            func.avg(Message.latency[V2V_KEY].as_float()).label("v2v"),
        )
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(ours)
        .group_by(Message.conversation_id)
        .subquery()
    )
    errors = (
        select(ConversationEvent.conversation_id.label("cid"))
        .join(Conversation, Conversation.id == ConversationEvent.conversation_id)
        .where(ours, ConversationEvent.kind == "error")
        .group_by(ConversationEvent.conversation_id)
        .subquery()
    )
    turns = func.coalesce(messages.c.turns, 0)
    interruptions = func.coalesce(messages.c.interruptions, 0)
    v2v = cast(messages.c.v2v, Float)
    score = ConversationRating.score
    per_conversation = (
        select(
            Conversation.variant_key.label("variant_key"),
            turns.label("turns"),
            interruptions.label("interruptions"),
            v2v.label("v2v"),
            score.label("score"),
            case((errors.c.cid.is_not(None), 1), else_=0).label("errored"),
        )
        .outerjoin(messages, messages.c.cid == Conversation.id)
        .outerjoin(errors, errors.c.cid == Conversation.id)
        .outerjoin(ConversationRating, ConversationRating.conversation_id == Conversation.id)
        .where(ours)
        .subquery()
    )
    c = per_conversation.c
    return select(
        c.variant_key,
        func.count().label("conversations"),
        func.sum(c.errored).label("with_errors"),
        func.count(c.score).label("rated"),
        func.sum(case((c.score > 0, 1), else_=0)).label("ups"),
        func.sum(c.turns).label("turns_sum"),
        func.sum(c.turns * c.turns).label("turns_sq"),
        func.sum(c.interruptions).label("interruptions_sum"),
        func.sum(c.interruptions * c.interruptions).label("interruptions_sq"),
        func.count(c.v2v).label("v2v_n"),
        func.sum(c.v2v).label("v2v_sum"),
        func.sum(c.v2v * c.v2v).label("v2v_sq"),
    ).group_by(c.variant_key)
