"""GET /metrics: exactly the backend series of docs/metrics.md, moved by real requests."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from job_credentials import job_headers
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from app.core.metrics import LATENCY_BUCKETS

pytestmark = pytest.mark.db

Headers = dict[str, str]
ClientFactory = Callable[..., TestClient]
DOC = Path(__file__).resolve().parents[3] / "docs" / "metrics.md"


def _documented() -> dict[str, tuple[str, set[str]]]:
    """name -> (type, label names) from the Backend table of docs/metrics.md."""
    section = DOC.read_text().split("## Backend", 1)[1]
    rows: dict[str, tuple[str, set[str]]] = {}
    for match in re.finditer(r"^\| `(va_backend_\w+)` \| (\w+) \|([^|]*)\|", section, re.M):
        name, kind, labels = match.groups()
        rows[name] = (
            kind,
            {label.split("(")[0].strip() for label in labels.split(",") if label.strip()},
        )
    return rows


def _families(client: TestClient) -> dict[str, tuple[str, list[Sample]]]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {f.name: (f.type, f.samples) for f in text_string_to_metric_families(response.text)}


def _value(samples: list[Sample], name: str, **labels: str) -> float:
    return sum(s.value for s in samples if s.name == name and labels.items() <= s.labels.items())


def test_exactly_the_documented_series(api: TestClient, alice: Headers) -> None:
    room = api.post("/api/conversations", json={}, headers=alice).json()["conversation"][
        "room_name"
    ]
    api.post("/api/token", json={}, headers=alice)
    api.put(
        f"/api/agent/conversations/{room}/messages/m1",
        json={"role": "user", "text": "hi"},
        headers=job_headers(api, room),
    )
    api.post(
        "/api/metrics/client-latency",
        json={"room_name": room, "turn": 0, "e2e_ms": 400},
        headers=alice,
    )
    api.post("/livekit/webhook", content=b"{}", headers={"Authorization": "forged"})

    families = _families(api)
    documented = _documented()
    assert len(documented) == 9
    exported = {
        name + ("_total" if kind == "counter" else ""): (kind, samples)
        for name, (kind, samples) in families.items()
    }
    assert set(exported) == set(documented)
    for name, (kind, labels) in documented.items():
        exported_kind, samples = exported[name]
        assert exported_kind == kind, name
        for sample in samples:
            assert set(sample.labels) - {"le"} == labels, (name, sample)
            if "le" in sample.labels and sample.labels["le"] != "+Inf":
                assert float(sample.labels["le"]) in LATENCY_BUCKETS, name


def test_series_move_with_requests(api: TestClient, alice: Headers) -> None:
    created = api.post("/api/conversations", json={}, headers=alice).json()["conversation"]
    api.post("/api/token", json={}, headers=alice)
    api.get(f"/api/conversations/{created['id']}", headers=alice)
    batch = [{"id": f"b{i}", "role": "user", "text": f"message {i}"} for i in range(5)]
    api.post(
        f"/api/agent/conversations/{created['room_name']}/messages:batch",
        json={"messages": batch},
        headers=job_headers(api, created["room_name"]),
    )
    api.post("/livekit/webhook", content=b"{}", headers={"Authorization": "forged"})

    families = _families(api)
    _, http = families["va_backend_http_requests"]
    route = "/api/conversations/{conversation_id}"
    assert (
        _value(http, "va_backend_http_requests_total", method="GET", route=route, status="200") == 1
    )
    # Routes are templates: no raw id ever becomes a label.
    assert not any(created["id"] in s.labels.get("route", "") for s in http)
    _, duration = families["va_backend_http_request_duration_seconds"]
    assert _value(duration, "va_backend_http_request_duration_seconds_count", route=route) == 1

    assert _value(families["va_backend_tokens_issued"][1], "va_backend_tokens_issued_total") == 2
    token_timer = families["va_backend_token_issue_duration_seconds"][1]
    assert _value(token_timer, "va_backend_token_issue_duration_seconds_count") == 1
    ingested = families["va_backend_messages_ingested"][1]
    assert _value(ingested, "va_backend_messages_ingested_total") == 5
    webhooks = families["va_backend_webhook_events"][1]
    assert (
        _value(webhooks, "va_backend_webhook_events_total", event="unknown", outcome="rejected")
        == 1
    )
    db = families["va_backend_db_query_duration_seconds"][1]
    for operation in ("select", "insert"):
        assert _value(db, "va_backend_db_query_duration_seconds_count", operation=operation) >= 1
    # Both the conversation and /api/token registered a session.
    assert _value(families["va_backend_active_sessions"][1], "va_backend_active_sessions") == 2


def test_metrics_can_be_turned_off(make_client: ClientFactory, alice: Headers) -> None:
    client = make_client(metrics_enabled=False)
    assert client.post("/api/token", json={}, headers=alice).status_code == 200
    assert client.get("/metrics").status_code == 404


def test_a_made_up_method_is_one_label_value(api: TestClient) -> None:
    """Any token is a valid HTTP method: as raw labels they would make unbounded series."""
    for i in range(3):
        assert api.request(f"MADEUP{i}", "/api/conversations").status_code == 405
    _, http = _families(api)["va_backend_http_requests"]
    methods = {s.labels["method"] for s in http if s.name == "va_backend_http_requests_total"}
    assert methods == {"other"}
    assert _value(http, "va_backend_http_requests_total", method="other", status="405") == 3
