"""Prometheus text-format snapshots on disk, read into time series.

A snapshot directory holds one file per target and poll round, as record_metrics.py writes
them: ``<unix time in ms>.<target>.prom``. Every series gets a ``job`` label naming its target,
as Prometheus adds one from its scrape configuration.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

Labels = tuple[tuple[str, str], ...]  # sorted (name, value) pairs, __name__ included
Sample = tuple[float, float]  # (unix time in seconds, value)

SNAPSHOT_NAME = re.compile(r"^(?P<ms>\d+)\.(?P<target>[a-z0-9_-]+)\.prom$")
TARGET_NAME = re.compile(r"^[a-z0-9_-]+$")


def snapshot_name(time_s: float, target: str) -> str:
    if not TARGET_NAME.match(target):
        raise ValueError(f"bad target name {target!r}: use lowercase letters, digits, - and _")
    return f"{round(time_s * 1000)}.{target}.prom"


def labels_of(mapping: dict[str, str]) -> Labels:
    return tuple(sorted(mapping.items()))


@dataclass
class SeriesStore:
    """Samples by series, and the poll rounds they were taken at."""

    series: dict[Labels, list[Sample]] = field(default_factory=dict)
    times: list[float] = field(default_factory=list)

    def add_text(self, text: str, time_s: float, target: str) -> None:
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                labels = {**sample.labels, "__name__": sample.name, "job": target}
                self.series.setdefault(labels_of(labels), []).append((time_s, sample.value))
        if time_s not in self.times:
            self.times.append(time_s)
            self.times.sort()

    def sort(self) -> None:
        for samples in self.series.values():
            samples.sort()


def load_snapshots(directory: Path) -> SeriesStore:
    """Every ``*.prom`` snapshot in `directory`, in time order."""
    store = SeriesStore()
    files = sorted(p for p in directory.iterdir() if SNAPSHOT_NAME.match(p.name))
    if not files:
        raise FileNotFoundError(f"no <ms>.<target>.prom snapshots in {directory}")
    for path in files:
        match = SNAPSHOT_NAME.match(path.name)
        assert match is not None
        store.add_text(path.read_text(encoding="utf-8"), int(match["ms"]) / 1000, match["target"])
    store.sort()
    return store
