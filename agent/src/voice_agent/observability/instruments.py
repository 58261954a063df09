"""The agent's Prometheus instruments (names and labels: ``docs/metrics.md``).

They are created on first use in the process that records them: job processes, which the
worker starts after it has set ``PROMETHEUS_MULTIPROC_DIR``, so every process writes its
values to that directory and the worker's ``/metrics`` endpoint adds them up. Without the
directory (tests, ``make console``) they live in the default in-process registry.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from prometheus_client import Counter, Gauge, Histogram

# one layout for every latency histogram, agent and backend (seconds)
LATENCY_BUCKETS = (0.025, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.7, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0)
SESSION_BUCKETS = (10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0)


@dataclass(frozen=True, slots=True)
class Instruments:
    stt_duration: Histogram
    eou_delay: Histogram
    llm_ttft: Histogram
    tts_ttfb: Histogram
    e2e_latency: Histogram
    turns: Counter
    llm_tokens: Counter
    tts_characters: Counter
    stt_audio_seconds: Counter
    errors: Counter
    fallbacks: Counter
    active_sessions: Gauge
    session_duration: Histogram


def _latency(name: str, doc: str, labels: tuple[str, ...] = ()) -> Histogram:
    return Histogram(name, doc, labels, buckets=LATENCY_BUCKETS)


@functools.cache
def instruments() -> Instruments:
    model = ("provider", "model")
    return Instruments(
        stt_duration=_latency(
            "va_agent_stt_duration_seconds", "End of speech to final transcript.", model
        ),
        eou_delay=_latency(
            "va_agent_eou_delay_seconds", "End of user speech to end of turn decided."
        ),
        llm_ttft=_latency("va_agent_llm_ttft_seconds", "LLM request to first token.", model),
        tts_ttfb=_latency("va_agent_tts_ttfb_seconds", "TTS request to first audio.", model),
        e2e_latency=_latency(
            "va_agent_e2e_latency_seconds",
            "End of user speech to first agent audio (agent clock).",
        ),
        turns=Counter("va_agent_turns", "Agent replies.", ("interrupted",)),
        llm_tokens=Counter("va_agent_llm_tokens", "LLM tokens.", (*model, "direction")),
        tts_characters=Counter("va_agent_tts_characters", "Characters sent to TTS.", model),
        stt_audio_seconds=Counter(
            "va_agent_stt_audio_seconds", "Audio seconds transcribed.", model
        ),
        errors=Counter("va_agent_errors", "Provider and backend errors.", ("source", "type")),
        fallbacks=Counter(
            "va_agent_fallbacks",
            "A provider failed and the next one in its chain took over.",
            ("source", "provider"),
        ),
        active_sessions=Gauge(
            "va_agent_active_sessions", "Sessions running now.", multiprocess_mode="livesum"
        ),
        session_duration=Histogram(
            "va_agent_session_duration_seconds",
            "Length of finished sessions.",
            buckets=SESSION_BUCKETS,
        ),
    )
