"""The metric names and labels of docs/metrics.md, read from its tables.

docs/metrics.md is the single list of what the services export; the dashboard and the alert
rules may only use what it names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
METRICS_MD = ROOT / "docs" / "metrics.md"
METRIC_TYPES = ("counter", "gauge", "histogram")
HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")

_ROW = re.compile(r"^\|\s*`(?P<name>[a-z_:][a-z0-9_:]*)`\s*\|(?P<type>[^|]*)\|(?P<labels>[^|]*)\|")
_SECTION = re.compile(r"^##\s+(?P<title>\S+)")
_LABEL = re.compile(r"^\s*([a-z_][a-z0-9_]*)")


@dataclass(frozen=True, slots=True)
class MetricSpec:
    name: str
    type: str  # counter, gauge or histogram
    labels: frozenset[str]
    section: str  # the heading it is listed under: "Agent" or "Backend"


def parse_catalogue(text: str) -> dict[str, MetricSpec]:
    """Every metric row of the markdown tables, by name."""
    specs: dict[str, MetricSpec] = {}
    section = ""
    for line in text.splitlines():
        if heading := _SECTION.match(line):
            section = heading["title"]
            continue
        row = _ROW.match(line)
        if row is None:
            continue
        kind = row["type"].split()[0].strip() if row["type"].split() else ""
        if kind not in METRIC_TYPES:
            raise ValueError(f"{row['name']}: unknown metric type {row['type'].strip()!r}")
        if row["name"] in specs:
            raise ValueError(f"{row['name']} is listed twice")
        # "source (`stt`/`llm`), type (...)": drop the value lists, keep the label names
        cell = re.sub(r"\([^)]*\)", "", row["labels"])
        labels = frozenset(m[1] for part in cell.split(",") if (m := _LABEL.match(part)))
        specs[row["name"]] = MetricSpec(row["name"], kind, labels, section)
    return specs


def load_catalogue(path: Path = METRICS_MD) -> dict[str, MetricSpec]:
    return parse_catalogue(path.read_text(encoding="utf-8"))


def series_names(catalogue: dict[str, MetricSpec]) -> dict[str, MetricSpec]:
    """Every series name a query may select: histograms only as _bucket, _sum and _count."""
    names: dict[str, MetricSpec] = {}
    for spec in catalogue.values():
        if spec.type == "histogram":
            names.update({spec.name + suffix: spec for suffix in HISTOGRAM_SUFFIXES})
        else:
            names[spec.name] = spec
    return names
