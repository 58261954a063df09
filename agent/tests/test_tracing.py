"""OTLP trace export: off by default, spans reach a collector, content stripped unless allowed."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from livekit.agents.telemetry import tracer
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from voice_agent.observability.tracing import start_tracing, stop_tracing

pytestmark = pytest.mark.unit


class Collector:
    """A local OTLP/HTTP receiver: keeps the spans it is sent."""

    def __init__(self) -> None:
        self.spans: list[dict[str, object]] = []
        collector = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                request = ExportTraceServiceRequest.FromString(body)
                for resource in request.resource_spans:
                    for scope in resource.scope_spans:
                        for span in scope.spans:
                            attrs = {a.key: a.value.string_value for a in span.attributes}
                            collector.spans.append({"name": span.name, "attributes": attrs})
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def collector() -> Iterator[Collector]:
    c = Collector()
    yield c
    c.server.shutdown()


def test_no_endpoint_means_no_tracing() -> None:
    assert start_tracing(None, allow_content=False, attributes={}) is None


@pytest.mark.parametrize("allow_content", [False, True])
def test_spans_reach_the_collector_with_content_only_when_allowed(
    collector: Collector, allow_content: bool
) -> None:
    provider = start_tracing(
        collector.url, allow_content=allow_content, attributes={"room": "va-test"}
    )
    assert provider is not None
    with tracer.start_as_current_span(
        "user_turn", attributes={"lk.pii.user_transcript": "my secret", "lk.turn": "1"}
    ):
        pass
    stop_tracing(provider)

    spans = [s for s in collector.spans if s["name"] == "user_turn"]
    assert len(spans) == 1
    attrs = spans[0]["attributes"]
    assert isinstance(attrs, dict)
    assert attrs["room"] == "va-test"
    assert attrs["lk.turn"] == "1"
    assert ("lk.pii.user_transcript" in attrs) is allow_content
