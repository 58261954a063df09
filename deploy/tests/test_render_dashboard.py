"""The static renderer draws every panel of the shipped dashboard from recorded snapshots."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from metric_snapshots import SNAPSHOT_NAME, load_snapshots
from panel_data import PanelData
from record_metrics import record
from render_dashboard import render
from synthetic_snapshots import write_snapshots

pytestmark = pytest.mark.unit

DASHBOARD = Path(__file__).resolve().parents[1] / "grafana" / "dashboards" / "voice-assistant.json"


@pytest.fixture(scope="module")
def dashboard() -> dict[str, Any]:
    return json.loads(DASHBOARD.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def snapshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("snapshots")
    write_snapshots(out, rounds=24, step_s=5.0)
    return out


def test_synthetic_snapshots_cover_agent_and_backend(snapshots: Path) -> None:
    names = sorted(p.name for p in snapshots.iterdir())
    assert len(names) == 48 and all(SNAPSHOT_NAME.match(n) for n in names)
    store = load_snapshots(snapshots)
    assert len(store.times) == 24
    jobs = {dict(labels)["job"] for labels in store.series}
    assert jobs == {"agent", "backend"}


@pytest.fixture(scope="module")
def rendered(dashboard: dict[str, Any], snapshots: Path) -> tuple[str, list[PanelData]]:
    return render(dashboard, snapshots)


def test_every_panel_has_values(
    dashboard: dict[str, Any], rendered: tuple[str, list[PanelData]]
) -> None:
    page, panels = rendered
    drawn = [p for p in panels if p.panel["type"] != "row"]
    assert len(drawn) == sum(1 for p in dashboard["panels"] if p["type"] != "row")
    empty = [p.panel["title"] for p in drawn if not p.has_values]
    assert empty == []
    for panel in dashboard["panels"]:
        assert panel["title"] in page.replace("&amp;", "&")
    ids = {int(i) for i in re.findall(r'data-panel-id="(\d+)"', page)}
    assert ids == {p.panel["id"] for p in drawn}
    charts = sum(1 for p in drawn if p.panel["type"] == "timeseries")
    assert page.count("<polyline") >= charts
    assert "No data" not in page


def test_stat_values_follow_the_recorded_data(rendered: tuple[str, list[PanelData]]) -> None:
    _, panels = rendered
    by_title = {p.panel["title"]: p for p in panels}
    # synthetic turns take 0.45 to 1.35 s: p95 lands in the (1.0, 1.5] bucket
    assert 1.0 < by_title["p95 voice to voice (agent)"].series[0].last() <= 1.5
    # users connect in rounds 0 and 12, one leaves in round 22
    assert by_title["Agent sessions"].series[0].last() == 1.0
    assert by_title["Backend sessions"].series[0].last() == 1.0
    assert 0 < by_title["5xx share"].series[0].last() < 1


def test_recorder_writes_one_file_per_target_and_round(tmp_path: Path) -> None:
    now = [1_000.0]
    bodies = {"http://a/metrics": b"# TYPE x_total counter\nx_total 1\n"}

    def fetch(url: str) -> bytes:
        if url not in bodies:
            raise ConnectionRefusedError("down")
        return bodies[url]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    written = record(
        [("agent", "http://a/metrics"), ("backend", "http://b/metrics")],
        tmp_path,
        every_s=5.0,
        rounds=3,
        fetch=fetch,
        clock=lambda: now[0],
        sleep=sleep,
    )
    assert written == 3  # the backend never answered
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["1000000.agent.prom", "1005000.agent.prom", "1010000.agent.prom"]
    assert load_snapshots(tmp_path).times == [1000.0, 1005.0, 1010.0]
