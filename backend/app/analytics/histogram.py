"""The voice-to-voice histogram of the analytics rollup: fixed buckets (10 ms wide below 2 s,
100 ms below 10 s, 1 s below 60 s, then one bucket for a minute and more), each with its
count and the sum of its values, and percentiles read from them.

A percentile interpolates like ``percentile_cont`` between the values at the two ranks around
it; the value at a rank is estimated inside its bucket: the bucket's values are taken as spread
evenly over one bucket width around their mean, clamped to the bucket. The true value lies in
the same bucket, so each estimate, and the interpolation between two, is off by at most the
width of the buckets involved (10 ms below 2 s); a bucket holding one value gives it exactly.
Values of a minute or more are read in [60 s, 120 s]."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from app.analytics.dialect import PERCENTILES, Spread

# (limit, width): below the limit (and above the previous one), buckets this wide, in ms
WIDTHS = ((2_000, 10), (10_000, 100), (60_000, 1_000))
LAST_BUCKET_MS = 60_000  # everything from a minute up
LAST_WIDTH_MS = 60_000


def bucket_of(v2v_ms: float) -> int:
    """The bucket's lower edge in ms (a negative figure counts in the first bucket). The
    migration's SQL (0010) computes the same edges."""
    if v2v_ms < 0:
        return 0
    for limit, width in WIDTHS:
        if v2v_ms < limit:
            return math.floor(v2v_ms / width) * width
    return LAST_BUCKET_MS


def width_of(bucket_ms: int) -> int:
    for limit, width in WIDTHS:
        if bucket_ms < limit:
            return width
    return LAST_WIDTH_MS


@dataclass(frozen=True, slots=True)
class Bucket:
    lower_ms: int
    count: int
    total_ms: float  # the sum of its values
    below: int = 0  # values in the lower buckets (for ``spread_of_part``)

    def value_at(self, index: int) -> float:
        """The estimated ``index``-th smallest of its values (0-based)."""
        width = width_of(self.lower_ms)
        mean = self.total_ms / self.count
        estimate = mean + (index + 0.5 - self.count / 2) / self.count * width
        return min(max(estimate, self.lower_ms), self.lower_ms + width)


def spread(buckets: Sequence[Bucket]) -> Spread:
    """The count and the estimated p50 and p95 of the buckets (sorted by their lower edge)."""
    kept = []
    n = 0
    for b in buckets:
        if b.count > 0:
            kept.append(Bucket(b.lower_ms, b.count, b.total_ms, n))
            n += b.count
    return spread_of_part(kept, n)


def spread_of_part(buckets: Sequence[Bucket], n: int) -> Spread:
    """As ``spread``, from the buckets around the percentiles' ranks only (each with its
    ``below``) and the count of all: the database picks those (rollup_queries.latency)."""
    if n == 0:
        return Spread(0, None, None)
    kept = buckets
    figures = []
    for p in PERCENTILES:
        rank = p * (n - 1)
        low = math.floor(rank)
        value = _value_at(kept, low)
        if rank > low:
            value += (rank - low) * (_value_at(kept, low + 1) - value)
        figures.append(round(value, 1))
    return Spread(n, figures[0], figures[1])


def _value_at(buckets: Sequence[Bucket], rank: int) -> float:
    for bucket in buckets:
        if bucket.below <= rank < bucket.below + bucket.count:
            return bucket.value_at(rank - bucket.below)
    raise IndexError(rank)
