"""Percentiles for the benchmark tables: interpolated, as numpy and most tools compute them.

A sample may hold ``math.inf`` for an attempt that never answered (a turn with no reply):
it still counts, so a percentile that reaches it is ``inf`` instead of a figure that quietly
left the failures out.
"""

from __future__ import annotations

import math
from collections.abc import Iterable


def quantile(values: Iterable[float], q: float) -> float:
    """The ``q`` quantile (0..1), linear between the closest ranks (numpy's default,
    Hyndman and Fan type 7); NaN for no values."""
    if not 0 <= q <= 1:
        raise ValueError(f"quantile {q} is not between 0 and 1")
    ordered = sorted(values)
    if not ordered:
        return math.nan
    pos = q * (len(ordered) - 1)
    lo, frac = int(pos), pos - int(pos)
    low = ordered[lo]
    if frac == 0 or ordered[lo + 1] == low:
        return low
    return low + (ordered[lo + 1] - low) * frac


def median(values: Iterable[float]) -> float:
    """The middle value, or the mean of the two middle values."""
    return quantile(values, 0.5)


def percentile_row(label: str, values: list[float | None], fmt: str = "{:.3f}") -> str:
    """A markdown row `| label | p50 | p95 | count | missing |`: a value that is None (a turn
    with no reply, or no figure) is an infinite latency, so it counts."""
    sample = [math.inf if v is None else v for v in values]
    missing = sum(v is None for v in values)
    shown = (
        "no reply" if p == math.inf else "—" if math.isnan(p) else fmt.format(p)
        for p in (quantile(sample, q) for q in (0.5, 0.95))
    )
    return f"| {label} | {' | '.join(shown)} | {len(values)} | {missing} |"
