"""The renderer's PromQL evaluator agrees with Prometheus on the forms the dashboard uses."""

from __future__ import annotations

import math

import pytest
from metric_snapshots import SeriesStore, labels_of
from promql_eval import Evaluator, UnsupportedQuery

pytestmark = pytest.mark.unit

BUCKET_TEXT = """# TYPE lat_seconds histogram
lat_seconds_bucket{le="0.1",p="a"} {b1}
lat_seconds_bucket{le="0.5",p="a"} {b2}
lat_seconds_bucket{le="1.0",p="a"} {b3}
lat_seconds_bucket{le="+Inf",p="a"} {b3}
lat_seconds_sum{p="a"} 1
lat_seconds_count{p="a"} {b3}
# TYPE req_total counter
req_total{code="200"} {ok}
req_total{code="500"} {err}
# TYPE live gauge
live {live}
"""


def snapshot(**values: float) -> str:
    text = BUCKET_TEXT
    for key, value in values.items():
        text = text.replace("{" + key + "}", str(value))
    return text


@pytest.fixture
def store() -> SeriesStore:
    store = SeriesStore()
    store.add_text(snapshot(b1=0, b2=0, b3=0, ok=10, err=0, live=1), 100.0, "svc")
    store.add_text(snapshot(b1=10, b2=60, b3=100, ok=20, err=2, live=3), 110.0, "svc")
    store.add_text(snapshot(b1=10, b2=60, b3=100, ok=5, err=3, live=2), 120.0, "svc")  # reset
    return store


def at(store: SeriesStore, expr: str, t: float = 120.0) -> float | dict:
    evaluator = Evaluator(store, {"__rate_interval": "30s", "__range": "60s"})
    return evaluator.at(evaluator.parse(expr), t)


def test_histogram_quantile_interpolates_like_prometheus(store: SeriesStore) -> None:
    # 100 observations: 10 up to 0.1 s, 50 in (0.1, 0.5], 40 in (0.5, 1.0]
    result = at(store, "histogram_quantile(0.5, sum by (le) (rate(lat_seconds_bucket[30s])))")
    assert result == {(): pytest.approx(0.1 + 0.4 * (40 / 50))}
    p99 = at(store, "histogram_quantile(0.99, sum by (le) (increase(lat_seconds_bucket[1m])))")
    assert p99 == {(): pytest.approx(0.5 + 0.5 * (39 / 40))}


def test_histogram_quantile_without_observations_is_nan(store: SeriesStore) -> None:
    query = "histogram_quantile(0.5, sum by (le) (rate(lat_seconds_bucket[15s])))"
    assert at(store, query, 100.0) == {}  # one sample in the window: no rate yet
    assert math.isnan(at(store, query, 120.0)[()])  # buckets did not move from 110 to 120 s


def test_increase_treats_a_drop_as_a_counter_reset(store: SeriesStore) -> None:
    result = at(store, 'increase(req_total{code="200"}[$__range])')
    assert result == {labels_of({"code": "200", "job": "svc"}): 10.0 + 5.0}


def test_sum_by_and_vector_division(store: SeriesStore) -> None:
    ratio = at(
        store,
        'sum(rate(req_total{code=~"5.."}[$__rate_interval])) / sum(rate(req_total[30s]))',
    )
    assert ratio == {(): pytest.approx(3 / 18)}
    by_code = at(store, "sum by (code) (rate(req_total[30s])) * 60")
    assert by_code == {
        (("code", "200"),): pytest.approx(15 / 20 * 60),
        (("code", "500"),): pytest.approx(3 / 20 * 60),
    }


def test_instant_selector_and_comparison(store: SeriesStore) -> None:
    assert at(store, "sum(live)") == {(): 2.0}
    assert at(store, "sum(live) > 5") == {}
    assert at(store, "sum(live) > bool 5") == {(): 0.0}


def test_or_vector_fills_in_a_missing_series(store: SeriesStore) -> None:
    assert at(store, 'sum(rate(req_total{code="404"}[30s])) or vector(0)') == {(): 0.0}
    assert at(store, 'sum(rate(req_total{code="500"}[30s])) or vector(0)') == {
        (): pytest.approx(3 / 20)
    }


@pytest.mark.parametrize(
    "expr",
    ["topk(1, live)", "label_replace(live, 'a', 'b', 'c', 'd')", "rate(live[$__bogus])"],
)
def test_unsupported_queries_fail_loudly(store: SeriesStore, expr: str) -> None:
    with pytest.raises(UnsupportedQuery):
        at(store, expr)
