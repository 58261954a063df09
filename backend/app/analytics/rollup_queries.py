"""The everyone-scope aggregates read from the rollup (app/analytics/rollup.py) instead of
the conversations and messages: a year reads a few hundred rows per day at most. Counts and
sums equal the exact queries'; the latency percentiles come from the histogram
(app/analytics/histogram.py), within one bucket width of the exact ones."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from app.analytics import histogram
from app.analytics.dialect import Spread
from app.analytics.filters import Filter
from app.analytics.rollup import ALL, DAY_FIGURES, UNKNOWN
from app.analytics.schemas import BreakdownRow, DayRow, Dimension, LatencyRow
from app.models import AnalyticsDay, AnalyticsLatency


def _in_range(model: Any, where: Filter, dim: str) -> list[ColumnElement[bool]]:
    return [model.dim == dim, model.day >= where.range.first, model.day <= where.range.last]


def _sums() -> list[Any]:
    return [func.sum(getattr(AnalyticsDay, name)) for name in DAY_FIGURES]


def _avg_turns(conversations: int, turns: int) -> float | None:
    return round(turns / conversations, 2) if conversations else None


def _avg_duration_s(ended: int, duration_ms: int) -> float | None:
    """PostgreSQL sums a bigint as a numeric (a Decimal here)."""
    return round(int(duration_ms) / ended / 1000, 1) if ended else None


def days(session: Session, where: Filter) -> list[DayRow]:
    day = AnalyticsDay.day
    query = (
        select(day, *_sums())
        .where(*_in_range(AnalyticsDay, where, ALL))
        .group_by(day)
        .having(func.sum(AnalyticsDay.conversations) > 0)
        .order_by(day)
    )
    return [
        DayRow(
            day=d,
            conversations=n,
            turns=turns,
            avg_turns=_avg_turns(n, turns),
            avg_duration_s=_avg_duration_s(ended, ms),
            interruptions=cut,
            errors=errors,
            fallbacks=fallbacks,
        )
        for d, n, ended, ms, turns, cut, errors, fallbacks, _, _ in session.execute(query)
    ]


def _histograms(
    session: Session, where: Filter, dim: str, group: Any
) -> dict[Any, list[histogram.Bucket]]:
    t = AnalyticsLatency
    query = (
        select(group, t.bucket_ms, func.sum(t.replies), func.sum(t.total_ms))
        .where(*_in_range(t, where, dim))
        .group_by(group, t.bucket_ms)
        .order_by(group, t.bucket_ms)
    )
    out: dict[Any, list[histogram.Bucket]] = {}
    for g, bucket, n, total in session.execute(query):
        out.setdefault(g, []).append(histogram.Bucket(bucket, n, total))
    return out


def latency(session: Session, where: Filter) -> list[LatencyRow]:
    """Per day: the database numbers each day's buckets (how many replies lie below each) and
    returns only those around the p50 and p95 ranks (a few per day, not all ~100)."""
    t = AnalyticsLatency
    # dim 'all' has one row per day and bucket (value ''): read in the key's order, no grouping
    rows_in_range = (
        select(t.day, t.bucket_ms, t.replies.label("n"), t.total_ms.label("s"))
        .where(*_in_range(t, where, ALL), t.value == UNKNOWN)
        .subquery()
    )
    h = rows_in_range.c
    numbered = select(
        h.day,
        h.bucket_ms,
        h.n,
        h.s,
        (func.sum(h.n).over(partition_by=h.day, order_by=h.bucket_ms) - h.n).label("below"),
        func.sum(h.n).over(partition_by=h.day).label("total"),
    ).subquery()
    c = numbered.c
    # the ranks floor(p * (total - 1)) and the next, with a rank to spare each side
    ranks = [(c.total - 1) // 2, (c.total - 1) * 95 // 100]
    near = [and_(c.below <= k + 2, c.below + c.n >= k) for k in ranks]
    query = (
        select(c.day, c.bucket_ms, c.n, c.s, c.below, c.total)
        .where(c.n > 0, or_(*near))
        .order_by(c.day, c.bucket_ms)
    )
    days: dict[Any, tuple[int, list[histogram.Bucket]]] = {}
    for d, bucket, n, total_ms, below, total in session.execute(query):
        part = days.setdefault(d, (int(total), []))[1]
        part.append(histogram.Bucket(bucket, int(n), float(total_ms), int(below)))
    rows = []
    for d, (total, part) in days.items():
        spread = histogram.spread_of_part(part, total)
        rows.append(LatencyRow(day=d, replies=spread.count, p50_ms=spread.p50, p95_ms=spread.p95))
    return rows


def breakdown(session: Session, where: Filter, by: Dimension | None) -> list[BreakdownRow]:
    """As queries.breakdown: one row per value of ``by`` (None: one row for all)."""
    dim = by or ALL
    value = AnalyticsDay.value
    query = (
        select(value, *_sums())
        .where(*_in_range(AnalyticsDay, where, dim))
        .group_by(value)
        .having(func.sum(AnalyticsDay.conversations) > 0)
    )
    spreads = {
        k: histogram.spread(b)
        for k, b in _histograms(session, where, dim, AnalyticsLatency.value).items()
    }
    rows = [
        _row(key, figures, spreads.get(key, Spread(0, None, None)))
        for key, *figures in session.execute(query)
    ]
    return sorted(rows, key=lambda row: (-row.conversations, row.key or ""))


def totals(session: Session, where: Filter) -> BreakdownRow:
    rows = breakdown(session, where, None)
    if rows:
        return rows[0]
    spread = histogram.spread(_histograms(session, where, ALL, AnalyticsLatency.value).get("", []))
    return _row(UNKNOWN, [0] * len(DAY_FIGURES), spread)


def _row(key: str, figures: list[int], spread: Spread) -> BreakdownRow:
    n, ended, ms, turns, cut, errors, fallbacks, up, down = figures
    return BreakdownRow(
        key=key or None,
        conversations=n,
        avg_turns=_avg_turns(n, turns),
        avg_duration_s=_avg_duration_s(ended, ms),
        interruptions=cut,
        errors=errors,
        fallbacks=fallbacks,
        replies=spread.count,
        p50_ms=spread.p50,
        p95_ms=spread.p95,
        up=up,
        down=down,
    )
