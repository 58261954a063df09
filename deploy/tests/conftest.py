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

sys.path.insert(0, str(Path(__file__).parents[2] / "bench" / "observability"))  # the renderer


@pytest.fixture(scope="session")
def catalogue() -> dict[str, MetricSpec]:
    """docs/metrics.md, by metric name."""
    return load_catalogue()


@pytest.fixture(scope="session")
def metric_series(catalogue: dict[str, MetricSpec]) -> dict[str, MetricSpec]:
    """Every series name a query may select (histograms as _bucket, _sum, _count)."""
    return series_names(catalogue)
