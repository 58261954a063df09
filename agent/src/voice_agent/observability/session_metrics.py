"""Feeds the Prometheus instruments from one AgentSession, as each turn happens.

- per-turn latencies from ``ChatMessage.metrics`` (the same figures the web panel shows):
  STT (transcription delay), end of utterance, end to end;
- LLM first token and TTS first byte, tokens, characters and audio seconds from the
  providers' own metrics events, labelled with the provider and model that produced them
  (with a fallback chain: the one that actually answered);
- errors by source and type, sessions running and their duration.

Labels never carry text, room names or user ids.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from livekit.agents import (
    AgentSession,
    CloseEvent,
    ConversationItemAddedEvent,
    ErrorEvent,
    MetricsCollectedEvent,
    llm,
    metrics,
)

from .errors import classify
from .instruments import instruments

logger = logging.getLogger("voice_agent.observability")

UNKNOWN = "unknown"


def _labels(ev: Any) -> tuple[str, str]:
    meta = getattr(ev, "metadata", None)
    provider = getattr(meta, "model_provider", None) or UNKNOWN
    model = getattr(meta, "model_name", None) or UNKNOWN
    return provider, model


def _figure(values: Any, key: str) -> float | None:
    value = (values or {}).get(key)
    return float(value) if isinstance(value, int | float) and value >= 0 else None


def source_of(obj: Any) -> str:
    """``stt``, ``llm``, ``tts`` or ``agent`` for an error event's source."""
    from livekit.agents import stt, tts  # local: keeps this module cheap to import

    if isinstance(obj, stt.STT):
        return "stt"
    if isinstance(obj, llm.LLM):
        return "llm"
    if isinstance(obj, tts.TTS):
        return "tts"
    return "agent"


# (kind, source, detail) -> None: the job's timeline, told of every error and fallback
Listener = Callable[[str, str, str], None]
# by the thread of the job's event loop, where the providers' and the session's events fire:
# with jobs as threads (AGENT_JOB_EXECUTOR=thread) one process runs every call
_listeners: dict[int, list[Listener]] = {}
_listeners_lock = threading.Lock()


def add_listener(listener: Listener) -> Callable[[], None]:
    """Be told of each error and fallback recorded on this thread (the job's event loop);
    returns the remover."""
    thread = threading.get_ident()
    with _listeners_lock:
        _listeners.setdefault(thread, []).append(listener)

    def remove() -> None:
        with _listeners_lock:
            own = _listeners.get(thread, [])
            if listener in own:
                own.remove(listener)
            if not own:
                _listeners.pop(thread, None)

    return remove


def _tell(kind: str, source: str, detail: str) -> None:
    with _listeners_lock:
        listeners = list(_listeners.get(threading.get_ident(), ()))
    for listener in listeners:
        try:
            listener(kind, source, detail)
        except Exception:
            logger.warning("timeline listener failed", exc_info=True)


def record_error(source: str, exc: BaseException | None) -> str:
    """Count one error; returns its type. For code outside a session (backend calls)."""
    kind = classify(exc)
    instruments().errors.labels(source=source, type=kind).inc()
    if source != "backend":  # a failing backend cannot take the news itself
        _tell("error", source, f"{source} error: {kind}")
    return kind


def record_fallback(source: str, provider: str) -> None:
    """Count one fallback: ``provider`` failed for ``source`` and the chain moved on."""
    provider = provider or UNKNOWN
    instruments().fallbacks.labels(source=source, provider=provider).inc()
    _tell("fallback", source, f"{source} provider {provider} failed; the next one took over")


class SessionMetrics:
    def __init__(self, session: AgentSession[Any], stt_labels: tuple[str, str]) -> None:
        self._session = session
        self._stt_labels = stt_labels
        self._started: float | None = None
        self._m = instruments()

    @classmethod
    def attach(cls, session: AgentSession[Any]) -> SessionMetrics:
        stt_ = session.stt
        labels = (stt_.provider, stt_.model) if stt_ is not None else (UNKNOWN, UNKNOWN)
        self = cls(session, labels)
        session.on("conversation_item_added", self._on_item)
        session.on("metrics_collected", self._on_metrics)
        session.on("error", self._on_error)
        session.on("close", self._on_close)
        self._started = time.monotonic()
        self._m.active_sessions.inc()
        return self

    # --- events (sync, as the framework requires) -----------------------------------------
    def _on_item(self, ev: ConversationItemAddedEvent) -> None:
        item = ev.item
        if not isinstance(item, llm.ChatMessage):
            return
        if item.role == "user":
            if (stt_s := _figure(item.metrics, "transcription_delay")) is not None:
                self._m.stt_duration.labels(*self._stt_labels).observe(stt_s)
            if (eou := _figure(item.metrics, "end_of_turn_delay")) is not None:
                self._m.eou_delay.observe(eou)
        elif item.role == "assistant":
            self._m.turns.labels(interrupted=str(bool(item.interrupted)).lower()).inc()
            if (e2e := _figure(item.metrics, "e2e_latency")) is not None:
                self._m.e2e_latency.observe(e2e)

    def _on_metrics(self, ev: MetricsCollectedEvent) -> None:
        m = ev.metrics
        if isinstance(m, metrics.LLMMetrics):
            provider, model = _labels(m)
            if m.ttft >= 0 and not m.cancelled:
                self._m.llm_ttft.labels(provider, model).observe(m.ttft)
            tokens = self._m.llm_tokens
            tokens.labels(provider, model, "input").inc(max(m.prompt_tokens, 0))
            tokens.labels(provider, model, "output").inc(max(m.completion_tokens, 0))
        elif isinstance(m, metrics.TTSMetrics):
            provider, model = _labels(m)
            if m.ttfb >= 0 and not m.cancelled:
                self._m.tts_ttfb.labels(provider, model).observe(m.ttfb)
            self._m.tts_characters.labels(provider, model).inc(max(m.characters_count, 0))
        elif isinstance(m, metrics.STTMetrics):
            provider, model = _labels(m)
            self._m.stt_audio_seconds.labels(provider, model).inc(max(m.audio_duration, 0.0))

    def _on_error(self, ev: ErrorEvent) -> None:
        error = getattr(ev.error, "error", ev.error)  # LLMError/STTError/TTSError wrap it
        source = source_of(ev.source)
        kind = record_error(source, error if isinstance(error, BaseException) else None)
        recoverable = getattr(ev.error, "recoverable", None)
        logger.warning(
            "provider error", extra={"source": source, "type": kind, "recoverable": recoverable}
        )

    def _on_close(self, _ev: CloseEvent) -> None:
        self.close()

    def close(self) -> None:
        """Idempotent: the session's close event and the job's shutdown may both call it."""
        if self._started is None:
            return
        self._m.session_duration.observe(time.monotonic() - self._started)
        self._m.active_sessions.dec()
        self._started = None
