"""Checks of deploy/ (Prometheus, alert rules, Grafana; compose, Helm, Dockerfiles, Terraform
through deploy/validate) and of the dashboard renderer (bench/observability, which draws this
dashboard).

Every module declares one layer with a module-level marker: `unit` (hermetic) or
`integration` (test_deploy_validators.py builds the Go validator from the module proxy):

    pytestmark = pytest.mark.unit
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from metric_catalogue import MetricSpec, load_catalogue, series_names

LAYERS = ("unit", "integration")
TESTS_DIR = Path(__file__).parent
sys.path.insert(0, str(TESTS_DIR.parents[1] / "bench" / "observability"))  # the renderer


@pytest.hookimpl(tryfirst=True)  # before `-m` deselection, which would hide unmarked modules
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    offenders: set[str] = set()
    for item in items:
        module = getattr(item, "module", None)
        if module is None or not item.path.is_relative_to(TESTS_DIR):
            continue  # this hook sees the whole run; other folders have their own rules
        marks = getattr(module, "pytestmark", [])
        marks = marks if isinstance(marks, list | tuple) else [marks]
        if len([m for m in marks if m.name in LAYERS]) != 1:
            offenders.add(module.__name__)
    if offenders:
        raise pytest.UsageError(
            f"deploy test modules need exactly one layer marker of {LAYERS}: {sorted(offenders)}"
        )


@pytest.fixture(scope="session")
def catalogue() -> dict[str, MetricSpec]:
    """docs/metrics.md, by metric name."""
    return load_catalogue()


@pytest.fixture(scope="session")
def metric_series(catalogue: dict[str, MetricSpec]) -> dict[str, MetricSpec]:
    """Every series name a query may select (histograms as _bucket, _sum, _count)."""
    return series_names(catalogue)
