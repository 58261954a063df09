"""A minimal PromQL evaluator over recorded snapshots, for the forms the dashboard uses.

Parsing is promql-parser's; evaluation covers selectors (with label matchers), rate() and
increase() over a range, histogram_quantile(), vector(), the sum/avg/min/max/count
aggregations with by/without, arithmetic and comparisons between scalars and vectors
(one-to-one matching with on/ignoring), `or`, numbers and parentheses. Anything else raises
UnsupportedQuery, so a dashboard query this cannot draw fails loudly instead of drawing
nothing.

It differs from Prometheus in one way that matters for short recordings: rate() and increase()
use the samples inside the window as they are, without extrapolating to the window's edges.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable
from datetime import timedelta

import promql_parser as pq
from metric_snapshots import Labels, Sample, SeriesStore

Vector = dict[Labels, float]
Value = float | Vector
LOOKBACK_S = 300.0  # Prometheus' default lookback for instant selectors

ARITHMETIC: dict[str, Callable[[float, float], float]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": lambda a, b: _divide(a, b),
    "^": lambda a, b: a**b,
}
COMPARISON: dict[str, Callable[[float, float], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    ">": operator.gt,
    "<": operator.lt,
    ">=": operator.ge,
    "<=": operator.le,
}
AGGREGATIONS: dict[str, Callable[[list[float]], float]] = {
    "sum": math.fsum,
    "avg": lambda v: math.fsum(v) / len(v),
    "min": min,
    "max": max,
    "count": lambda v: float(len(v)),
}
_VARIABLE = re.compile(r"\$\{?(\w+)\}?")


class UnsupportedQuery(ValueError):
    """The query uses PromQL this evaluator does not implement."""


def substitute(expr: str, variables: dict[str, str]) -> str:
    def replace(match: re.Match[str]) -> str:
        if match[1] not in variables:
            raise UnsupportedQuery(f"unknown variable ${match[1]}")
        return variables[match[1]]

    return _VARIABLE.sub(replace, expr)


def without_name(labels: Labels) -> Labels:
    return tuple((k, v) for k, v in labels if k != "__name__")


class Evaluator:
    def __init__(self, store: SeriesStore, variables: dict[str, str]) -> None:
        self.store = store
        self.variables = variables

    def parse(self, expr: str) -> pq.Expr:
        return pq.parse(substitute(expr, self.variables))

    def at(self, tree: pq.Expr, time_s: float) -> Value:
        return self._eval(tree, time_s)

    # --- nodes -------------------------------------------------------------------------------

    def _eval(self, node: pq.Expr, t: float) -> Value:
        if isinstance(node, pq.NumberLiteral):
            return float(node.val)
        if isinstance(node, pq.ParenExpr):
            return self._eval(node.expr, t)
        if isinstance(node, pq.UnaryExpr):
            value = self._eval(node.expr, t)
            return -value if isinstance(value, float) else {k: -v for k, v in value.items()}
        if isinstance(node, pq.VectorSelector):
            return self._instant(node, t)
        if isinstance(node, pq.Call):
            return self._call(node, t)
        if isinstance(node, pq.AggregateExpr):
            return self._aggregate(node, t)
        if isinstance(node, pq.BinaryExpr):
            return self._binary(node, t)
        raise UnsupportedQuery(f"{type(node).__name__} is not supported")

    def _matching(self, node: pq.VectorSelector) -> list[tuple[Labels, list[Sample]]]:
        if node.offset is not None or node.at is not None:
            raise UnsupportedQuery("offset and @ are not supported")
        tests = [_matcher(m) for m in node.matchers.matchers]
        if node.name:
            tests.append(lambda labels: dict(labels).get("__name__") == node.name)
        return [(k, s) for k, s in self.store.series.items() if all(test(k) for test in tests)]

    def _instant(self, node: pq.VectorSelector, t: float) -> Vector:
        out: Vector = {}
        for labels, samples in self._matching(node):
            recent = [v for ts, v in samples if t - LOOKBACK_S < ts <= t]
            if recent:
                out[labels] = recent[-1]
        return out

    def _range(self, node: pq.MatrixSelector, t: float) -> dict[Labels, list[Sample]]:
        window = _seconds(node.range)
        out: dict[Labels, list[Sample]] = {}
        for labels, samples in self._matching(node.vector_selector):
            inside = [(ts, v) for ts, v in samples if t - window < ts <= t]
            if len(inside) >= 2:
                out[without_name(labels)] = inside
        return out

    def _call(self, node: pq.Call, t: float) -> Value:
        name = node.func.name
        if name in ("rate", "increase"):
            (arg,) = node.args
            if not isinstance(arg, pq.MatrixSelector):
                raise UnsupportedQuery(f"{name}() needs a range selector")
            out: Vector = {}
            for labels, samples in self._range(arg, t).items():
                delta = _counter_increase(samples)
                span = samples[-1][0] - samples[0][0]
                out[labels] = delta / span if name == "rate" else delta
            return out
        if name == "vector":
            value = self._eval(node.args[0], t)
            if not isinstance(value, float):
                raise UnsupportedQuery("vector() of a vector")
            return {(): value}
        if name == "histogram_quantile":
            q = self._eval(node.args[0], t)
            buckets = self._eval(node.args[1], t)
            if not isinstance(q, float) or isinstance(buckets, float):
                raise UnsupportedQuery("histogram_quantile(scalar, vector) only")
            return _histogram_quantile(q, buckets)
        raise UnsupportedQuery(f"function {name}() is not supported")

    def _aggregate(self, node: pq.AggregateExpr, t: float) -> Vector:
        op = str(node.op)
        if op not in AGGREGATIONS or node.param is not None:
            raise UnsupportedQuery(f"aggregation {op} is not supported")
        value = self._eval(node.expr, t)
        if isinstance(value, float):
            raise UnsupportedQuery(f"{op}() of a scalar")
        listed = set(node.modifier.labels) if node.modifier else set()
        keep_listed = node.modifier is None or node.modifier.type == pq.AggModifierType.By
        groups: dict[Labels, list[float]] = {}
        for labels, v in value.items():
            key = tuple(
                (k, lv)
                for k, lv in labels
                if k != "__name__" and ((k in listed) if keep_listed else (k not in listed))
            )
            groups.setdefault(key, []).append(v)
        return {key: AGGREGATIONS[op](values) for key, values in groups.items()}

    def _binary(self, node: pq.BinaryExpr, t: float) -> Value:
        op = str(node.op)
        if op not in ARITHMETIC and op not in COMPARISON and op != "or":
            raise UnsupportedQuery(f"operator {op} is not supported")
        lhs, rhs = self._eval(node.lhs, t), self._eval(node.rhs, t)
        modifier = node.modifier
        if op == "or":
            if isinstance(lhs, float) or isinstance(rhs, float):
                raise UnsupportedQuery("or between scalars")
            if modifier is not None and modifier.matching is not None:
                raise UnsupportedQuery("or with on/ignoring is not supported")
            present = {without_name(labels) for labels in lhs}
            return lhs | {k: v for k, v in rhs.items() if without_name(k) not in present}
        return_bool = bool(modifier and modifier.return_bool)

        def apply(a: float, b: float) -> float | None:
            if op in ARITHMETIC:
                return ARITHMETIC[op](a, b)
            if COMPARISON[op](a, b):
                return 1.0 if return_bool else a
            return 0.0 if return_bool else None

        if isinstance(lhs, float) and isinstance(rhs, float):
            result = apply(lhs, rhs)
            return math.nan if result is None else result
        if isinstance(lhs, float) or isinstance(rhs, float):
            scalar_left = isinstance(lhs, float)
            vector = rhs if scalar_left else lhs
            scalar = lhs if scalar_left else rhs
            assert isinstance(vector, dict) and isinstance(scalar, float)
            out: Vector = {}
            for labels, v in vector.items():
                r = apply(scalar, v) if scalar_left else apply(v, scalar)
                if r is None:
                    continue
                if op in COMPARISON and not return_bool:
                    out[labels] = v  # a filter keeps the vector's sample as it is
                else:
                    out[without_name(labels)] = r
            return out
        matching = modifier.matching if modifier else None
        if modifier is not None and modifier.card != pq.VectorMatchCardinality.OneToOne:
            raise UnsupportedQuery("group_left/group_right are not supported")

        def key(labels: Labels) -> Labels:
            plain = without_name(labels)
            if matching is None:
                return plain
            on = matching.type == pq.LabelModifierType.Include
            return tuple((k, v) for k, v in plain if (k in matching.labels) == on)

        right = {key(labels): v for labels, v in rhs.items()}
        out = {}
        for labels, v in lhs.items():
            other = right.get(key(labels))
            if other is None:
                continue
            r = apply(v, other)
            if r is not None:
                out[without_name(labels)] = r
        return out


def _divide(a: float, b: float) -> float:
    if b:
        return a / b
    if a == 0 or math.isnan(a):
        return math.nan
    return math.copysign(math.inf, a)


def _matcher(m: pq.Matcher) -> Callable[[Labels], bool]:
    op = str(m.op).removeprefix("MatchOp.")
    name, value = m.name, m.value
    if op in ("Re", "NotRe"):
        pattern = re.compile(value)
        found = op == "Re"
        return lambda labels: bool(pattern.fullmatch(dict(labels).get(name, ""))) == found
    equal = op == "Equal"
    return lambda labels: (dict(labels).get(name, "") == value) == equal


def _seconds(duration: timedelta | None) -> float:
    if duration is None:
        raise UnsupportedQuery("a range selector without a range")
    return duration.total_seconds()


def _counter_increase(samples: list[Sample]) -> float:
    """Sum of the increases between samples; a drop is a counter reset (restart)."""
    total = 0.0
    for (_, before), (_, after) in zip(samples, samples[1:], strict=False):
        total += after - before if after >= before else after
    return total


def _histogram_quantile(q: float, buckets: Vector) -> Vector:
    """Prometheus' bucketQuantile: linear interpolation inside the bucket holding the rank."""
    groups: dict[Labels, list[tuple[float, float]]] = {}
    for labels, count in buckets.items():
        le = dict(labels).get("le")
        if le is None:
            continue
        key = tuple((k, v) for k, v in without_name(labels) if k != "le")
        groups.setdefault(key, []).append((float(le), count))
    out: Vector = {}
    for key, pairs in groups.items():
        out[key] = _bucket_quantile(q, sorted(pairs))
    return out


def _bucket_quantile(q: float, pairs: list[tuple[float, float]]) -> float:
    if q < 0:
        return -math.inf
    if q > 1:
        return math.inf
    if len(pairs) < 2 or not math.isinf(pairs[-1][0]):
        return math.nan
    counts: list[float] = []
    for _, count in pairs:  # rates of cumulative counts can dip by float error: keep monotonic
        counts.append(max(count, counts[-1]) if counts else count)
    total = counts[-1]
    if total == 0 or math.isnan(total):
        return math.nan
    rank = q * total
    b = next(i for i, c in enumerate(counts) if c >= rank)
    if b == len(pairs) - 1:
        return pairs[-2][0]
    if b == 0 and pairs[0][0] <= 0:
        return pairs[0][0]
    start, end, count = 0.0, pairs[b][0], counts[b]
    if b > 0:
        start = pairs[b - 1][0]
        count -= counts[b - 1]
        rank -= counts[b - 1]
    return start + (end - start) * (rank / count)
