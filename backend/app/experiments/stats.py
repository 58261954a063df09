"""The statistics of an experiment's results, in pure Python (math only).

- A share (thumbs up among rated calls, calls with an error): the Wilson score interval, and
  the two-sided two-proportion z-test (pooled) against the control.
- A mean per conversation (voice-to-voice latency, turns, interruptions): the Student t
  interval, and Welch's two-sided t-test (unequal variances, Welch–Satterthwaite degrees of
  freedom) against the control.

Student's t distribution comes from the regularized incomplete beta function (a continued
fraction, as in Numerical Recipes §6.4); its quantile from bisection.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

ALPHA = 0.05
Z_95 = 1.959963984540054  # the standard normal's 97.5 % quantile


@dataclass(frozen=True, slots=True)
class Interval:
    value: float
    low: float
    high: float


@dataclass(frozen=True, slots=True)
class Moments:
    """A sample's size, mean and (n - 1) variance."""

    n: int
    mean: float
    variance: float

    @classmethod
    def from_sums(cls, n: int, total: float, squares: float) -> Moments | None:
        if n == 0:
            return None
        mean = total / n
        variance = max(squares - total * mean, 0.0) / (n - 1) if n > 1 else 0.0
        return cls(n=n, mean=mean, variance=variance)


def wilson(successes: int, n: int, z: float = Z_95) -> Interval | None:
    """The share successes/n with its Wilson score interval (None for n = 0)."""
    if n == 0:
        return None
    p = successes / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return Interval(value=p, low=max(centre - half, 0.0), high=min(centre + half, 1.0))


def two_proportion_p(k1: int, n1: int, k2: int, n2: int) -> float | None:
    """Two-sided p-value of the pooled z-test that two shares differ (None without data)."""
    if n1 == 0 or n2 == 0:
        return None
    pooled = (k1 + k2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0.0:
        return 1.0  # both all-or-nothing alike
    z = (k2 / n2 - k1 / n1) / se
    return math.erfc(abs(z) / math.sqrt(2))


def mean_interval(sample: Moments, confidence: float = 1 - ALPHA) -> Interval | None:
    """The mean with its Student t interval (None below two observations)."""
    if sample.n < 2:
        return None
    half = t_quantile(1 - (1 - confidence) / 2, sample.n - 1) * math.sqrt(
        sample.variance / sample.n
    )
    return Interval(value=sample.mean, low=sample.mean - half, high=sample.mean + half)


def welch_p(a: Moments, b: Moments) -> float | None:
    """Two-sided p-value of Welch's t-test that two means differ (None below two each)."""
    if a.n < 2 or b.n < 2:
        return None
    va, vb = a.variance / a.n, b.variance / b.n
    if va + vb == 0.0:
        return 1.0 if a.mean == b.mean else 0.0
    t = (b.mean - a.mean) / math.sqrt(va + vb)
    df = (va + vb) ** 2 / (va**2 / (a.n - 1) + vb**2 / (b.n - 1))
    return t_two_sided_p(t, df)


def t_two_sided_p(t: float, df: float) -> float:
    """P(|T| >= |t|) for Student's t with df degrees of freedom."""
    return regularized_beta(df / (df + t * t), df / 2, 0.5)


def t_cdf(t: float, df: float) -> float:
    tail = t_two_sided_p(t, df) / 2
    return 1 - tail if t > 0 else tail


def t_quantile(p: float, df: float) -> float:
    """The t such that t_cdf(t, df) = p, for 0 < p < 1 (bisection to 1e-10)."""
    low, high = -1e3, 1e3
    for _ in range(200):
        mid = (low + high) / 2
        if t_cdf(mid, df) < p:
            low = mid
        else:
            high = mid
        if high - low < 1e-10:
            break
    return (low + high) / 2


def regularized_beta(x: float, a: float, b: float) -> float:
    """I_x(a, b), the regularized incomplete beta function."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    front = math.exp(log_front)
    if x < (a + 1) / (a + b + 2):
        return front * _beta_fraction(x, a, b) / a
    return 1 - front * _beta_fraction(1 - x, b, a) / b


def _beta_fraction(x: float, a: float, b: float) -> float:
    """The continued fraction of the incomplete beta function (modified Lentz)."""
    tiny, eps = 1e-300, 1e-15
    c, d = 1.0, 1 - (a + b) * x / (a + 1)
    d = 1 / (d if abs(d) > tiny else tiny)
    result = d
    for m in range(1, 400):
        for numerator in (
            m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
        ):
            d = 1 + numerator * d
            d = 1 / (d if abs(d) > tiny else tiny)
            c = 1 + numerator / c
            c = c if abs(c) > tiny else tiny
            result *= c * d
        if abs(c * d - 1) < eps:
            break
    return result
