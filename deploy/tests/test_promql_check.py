"""The validator itself: it reads docs/metrics.md right and rejects what Prometheus would not
run, or what the services do not export."""

from __future__ import annotations

import pytest
from metric_catalogue import METRICS_MD, MetricSpec, parse_catalogue
from promql_check import check_query, substitute_variables

pytestmark = pytest.mark.unit


def test_catalogue_lists_every_documented_metric(catalogue: dict[str, MetricSpec]) -> None:
    rows = [line for line in METRICS_MD.read_text().splitlines() if line.startswith("| `va_")]
    assert len(catalogue) == len(rows) >= 20
    assert {s.section for s in catalogue.values()} == {"Agent", "Backend"}
    assert catalogue["va_agent_errors_total"].labels == {"source", "type"}
    assert catalogue["va_backend_http_requests_total"].labels == {"method", "route", "status"}
    assert catalogue["va_agent_active_sessions"].type == "gauge"  # "gauge (livesum)"
    assert catalogue["va_agent_e2e_latency_seconds"].labels == frozenset()


def test_histograms_are_selectable_only_by_their_series(
    metric_series: dict[str, MetricSpec],
) -> None:
    assert "va_agent_llm_ttft_seconds_bucket" in metric_series
    assert "va_agent_llm_ttft_seconds_count" in metric_series
    assert "va_agent_llm_ttft_seconds" not in metric_series
    assert "va_agent_turns_total" in metric_series


def test_catalogue_rejects_an_unknown_type() -> None:
    with pytest.raises(ValueError, match="unknown metric type"):
        parse_catalogue("| `va_x_total` | summary | | x |\n")


def test_grafana_interval_variables_are_substituted() -> None:
    assert substitute_variables("rate(x[$__rate_interval])") == "rate(x[1m])"
    assert substitute_variables("increase(x[${__range}])") == "increase(x[1h])"
    assert substitute_variables("rate(x[$unknown])") == "rate(x[$unknown])"


def test_a_good_query_selects_its_series(metric_series: dict[str, MetricSpec]) -> None:
    check = check_query(
        "histogram_quantile(0.95, sum by (le, provider, model) "
        "(rate(va_agent_llm_ttft_seconds_bucket[$__rate_interval])))",
        metric_series,
    )
    assert check.problems == []
    assert check.series == {"va_agent_llm_ttft_seconds_bucket"}
    assert check.labels == {"provider", "model"}


@pytest.mark.parametrize(
    ("expr", "problem"),
    [
        ("rate(va_agent_turns_total[5m)", "does not parse"),
        ("frobnicate(va_agent_turns_total)", "does not parse"),
        ("rate(va_agent_turns_total[$__bogus])", "does not parse"),
        ("sum(rate(va_agent_turn_total[5m]))", "va_agent_turn_total is not in docs/metrics.md"),
        ("va_agent_llm_ttft_seconds", "va_agent_llm_ttft_seconds is not in docs/metrics.md"),
        ('va_agent_turns_total{room="r1"}', "has no label 'room'"),
        ("sum by (room) (rate(va_agent_turns_total[5m]))", "no selected series has that label"),
        ("rate(va_backend_active_sessions[5m])", "rate() of the gauge"),
        (
            "histogram_quantile(0.95, sum by (model) (rate(va_agent_llm_ttft_seconds_bucket[5m])))",
            "drops 'le'",
        ),
        ("histogram_quantile(0.95, rate(va_agent_turns_total[5m]))", "not _bucket"),
        ('{__name__=~"va_.+"}', "without a metric name"),
    ],
)
def test_a_bad_query_is_reported(
    metric_series: dict[str, MetricSpec], expr: str, problem: str
) -> None:
    problems = check_query(expr, metric_series).problems
    assert any(problem in p for p in problems), problems
