"""Each dashboard panel's queries evaluated at every snapshot round."""

from __future__ import annotations

import math
import re
import statistics
from dataclasses import dataclass, field
from typing import Any

from metric_snapshots import Labels, SeriesStore
from promql_eval import Evaluator

_LEGEND = re.compile(r"\{\{\s*(\w+)\s*\}\}")


@dataclass
class SeriesData:
    name: str
    points: list[tuple[float, float]]  # (unix time s, value); NaN where there is no value

    def last(self) -> float:
        finite = [v for _, v in self.points if math.isfinite(v)]
        return finite[-1] if finite else math.nan


@dataclass
class PanelData:
    panel: dict[str, Any]
    series: list[SeriesData] = field(default_factory=list)

    @property
    def has_values(self) -> bool:
        return any(math.isfinite(v) for s in self.series for _, v in s.points)


def default_variables(store: SeriesStore) -> dict[str, str]:
    """Grafana's interval variables for a recording: $__rate_interval is 4 scrape intervals."""
    times = store.times
    step = (
        statistics.median(b - a for a, b in zip(times, times[1:], strict=False))
        if len(times) > 1
        else 15.0
    )
    span = times[-1] - times[0] if times else 0.0
    return {
        "__interval": f"{max(1, round(step))}s",
        "__rate_interval": f"{max(1, round(4 * step))}s",
        "__range": f"{max(1, round(span + step))}s",
    }


def legend(fmt: str, labels: Labels) -> str:
    values = dict(labels)
    if fmt:
        return " ".join(_LEGEND.sub(lambda m: values.get(m[1], ""), fmt).split())
    shown = [f'{k}="{v}"' for k, v in labels if k != "__name__"]
    return "{" + ", ".join(shown) + "}"


def evaluate_panel(panel: dict[str, Any], evaluator: Evaluator, times: list[float]) -> PanelData:
    data = PanelData(panel)
    for target in panel.get("targets", []):
        tree = evaluator.parse(target["expr"])
        by_labels: dict[Labels, dict[float, float]] = {}
        for t in times:
            value = evaluator.at(tree, t)
            vector = {(): value} if isinstance(value, float) else value
            for labels, v in vector.items():
                by_labels.setdefault(labels, {})[t] = v
        for labels in sorted(by_labels):
            points = [(t, by_labels[labels].get(t, math.nan)) for t in times]
            data.series.append(SeriesData(legend(target.get("legendFormat", ""), labels), points))
    return data


def evaluate_dashboard(
    dashboard: dict[str, Any], store: SeriesStore, variables: dict[str, str] | None = None
) -> list[PanelData]:
    evaluator = Evaluator(store, variables or default_variables(store))
    return [evaluate_panel(panel, evaluator, store.times) for panel in dashboard["panels"]]
