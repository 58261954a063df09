"""Prometheus series of the backend (docs/metrics.md lists them; keep the two in step).

One registry per app, so two apps in one process (tests) never share counts. With
BACKEND_METRICS_ENABLED=false nothing is recorded and /metrics is not served."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Engine, event
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.log import logger

disable_created_metrics()  # type: ignore[no-untyped-call]  # unannotated upstream; only the documented series: no *_created timestamps

LATENCY_BUCKETS = (0.025, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.7, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0)
DB_OPERATIONS = ("select", "insert", "update", "delete")
WEBHOOK_EVENTS = frozenset(
    {
        "room_started",
        "room_finished",
        "participant_joined",
        "participant_left",
        "participant_connection_aborted",
        "track_published",
        "track_unpublished",
        "egress_started",
        "egress_updated",
        "egress_ended",
        "ingress_started",
        "ingress_ended",
    }
)
UNVERIFIED_EVENT = "unknown"  # a rejected delivery: its claimed event name is not trusted
OTHER_ROUTE = "other"  # anything no API route matched (the web page, 404s): never a raw path
OTHER_METHOD = "other"
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class _ActiveSessions(Collector):
    def __init__(self, count: Callable[[], int]) -> None:
        self._count = count

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            value = self._count()
        except Exception:  # the registry's store is down: leave the series out of this scrape
            logger.warning("active session count unavailable", exc_info=True)
            return
        yield GaugeMetricFamily(
            "va_backend_active_sessions", "sessions in the registry", value=value
        )


class BackendMetrics:
    def __init__(self, *, enabled: bool = True) -> None:
        self.enabled = enabled
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.http_requests = Counter(
            "va_backend_http_requests", "requests", ["method", "route", "status"], registry=r
        )
        self.http_duration = Histogram(
            "va_backend_http_request_duration_seconds",
            "request latency",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.tokens_issued = Counter(
            "va_backend_tokens_issued", "LiveKit tokens issued", registry=r
        )
        self.token_duration = Histogram(
            "va_backend_token_issue_duration_seconds",
            "time to issue one token (route)",
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.db_duration = Histogram(
            "va_backend_db_query_duration_seconds",
            "database statements",
            ["operation"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.messages = Counter("va_backend_messages_ingested", "messages persisted", registry=r)
        self.client_e2e = Histogram(
            "va_backend_client_e2e_latency_seconds",
            "end of user speech to first agent audio, measured in the browser",
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.webhooks = Counter(
            "va_backend_webhook_events", "LiveKit webhooks", ["event", "outcome"], registry=r
        )

    def watch_active_sessions(self, count: Callable[[], int]) -> None:
        self.registry.register(_ActiveSessions(count))

    def render(self) -> bytes:
        return generate_latest(self.registry)

    # Recorders: no-ops when disabled.

    def token_issued(self) -> None:
        if self.enabled:
            self.tokens_issued.inc()

    @contextmanager
    def time_token_issue(self) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            if self.enabled:
                self.token_duration.observe(time.perf_counter() - start)

    def messages_ingested(self, count: int) -> None:
        if self.enabled and count:
            self.messages.inc(count)

    def client_latency(self, seconds: float) -> None:
        if self.enabled:
            self.client_e2e.observe(seconds)

    def webhook(self, event_name: str, outcome: str) -> None:
        if self.enabled:
            known = event_name in WEBHOOK_EVENTS or event_name == UNVERIFIED_EVENT
            name = event_name if known else "other"
            self.webhooks.labels(event=name, outcome=outcome).inc()

    def request(self, method: str, route: str, status: int, seconds: float) -> None:
        if self.enabled:
            self.http_requests.labels(method=method, route=route, status=str(status)).inc()
            self.http_duration.labels(method=method, route=route).observe(seconds)

    def instrument_engine(self, engine: Engine) -> None:
        """Time every statement the engine runs, by its kind."""
        if not self.enabled:
            return

        def before(conn: Any, _cursor: Any, _stmt: str, *_args: Any) -> None:
            conn.info.setdefault("va_query_start", []).append(time.perf_counter())

        def after(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            starts = conn.info.get("va_query_start")
            if not starts:
                return
            elapsed = time.perf_counter() - starts.pop()
            verb = statement.lstrip().split(None, 1)[0].lower() if statement.strip() else ""
            self.db_duration.labels(operation=verb if verb in DB_OPERATIONS else "other").observe(
                elapsed
            )

        event.listen(engine, "before_cursor_execute", before)
        event.listen(engine, "after_cursor_execute", after)


def method_label(method: str) -> str:
    """The standard methods as themselves, any other token (a client can send anything) as
    `other`, so the label has a bounded set of values."""
    return method if method in KNOWN_METHODS else OTHER_METHOD


class HttpMetricsMiddleware:
    """Counts and times every HTTP request by method, route template and status."""

    def __init__(self, app: ASGIApp, *, metrics: BackendMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            route = getattr(scope.get("route"), "path", None) or OTHER_ROUTE
            elapsed = time.perf_counter() - start
            self.metrics.request(method_label(scope["method"]), route, status, elapsed)
