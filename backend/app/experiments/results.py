"""An experiment's outcomes per variant, from two SQL aggregates that run alike on
PostgreSQL and SQLite: one row per conversation (its user turns, interrupted replies, mean
voice-to-voice latency, rating and whether it had an error), then sums and sums of squares
per variant. The unit of analysis is the conversation: turns of one call are not
independent, so a call's latency is its mean over its replies."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import Float, Select, case, cast, func, select
from sqlalchemy.orm import Session

from app.experiments.assignment import variants_of
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


def results(session: Session, experiment: Experiment) -> ExperimentResults:
    rows = {row.variant_key: row for row in session.execute(_per_variant(experiment))}
    variants = variants_of(experiment)
    control = rows.get(variants[0].key)

    def share(row: object, successes: str, total: str) -> tuple[int, int]:
        return (int(getattr(row, successes) or 0), int(getattr(row, total) or 0))

    def moments(row: object, name: str, count: str) -> Moments | None:
        if row is None:
            return None
        return Moments.from_sums(
            int(getattr(row, count) or 0),
            float(getattr(row, f"{name}_sum") or 0.0),
            float(getattr(row, f"{name}_sq") or 0.0),
        )

    def share_metric(row: object, successes: str, total: str, is_control: bool) -> ExperimentMetric:
        k, n = share(row, successes, total) if row is not None else (0, 0)
        p = None
        if not is_control and control is not None:
            p = two_proportion_p(*share(control, successes, total), k, n)
        return _metric(n, wilson(k, n), p)

    def mean_metric(row: object, name: str, count: str, is_control: bool) -> ExperimentMetric:
        sample = moments(row, name, count)
        base = moments(control, name, count)
        p = None
        if not is_control and sample is not None and base is not None:
            p = welch_p(base, sample)
        if sample is None:
            return _metric(0, None, p)
        interval = mean_interval(sample)  # None for one conversation: its mean alone
        return _metric(sample.n, interval, p, value=sample.mean)

    out: list[VariantResult] = []
    for index, variant in enumerate(variants):
        row = rows.get(variant.key)
        is_control = index == 0
        out.append(
            VariantResult(
                key=variant.key,
                split=variant.split,
                conversations=int(row.conversations) if row is not None else 0,
                rating_up=share_metric(row, "ups", "rated", is_control),
                error_rate=share_metric(row, "with_errors", "conversations", is_control),
                v2v_ms=mean_metric(row, "v2v", "v2v_n", is_control),
                turns=mean_metric(row, "turns", "conversations", is_control),
                interruptions=mean_metric(row, "interruptions", "conversations", is_control),
            )
        )
    return ExperimentResults(
        experiment_id=str(experiment.id),
        control=variants[0].key,
        alpha=ALPHA,
        method=METHOD,
        variants=out,
    )


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
