"""deploy/grafana: provisioning files and the dashboard JSON (structure, layout, queries)."""

from __future__ import annotations

import json
from itertools import combinations
from pathlib import Path
from typing import Any

import pytest
import yaml
from metric_catalogue import MetricSpec
from promql_check import check_query

pytestmark = pytest.mark.unit

GRAFANA_DIR = Path(__file__).resolve().parents[1] / "grafana"
DASHBOARD = GRAFANA_DIR / "dashboards" / "voice-assistant.json"
GRID_COLUMNS = 24
PANEL_TYPES = {"row", "stat", "timeseries"}
REQUIRED_ROWS = {
    "Overview",
    "Latency per stage (p50 / p95)",
    "Usage by provider and model",
    "Errors and fallbacks",
    "Sessions",
    "Backend",
}


def load_yaml(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), path
    return data


@pytest.fixture(scope="module")
def dashboard() -> dict[str, Any]:
    return json.loads(DASHBOARD.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def panels(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    return dashboard["panels"]


@pytest.fixture(scope="module")
def targets(panels: list[dict[str, Any]]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    return [(panel, target) for panel in panels for target in panel.get("targets", [])]


@pytest.fixture(scope="module")
def datasources() -> dict[str, str]:
    """Provisioned datasources: uid to type."""
    found: dict[str, str] = {}
    for path in sorted((GRAFANA_DIR / "provisioning" / "datasources").glob("*.yaml")):
        data = load_yaml(path)
        assert data["apiVersion"] == 1
        for source in data["datasources"]:
            assert source["name"] and source["url"].startswith("http://127.0.0.1:9090")
            found[source["uid"]] = source["type"]
    return found


def test_dashboard_provider_loads_the_dashboard_folder() -> None:
    paths = sorted((GRAFANA_DIR / "provisioning" / "dashboards").glob("*.yaml"))
    assert paths
    for path in paths:
        data = load_yaml(path)
        assert data["apiVersion"] == 1
        for provider in data["providers"]:
            assert provider["type"] == "file"
            assert provider["options"]["path"].startswith("/")
    assert DASHBOARD.parent.name == "dashboards"


def test_dashboard_header(dashboard: dict[str, Any]) -> None:
    assert dashboard["schemaVersion"] >= 39
    assert dashboard["uid"] and len(dashboard["uid"]) <= 40
    assert dashboard["title"]
    assert dashboard["templating"]["list"] == []  # no variable queries to validate


def test_datasources_are_provisioned_uids(
    datasources: dict[str, str], panels: list[dict[str, Any]], targets: list[Any]
) -> None:
    assert datasources == {"va-prometheus": "prometheus"}
    refs = [p["datasource"] for p in panels if p["type"] != "row"]
    refs += [t["datasource"] for _, t in targets]
    assert refs
    for ref in refs:
        assert set(ref) == {"type", "uid"}, "refer to datasources by uid, not by name"
        assert datasources.get(ref["uid"]) == ref["type"]


def test_panel_ids_are_unique_and_types_known(panels: list[dict[str, Any]]) -> None:
    ids = [p["id"] for p in panels]
    assert all(isinstance(i, int) and i > 0 for i in ids)
    assert len(ids) == len(set(ids))
    assert {p["type"] for p in panels} <= PANEL_TYPES
    assert {p["title"] for p in panels if p["type"] == "row"} >= REQUIRED_ROWS
    for panel in panels:
        if panel["type"] == "row":
            assert panel["panels"] == [] and not panel["collapsed"]
        else:
            assert panel["targets"], panel["title"]


def overlap(a: dict[str, int], b: dict[str, int]) -> bool:
    return (
        a["x"] < b["x"] + b["w"]
        and b["x"] < a["x"] + a["w"]
        and a["y"] < b["y"] + b["h"]
        and b["y"] < a["y"] + a["h"]
    )


def test_grid_positions_fit_and_do_not_overlap(panels: list[dict[str, Any]]) -> None:
    for panel in panels:
        pos = panel["gridPos"]
        assert pos["x"] >= 0 and pos["y"] >= 0 and pos["w"] >= 1 and pos["h"] >= 1
        assert pos["x"] + pos["w"] <= GRID_COLUMNS, panel["title"]
    for a, b in combinations(panels, 2):
        assert not overlap(a["gridPos"], b["gridPos"]), f"{a['title']!r} overlaps {b['title']!r}"


def test_overlap_detects_shared_cells() -> None:
    assert overlap({"x": 0, "y": 0, "w": 12, "h": 8}, {"x": 11, "y": 7, "w": 4, "h": 4})
    assert not overlap({"x": 0, "y": 0, "w": 12, "h": 8}, {"x": 12, "y": 0, "w": 12, "h": 8})


def test_every_query_is_valid(targets: list[Any], metric_series: dict[str, MetricSpec]) -> None:
    assert targets
    for panel, target in targets:
        check = check_query(target["expr"], metric_series)
        assert check.problems == [], f"{panel['title']} / {target['refId']}: {check.problems}"
    for panel in {id(p): p for p, _ in targets}.values():
        refs = [t["refId"] for t in panel["targets"]]
        assert len(refs) == len(set(refs)), panel["title"]


def test_every_documented_metric_is_on_the_dashboard(
    targets: list[Any], catalogue: dict[str, MetricSpec], metric_series: dict[str, MetricSpec]
) -> None:
    used = {
        metric_series[name].name
        for _, target in targets
        for name in check_query(target["expr"], metric_series).series
    }
    assert used == set(catalogue), f"not on the dashboard: {set(catalogue) - used}"


def test_latency_histograms_have_p50_and_p95(
    targets: list[Any], catalogue: dict[str, MetricSpec], metric_series: dict[str, MetricSpec]
) -> None:
    quantiles: dict[str, set[float]] = {}
    for _, target in targets:
        for name, found in check_query(target["expr"], metric_series).quantiles.items():
            quantiles.setdefault(name, set()).update(found)
    for spec in catalogue.values():
        if spec.type == "histogram":
            assert {0.5, 0.95} <= quantiles.get(spec.name, set()), spec.name
