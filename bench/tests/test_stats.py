"""bench/stats.py: interpolated percentiles that keep failed attempts in the sample."""

from __future__ import annotations

import math
import statistics
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from stats import median, quantile  # noqa: E402


def test_median_of_an_even_count_is_the_mean_of_the_middle_two() -> None:
    assert median([4.0, 1.0, 3.0, 2.0]) == 2.5  # the lower middle value would be 2.0
    assert median([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0]) == 5.5


def test_median_of_an_odd_count_is_the_middle_value() -> None:
    assert median([3.0, 1.0, 2.0]) == 2.0


@pytest.mark.parametrize("q", [0.0, 0.1, 0.25, 0.5, 0.9, 0.95, 0.99, 1.0])
def test_quantiles_interpolate_like_numpy(q: float) -> None:
    values = [0.91, 1.02, 0.98, 1.40, 1.05, 0.99, 2.30, 1.01, 0.97, 1.10, 1.00]
    # statistics' "inclusive" method is the same linear interpolation (type 7)
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    expected = {0.0: min(values), 1.0: max(values)}.get(q) or cuts[round(q * 100) - 1]
    assert quantile(values, q) == pytest.approx(expected)


def test_p95_of_ten_lies_between_the_two_largest() -> None:
    values = [float(v) for v in range(1, 11)]
    assert quantile(values, 0.95) == pytest.approx(9.55)


def test_an_unanswered_attempt_counts_instead_of_being_dropped() -> None:
    answered = [1.0, 1.0, 1.0, 1.0]
    assert median([*answered, math.inf]) == 1.0
    assert quantile([*answered, math.inf], 0.95) == math.inf
    assert median([1.0, 2.0, math.inf, math.inf]) == math.inf


def test_no_values_give_nan_and_a_bad_q_is_refused() -> None:
    assert math.isnan(quantile([], 0.5))
    with pytest.raises(ValueError, match="between 0 and 1"):
        quantile([1.0], 95)
