"""The agent's Prometheus instruments, fed from the session's own events."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from livekit import rtc
from livekit.agents import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    CloseEvent,
    ConversationItemAddedEvent,
    ErrorEvent,
    MetricsCollectedEvent,
    llm,
    metrics,
)
from livekit.agents.llm import LLMError
from livekit.agents.metrics.base import Metadata
from livekit.agents.voice.events import CloseReason
from prometheus_client import REGISTRY
from voice_agent.observability import SessionMetrics, classify, record_error, record_fallback

pytestmark = pytest.mark.unit


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


class FakeSTT:
    provider = "local"
    model = "moonshine-tiny"


class FakeSession(rtc.EventEmitter[Any]):
    """Stands in for AgentSession: the recorder only subscribes to events and reads .stt."""

    stt = FakeSTT()


def user_message(**figures: float) -> ConversationItemAddedEvent:
    return ConversationItemAddedEvent(
        item=llm.ChatMessage(role="user", content=["hi"], metrics=figures)  # type: ignore[arg-type]
    )


def agent_message(interrupted: bool = False, **figures: float) -> ConversationItemAddedEvent:
    return ConversationItemAddedEvent(
        item=llm.ChatMessage(
            role="assistant",
            content=["hello"],
            interrupted=interrupted,
            metrics=figures,  # type: ignore[arg-type]
        )
    )


def llm_metrics(ttft: float, prompt: int, completion: int) -> MetricsCollectedEvent:
    return MetricsCollectedEvent(
        metrics=metrics.LLMMetrics(
            label="x",
            request_id="r",
            timestamp=0.0,
            duration=1.0,
            ttft=ttft,
            cancelled=False,
            completion_tokens=completion,
            prompt_tokens=prompt,
            prompt_cached_tokens=0,
            total_tokens=prompt + completion,
            tokens_per_second=10.0,
            metadata=Metadata(model_name="qwen-test", model_provider="local"),
        )
    )


def tts_metrics(ttfb: float, characters: int) -> MetricsCollectedEvent:
    return MetricsCollectedEvent(
        metrics=metrics.TTSMetrics(
            label="x",
            request_id="r",
            timestamp=0.0,
            ttfb=ttfb,
            duration=1.0,
            audio_duration=1.0,
            cancelled=False,
            characters_count=characters,
            streamed=True,
            metadata=Metadata(model_name="piper-test", model_provider="local"),
        )
    )


def test_a_turn_moves_each_latency_histogram_once() -> None:
    session = FakeSession()
    stt_labels = {"provider": "local", "model": "moonshine-tiny"}
    before = {
        "stt": sample("va_agent_stt_duration_seconds_count", **stt_labels),
        "eou": sample("va_agent_eou_delay_seconds_count"),
        "e2e": sample("va_agent_e2e_latency_seconds_count"),
        "e2e_sum": sample("va_agent_e2e_latency_seconds_sum"),
        "turns": sample("va_agent_turns_total", interrupted="false"),
    }
    SessionMetrics.attach(session)  # type: ignore[arg-type]
    session.emit(
        "conversation_item_added", user_message(transcription_delay=0.07, end_of_turn_delay=0.3)
    )
    session.emit("conversation_item_added", agent_message(e2e_latency=0.9))

    assert sample("va_agent_stt_duration_seconds_count", **stt_labels) == before["stt"] + 1
    assert sample("va_agent_eou_delay_seconds_count") == before["eou"] + 1
    assert sample("va_agent_e2e_latency_seconds_count") == before["e2e"] + 1
    assert sample("va_agent_e2e_latency_seconds_sum") == pytest.approx(before["e2e_sum"] + 0.9)
    assert sample("va_agent_turns_total", interrupted="false") == before["turns"] + 1


def test_a_greeting_counts_as_a_turn_without_latency_figures() -> None:
    session = FakeSession()
    e2e = sample("va_agent_e2e_latency_seconds_count")
    turns = sample("va_agent_turns_total", interrupted="true")
    SessionMetrics.attach(session)  # type: ignore[arg-type]
    session.emit("conversation_item_added", agent_message(interrupted=True))
    assert sample("va_agent_e2e_latency_seconds_count") == e2e
    assert sample("va_agent_turns_total", interrupted="true") == turns + 1


def test_provider_metrics_feed_tokens_characters_and_first_chunk_times() -> None:
    session = FakeSession()
    llm_labels = {"provider": "local", "model": "qwen-test"}
    tts_labels = {"provider": "local", "model": "piper-test"}
    tokens_in = sample("va_agent_llm_tokens_total", **llm_labels, direction="input")
    tokens_out = sample("va_agent_llm_tokens_total", **llm_labels, direction="output")
    chars = sample("va_agent_tts_characters_total", **tts_labels)
    ttft = sample("va_agent_llm_ttft_seconds_count", **llm_labels)
    ttfb = sample("va_agent_tts_ttfb_seconds_count", **tts_labels)

    SessionMetrics.attach(session)  # type: ignore[arg-type]
    session.emit("metrics_collected", llm_metrics(ttft=0.2, prompt=40, completion=12))
    session.emit("metrics_collected", tts_metrics(ttfb=0.1, characters=31))
    session.emit("metrics_collected", tts_metrics(ttfb=-1, characters=5))  # no audio: no ttfb

    assert sample("va_agent_llm_tokens_total", **llm_labels, direction="input") == tokens_in + 40
    assert sample("va_agent_llm_tokens_total", **llm_labels, direction="output") == tokens_out + 12
    assert sample("va_agent_tts_characters_total", **tts_labels) == chars + 36
    assert sample("va_agent_llm_ttft_seconds_count", **llm_labels) == ttft + 1
    assert sample("va_agent_tts_ttfb_seconds_count", **tts_labels) == ttfb + 1


def test_sessions_gauge_and_duration_follow_the_session() -> None:
    active = sample("va_agent_active_sessions")
    finished = sample("va_agent_session_duration_seconds_count")
    session = FakeSession()
    recorder = SessionMetrics.attach(session)  # type: ignore[arg-type]
    assert sample("va_agent_active_sessions") == active + 1
    session.emit("close", CloseEvent(reason=CloseReason.PARTICIPANT_DISCONNECTED))
    recorder.close()  # the job's shutdown callback too: counted once
    assert sample("va_agent_active_sessions") == active
    assert sample("va_agent_session_duration_seconds_count") == finished + 1


def test_error_events_are_counted_by_source_and_type() -> None:
    session = FakeSession()
    labels = {"source": "agent", "type": "rate_limit"}
    before = sample("va_agent_errors_total", **labels)
    SessionMetrics.attach(session)  # type: ignore[arg-type]
    error = LLMError(
        timestamp=0.0,
        label="x",
        error=APIStatusError("slow down", status_code=429),
        recoverable=True,
    )
    session.emit("error", ErrorEvent(error=error, source=object()))
    assert sample("va_agent_errors_total", **labels) == before + 1


def test_record_error_and_fallback_for_callers_outside_a_session() -> None:
    errors = sample("va_agent_errors_total", source="backend", type="connection")
    fallbacks = sample("va_agent_fallbacks_total", source="llm", provider="openai")
    assert record_error("backend", httpx.ConnectError("refused")) == "connection"
    record_fallback("llm", "openai")
    assert sample("va_agent_errors_total", source="backend", type="connection") == errors + 1
    assert sample("va_agent_fallbacks_total", source="llm", provider="openai") == fallbacks + 1


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (APITimeoutError(), "timeout"),
        (httpx.ReadTimeout("slow"), "timeout"),
        (APIStatusError("busy", status_code=429), "rate_limit"),
        (APIStatusError("boom", status_code=500), "status"),
        (APIConnectionError(), "connection"),
        (ConnectionRefusedError(), "connection"),
        (ValueError("bug"), "other"),
        (None, "other"),
    ],
)
def test_classify(exc: BaseException | None, kind: str) -> None:
    assert classify(exc) == kind


def test_classify_looks_through_a_wrapping_error() -> None:
    try:
        try:
            raise httpx.ConnectError("refused")
        except httpx.ConnectError as inner:
            raise RuntimeError("llm failed") from inner
    except RuntimeError as outer:
        assert classify(outer) == "connection"


@pytest.mark.parametrize(
    ("status", "timed_out", "kind"),
    [
        (None, False, "connection"),
        (None, True, "timeout"),
        (429, False, "rate_limit"),
        (503, False, "status"),
    ],
)
def test_backend_errors_know_their_type(status: int | None, timed_out: bool, kind: str) -> None:
    from voice_agent.persistence import BackendError

    assert classify(BackendError("failed", status=status, timed_out=timed_out)) == kind
