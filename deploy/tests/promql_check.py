"""Static checks of one PromQL expression against docs/metrics.md.

Parsing is done by `promql-parser` (Rust, Prometheus 2.45 grammar), so a query that would not
parse in Prometheus fails here too; on top of it this checks what Prometheus itself cannot:
every series name and label is one the services export.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import promql_parser as pq
from metric_catalogue import MetricSpec

# Grafana's built-in interval variables, replaced by a duration before parsing.
GRAFANA_VARIABLES = {
    "__rate_interval": "1m",
    "__interval": "15s",
    "__range": "1h",
}
# Labels Prometheus adds to every series from the scrape target (deploy/prometheus/prometheus.yml).
TARGET_LABELS = frozenset({"job", "instance", "service"})
COUNTER_FUNCTIONS = frozenset({"rate", "irate", "increase", "resets"})

_VARIABLE = re.compile(r"\$\{?(\w+)\}?")


@dataclass
class QueryCheck:
    """What one expression selects, and what is wrong with it (empty `problems`: fine)."""

    expr: str
    series: set[str] = field(default_factory=set)
    labels: set[str] = field(default_factory=set)  # labels the result may carry
    quantiles: dict[str, set[float]] = field(default_factory=dict)  # histogram -> quantiles
    problems: list[str] = field(default_factory=list)


def substitute_variables(expr: str) -> str:
    def replace(match: re.Match[str]) -> str:
        return GRAFANA_VARIABLES.get(match[1], match[0])  # an unknown one is left to fail parsing

    return _VARIABLE.sub(replace, expr)


def check_query(expr: str, series: dict[str, MetricSpec]) -> QueryCheck:
    """Parse `expr` and check it against `series` (see metric_catalogue.series_names)."""
    result = QueryCheck(expr)
    try:
        tree = pq.parse(substitute_variables(expr))
    except ValueError as e:
        result.problems.append(f"does not parse: {e}")
        return result
    result.labels = _Checker(series, result).visit(tree)
    return result


class _Checker:
    def __init__(self, series: dict[str, MetricSpec], result: QueryCheck) -> None:
        self.series = series
        self.result = result

    def problem(self, text: str) -> None:
        self.result.problems.append(text)

    def visit(self, node: pq.Expr) -> set[str]:
        """Check `node` and return the labels its result may carry."""
        if isinstance(node, pq.VectorSelector):
            return self.selector(node)
        if isinstance(node, pq.MatrixSelector):
            return self.selector(node.vector_selector)
        if isinstance(node, pq.Call):
            return self.call(node)
        if isinstance(node, pq.AggregateExpr):
            return self.aggregate(node)
        if isinstance(node, pq.BinaryExpr):
            return self.visit(node.lhs) | self.visit(node.rhs)
        if isinstance(node, pq.ParenExpr | pq.UnaryExpr | pq.SubqueryExpr):
            return self.visit(node.expr)
        if isinstance(node, pq.NumberLiteral | pq.StringLiteral):
            return set()
        self.problem(f"unexpected expression {type(node).__name__}")
        return set()

    def selector(self, node: pq.VectorSelector) -> set[str]:
        name = node.name
        if not name:
            self.problem("a selector without a metric name")
            return set()
        spec = self.series.get(name)
        if spec is None:
            self.problem(f"{name} is not in docs/metrics.md")
            return set()
        self.result.series.add(name)
        allowed = spec.labels | TARGET_LABELS | ({"le"} if name.endswith("_bucket") else set())
        for matcher in node.matchers.matchers:
            if matcher.name != "__name__" and matcher.name not in allowed:
                self.problem(f"{name} has no label {matcher.name!r}")
        return set(allowed)

    def call(self, node: pq.Call) -> set[str]:
        func = node.func.name
        labels: set[str] = set()
        for arg in node.args:
            labels |= self.visit(arg)
        if func in COUNTER_FUNCTIONS:
            for name in _selected_names(node):
                spec = self.series.get(name)
                if spec is not None and spec.type == "gauge":
                    self.problem(f"{func}() of the gauge {name}")
        if func == "histogram_quantile":
            inner = node.args[1]
            if not all(n.endswith("_bucket") for n in _selected_names(inner)):
                self.problem("histogram_quantile() over series that are not _bucket")
            if "le" not in labels:
                self.problem("histogram_quantile() over an aggregation that drops 'le'")
            labels.discard("le")
            if isinstance(node.args[0], pq.NumberLiteral):
                for name in _selected_names(inner):
                    base = name.removesuffix("_bucket")
                    self.result.quantiles.setdefault(base, set()).add(node.args[0].val)
        return labels

    def aggregate(self, node: pq.AggregateExpr) -> set[str]:
        labels = self.visit(node.expr)
        if node.param is not None and isinstance(node.param, pq.Expr):
            self.visit(node.param)
        modifier = node.modifier
        if modifier is None:
            return set()
        listed = set(modifier.labels)
        for label in sorted(listed - labels):
            self.problem(f"{node.op} by {label!r}: no selected series has that label")
        if modifier.type == pq.AggModifierType.By:
            return listed & labels
        return labels - listed


def _selected_names(node: pq.Expr) -> set[str]:
    names: set[str] = set()

    def visit(n: pq.Expr) -> None:
        if isinstance(n, pq.VectorSelector) and n.name:
            names.add(n.name)

    pq.walk(node, visit)
    return names
