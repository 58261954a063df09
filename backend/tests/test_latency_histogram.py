"""The rollup's voice-to-voice histogram: its bucket edges, and percentiles that match
percentile_cont exactly for values alone in their buckets and within one bucket width on a
random sample."""

from __future__ import annotations

import random

import pytest

from app.analytics.histogram import Bucket, bucket_of, spread, width_of

pytestmark = pytest.mark.unit


def _buckets(values: list[float]) -> list[Bucket]:
    sums: dict[int, list[float]] = {}
    for v in values:
        sums.setdefault(bucket_of(v), []).append(v)
    return [Bucket(b, len(vs), sum(vs)) for b, vs in sorted(sums.items())]


def _percentile_cont(values: list[float], p: float) -> float:
    ranked = sorted(values)
    rank = p * (len(ranked) - 1)
    low = int(rank)
    high = min(low + 1, len(ranked) - 1)
    return ranked[low] + (rank - low) * (ranked[high] - ranked[low])


def test_bucket_edges() -> None:
    assert [bucket_of(v) for v in (-3, 0, 9.99, 10, 1999.9, 2000, 2099, 9999, 10000)] == [
        0,
        0,
        0,
        10,
        1990,
        2000,
        2000,
        9900,
        10000,
    ]
    assert (bucket_of(59_999), bucket_of(60_000), bucket_of(500_000)) == (59_000, 60_000, 60_000)
    assert [width_of(b) for b in (0, 1990, 2000, 9900, 10000, 59000, 60000)] == [
        10,
        10,
        100,
        100,
        1000,
        1000,
        60000,
    ]


def test_values_alone_in_their_buckets_give_percentile_cont_exactly() -> None:
    values = [100.0, 300.0, 500.0, 2450.0]
    got = spread(_buckets(values))
    assert got.count == 4
    assert got.p50 == round(_percentile_cont(values, 0.5), 1)
    assert got.p95 == round(_percentile_cont(values, 0.95), 1)
    assert spread([]).p50 is None and spread([Bucket(0, 0, 0.0)]).count == 0


def test_a_random_sample_is_within_the_width_of_the_buckets_around_the_rank() -> None:
    rng = random.Random(7)
    for _ in range(300):
        values = [rng.lognormvariate(6.8, 0.6) for _ in range(rng.randint(1, 400))]
        got = spread(_buckets(values))
        ranked = sorted(values)
        for p, figure in ((0.5, got.p50), (0.95, got.p95)):
            low = int(p * (len(ranked) - 1))
            bound = max(width_of(bucket_of(v)) for v in ranked[low : low + 2])
            assert figure is not None
            assert abs(figure - _percentile_cont(values, p)) <= bound + 0.05
