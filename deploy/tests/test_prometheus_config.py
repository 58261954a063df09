"""deploy/prometheus: the scrape configuration and the alert rules (promtool is not available
here, so structure and every expression are checked in Python)."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import promql_parser as pq
import pytest
import yaml
from metric_catalogue import MetricSpec
from promql_check import TARGET_LABELS, check_query

pytestmark = pytest.mark.unit

PROMETHEUS_DIR = Path(__file__).resolve().parents[1] / "prometheus"
# What `make run` serves (docs/metrics.md, scripts/stack.py): the agent worker and the backend.
EXPECTED_TARGETS = {"127.0.0.1:9464", "127.0.0.1:8000"}
SEVERITIES = {"info", "warning", "critical"}
_TEMPLATE_LABEL = re.compile(r"\$labels\.(\w+)")


def load(name: str) -> dict[str, Any]:
    data = yaml.safe_load((PROMETHEUS_DIR / name).read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{name} is not a YAML mapping"
    return data


def duration(text: str) -> timedelta:
    return pq.parse_duration(text)


@pytest.fixture(scope="module")
def config() -> dict[str, Any]:
    return load("prometheus.yml")


@pytest.fixture(scope="module")
def rules(config: dict[str, Any]) -> list[dict[str, Any]]:
    """Every rule of every rule file the configuration names."""
    found: list[dict[str, Any]] = []
    for name in config["rule_files"]:
        for group in load(name)["groups"]:
            found.extend(group["rules"])
    return found


def test_scrape_config_has_the_agent_and_the_backend(config: dict[str, Any]) -> None:
    jobs = config["scrape_configs"]
    names = [job["job_name"] for job in jobs]
    assert len(names) == len(set(names)), "job names must be unique"
    targets = {
        target for job in jobs for static in job["static_configs"] for target in static["targets"]
    }
    assert targets == EXPECTED_TARGETS
    assert all(job.get("metrics_path", "/metrics") == "/metrics" for job in jobs)


def test_intervals_are_durations_and_timeouts_fit(config: dict[str, Any]) -> None:
    glob = config["global"]
    assert duration(glob["evaluation_interval"]) <= timedelta(minutes=1)
    for job in config["scrape_configs"]:
        interval = duration(job.get("scrape_interval", glob["scrape_interval"]))
        timeout = duration(job.get("scrape_timeout", glob["scrape_timeout"]))
        assert timedelta(seconds=1) <= interval <= timedelta(seconds=30), job["job_name"]
        assert timeout <= interval, f"{job['job_name']}: scrape_timeout above scrape_interval"


def test_target_labels_are_the_ones_queries_may_use(config: dict[str, Any]) -> None:
    for job in config["scrape_configs"]:
        for static in job["static_configs"]:
            assert set(static.get("labels", {})) <= TARGET_LABELS


def test_rule_files_exist_and_hold_groups(config: dict[str, Any]) -> None:
    assert config["rule_files"], "no rule files"
    for name in config["rule_files"]:
        groups = load(name)["groups"]
        assert groups
        names = [g["name"] for g in groups]
        assert len(names) == len(set(names)), f"{name}: group names must be unique"
        assert all(g["rules"] for g in groups)


def test_every_rule_is_complete(rules: list[dict[str, Any]]) -> None:
    names = [rule["alert"] for rule in rules]
    assert len(names) == len(set(names)), "alert names must be unique"
    for rule in rules:
        assert re.fullmatch(r"[A-Z][A-Za-z0-9]+", rule["alert"]), rule["alert"]
        assert set(rule) <= {"alert", "expr", "for", "keep_firing_for", "labels", "annotations"}
        duration(rule["for"])
        assert rule["labels"]["severity"] in SEVERITIES, rule["alert"]
        assert rule["annotations"]["summary"].strip(), rule["alert"]


def test_every_rule_expression_is_valid(
    rules: list[dict[str, Any]], metric_series: dict[str, MetricSpec]
) -> None:
    for rule in rules:
        check = check_query(rule["expr"], metric_series)
        assert check.problems == [], f"{rule['alert']}: {check.problems}"
        templated = " ".join(rule["annotations"].values())
        missing = set(_TEMPLATE_LABEL.findall(templated)) - check.labels
        assert not missing, f"{rule['alert']}: annotations use labels the result lacks: {missing}"


def rules_reading(
    rules: list[dict[str, Any]], series: dict[str, MetricSpec], name: str
) -> list[dict[str, Any]]:
    return [rule for rule in rules if name in check_query(rule["expr"], series).series]


def test_latency_alert_is_p95_above_1_5_s_for_5_min(
    rules: list[dict[str, Any]], metric_series: dict[str, MetricSpec]
) -> None:
    matches = rules_reading(rules, metric_series, "va_agent_e2e_latency_seconds_bucket")
    assert matches, "no rule on the agent's end-to-end latency"
    rule = matches[0]
    tree = pq.parse(rule["expr"])
    assert isinstance(tree, pq.BinaryExpr) and str(tree.op) == ">"
    assert isinstance(tree.rhs, pq.NumberLiteral) and tree.rhs.val == 1.5
    assert isinstance(tree.lhs, pq.Call) and tree.lhs.func.name == "histogram_quantile"
    assert tree.lhs.args[0].val == 0.95
    assert duration(rule["for"]) == timedelta(minutes=5)


@pytest.mark.parametrize(
    "series",
    ["va_agent_errors_total", "va_agent_fallbacks_total", "va_agent_active_sessions"],
)
def test_errors_fallbacks_and_missing_agent_are_alerted(
    rules: list[dict[str, Any]], metric_series: dict[str, MetricSpec], series: str
) -> None:
    assert rules_reading(rules, metric_series, series), f"no alert rule reads {series}"


def test_missing_agent_alert_fires_on_absence(rules: list[dict[str, Any]]) -> None:
    absent = [r for r in rules if r["expr"].strip().startswith("absent(va_agent_active_sessions")]
    assert absent and absent[0]["labels"]["severity"] == "critical"


def test_promtool_rule_tests_cover_every_alert(
    rules: list[dict[str, Any]], metric_series: dict[str, MetricSpec]
) -> None:
    """alerts_test.yml (run by hand with promtool) makes every alert fire at least once, on
    series the services really export."""
    suite = load("alerts_test.yml")
    assert suite["rule_files"] == ["alerts.yml"]
    fired: set[str] = set()
    for case in suite["tests"]:
        for series in case["input_series"]:
            check = check_query(series["series"], metric_series)
            assert check.problems == [], f"{series['series']}: {check.problems}"
        for test in case["alert_rule_test"]:
            duration(test["eval_time"])
            if test["exp_alerts"]:
                fired.add(test["alertname"])
    assert fired == {rule["alert"] for rule in rules}
