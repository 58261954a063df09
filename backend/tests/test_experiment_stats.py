"""The experiment statistics against published values, and on seeded samples: a known
difference is found significant, a null one is not."""

from __future__ import annotations

import random
import statistics

import pytest

from app.experiments.stats import (
    Moments,
    mean_interval,
    t_quantile,
    two_proportion_p,
    welch_p,
    wilson,
)

pytestmark = pytest.mark.unit


def _moments(sample: list[float]) -> Moments:
    return Moments(len(sample), statistics.fmean(sample), statistics.variance(sample))


def test_wilson_interval_matches_the_textbook() -> None:
    # 8 of 10: 0.490 to 0.943 (Newcombe 1998, Wilson score without continuity correction)
    interval = wilson(8, 10)
    assert interval is not None
    assert (interval.value, round(interval.low, 4), round(interval.high, 4)) == (
        0.8,
        0.4902,
        0.9433,
    )
    none, all_ = wilson(0, 20), wilson(20, 20)
    assert none is not None and none.low == 0.0 and round(none.high, 4) == 0.1611
    assert all_ is not None and all_.high == 1.0 and round(all_.low, 4) == 0.8389
    assert wilson(0, 0) is None


@pytest.mark.parametrize(("df", "quantile"), [(1, 12.7062), (10, 2.2281), (30, 2.0423)])
def test_t_quantiles_match_the_tables(df: int, quantile: float) -> None:
    assert round(t_quantile(0.975, df), 4) == quantile


def test_mean_interval_uses_students_t() -> None:
    interval = mean_interval(Moments(n=11, mean=10.0, variance=4.0))
    assert interval is not None
    half = 2.228138852 * (4.0 / 11) ** 0.5
    assert interval.low == pytest.approx(10.0 - half) and interval.high == pytest.approx(10 + half)
    assert mean_interval(Moments(n=1, mean=3.0, variance=0.0)) is None


def test_welch_matches_the_published_example() -> None:
    # Welch's t-test, Wikipedia example 1: t = -2.46, df = 25.0, p = 0.021
    a = [27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4]
    b = [27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4]
    p = welch_p(_moments(a), _moments(b))
    assert p is not None and round(p, 3) == 0.021


def test_two_proportions_match_a_hand_computation() -> None:
    # pooled 0.575, se = sqrt(0.575 * 0.425 * 2/100) = 0.06991, z = 2.1456
    p = two_proportion_p(50, 100, 65, 100)
    assert p is not None and round(p, 4) == 0.0319
    assert two_proportion_p(0, 10, 0, 12) == 1.0
    assert two_proportion_p(1, 0, 1, 10) is None


def test_moments_from_sums_give_the_sample_variance() -> None:
    sample = [3.0, 5.0, 8.0, 13.0]
    moments = Moments.from_sums(4, sum(sample), sum(x * x for x in sample))
    assert moments is not None
    assert moments.mean == statistics.fmean(sample)
    assert moments.variance == pytest.approx(statistics.variance(sample))
    assert Moments.from_sums(0, 0.0, 0.0) is None


def test_a_known_difference_in_shares_is_found_and_a_null_one_is_not() -> None:
    rng = random.Random(17)
    control = sum(rng.random() < 0.5 for _ in range(400))
    better = sum(rng.random() < 0.65 for _ in range(400))
    same = sum(rng.random() < 0.5 for _ in range(400))
    found, null = (
        two_proportion_p(control, 400, better, 400),
        two_proportion_p(control, 400, same, 400),
    )
    assert found is not None and found < 0.05
    assert null is not None and null > 0.05


def test_a_known_difference_in_means_is_found_and_a_null_one_is_not() -> None:
    rng = random.Random(17)
    control = [rng.gauss(1000, 200) for _ in range(200)]
    faster = [rng.gauss(850, 260) for _ in range(150)]  # unequal sizes and spreads
    same = [rng.gauss(1000, 200) for _ in range(200)]
    found = welch_p(_moments(control), _moments(faster))
    null = welch_p(_moments(control), _moments(same))
    assert found is not None and found < 0.05
    assert null is not None and null > 0.05


def test_null_experiments_are_significant_about_one_time_in_twenty() -> None:
    rng = random.Random(5)
    hits = 0
    for _ in range(400):
        a = [rng.gauss(0, 1) for _ in range(30)]
        b = [rng.gauss(0, 1) for _ in range(30)]
        p = welch_p(_moments(a), _moments(b))
        hits += p is not None and p < 0.05
    assert 8 <= hits <= 32  # 5 % of 400 = 20; the test's own error rate is tiny
