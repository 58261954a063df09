"""OpenTelemetry traces of each turn, exported over OTLP/HTTP when an endpoint is set.

Off by default (``AGENT_OTLP_ENDPOINT`` unset). The framework already opens spans for the
session, each user turn, LLM request and TTS synthesis; this installs an SDK tracer
provider in the job process that sends them to a collector (Jaeger, Tempo, the OTel
Collector). Conversation content (transcripts, prompts, tool arguments) is stripped
before export unless ``AGENT_TRACE_CONTENT=true``.
"""

from __future__ import annotations

import logging

from livekit.agents import telemetry
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

logger = logging.getLogger("voice_agent.observability")

SERVICE_NAME = "voice-agent"


def start_tracing(
    endpoint: str | None, *, allow_content: bool, attributes: dict[str, str]
) -> TracerProvider | None:
    """Export this job's spans to ``endpoint`` (the collector's base URL, e.g.
    ``http://127.0.0.1:4318``); ``attributes`` (room, job id) go on every span."""
    if not endpoint:
        return None
    provider = TracerProvider(resource=Resource.create({"service.name": SERVICE_NAME}))
    exporter = OTLPSpanExporter(endpoint=endpoint.rstrip("/") + "/v1/traces", timeout=5)
    provider.add_span_processor(BatchSpanProcessor(exporter, schedule_delay_millis=1000))
    telemetry.set_tracer_provider(
        provider,
        metadata=dict(attributes),
        allow_pii=allow_content,
    )
    logger.info("exporting traces over OTLP", extra={"content": allow_content})
    return provider


def stop_tracing(provider: TracerProvider | None) -> None:
    """Flush what is left at job end (bounded: a dead collector must not hold the job)."""
    if provider is not None:
        provider.force_flush(timeout_millis=3000)
        provider.shutdown()
