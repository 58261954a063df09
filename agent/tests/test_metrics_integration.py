"""One real spoken turn through the whole stack, then both Prometheus endpoints.

livekit-server, the backend and the agent (local models) run from scripts/stack.py on spare
ports. The agent's LLM chain starts with an OpenAI-compatible provider whose port refuses
connections, so the turn is answered by the local model after a fallback: the injected
failure must move the error and fallback counters, and the turn must move the latency
histograms, token counters and session gauges by exactly what happened.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "bench"), str(ROOT / "bench" / "latency")]

from speech import speak, with_silence  # noqa: E402
from stack_runner import free_port, free_stack_ports, running_stack, stack_env  # noqa: E402
from voice_client import VoiceClient  # noqa: E402

PORTS = free_stack_ports()
BACKEND = f"http://127.0.0.1:{PORTS['BACKEND_PORT']}"
AGENT_METRICS = f"http://127.0.0.1:{PORTS['AGENT_METRICS_PORT']}/metrics"


def refused_port() -> int:
    """A loopback port nothing listens on (bound, then closed)."""
    return free_port()


Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(url: str) -> Samples:
    with urllib.request.urlopen(url, timeout=10) as response:
        text = response.read().decode()
    out: Samples = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def value(samples: Samples, name: str, **labels: str) -> float:
    """The sum of ``name`` over every series whose labels include ``labels``."""
    want = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and want <= set(ls))


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    state = tmp_path_factory.mktemp("stack")
    env = stack_env(state, PORTS)
    env.update(
        AGENT_LLM__PROVIDER="openai",
        AGENT_LLM__MODEL="gpt-test",
        AGENT_LLM__BASE_URL=f"http://127.0.0.1:{refused_port()}/v1",
        AGENT_LLM__FALLBACK=json.dumps([{"provider": "local"}]),
    )
    with running_stack(env):
        yield


async def one_spoken_turn() -> tuple[dict[str, Any], str]:
    client = VoiceClient()
    await client.connect(BACKEND)
    try:
        await client.wait_greeting(timeout=120)
        result = await client.turn(
            "What is the capital of France?",
            with_silence(speak("What is the capital of France?"), 0.3, 0.0),
            timeout=90,
        )
        room = client.room.name
        assert result.latency_s is not None, "no agent audio arrived after the question"
        # the browser does this: its own end-of-speech to first-audio figure, per turn
        body = {"room_name": room, "turn": 1, "e2e_ms": result.latency_s * 1000}
        request = urllib.request.Request(
            BACKEND + "/api/metrics/client-latency",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        urllib.request.urlopen(request, timeout=10).close()
        turn = {"figures": result.figures, "agent_text": result.agent_text}
        return {**turn, "latency_s": result.latency_s}, room
    finally:
        await client.close()


def wait_for(predicate: Any, timeout: float = 30.0) -> Samples:
    deadline = time.monotonic() + timeout
    while True:
        samples = scrape(AGENT_METRICS)
        if predicate(samples) or time.monotonic() > deadline:
            return samples
        time.sleep(0.5)


def test_a_spoken_turn_moves_the_agent_and_backend_metrics(stack: None) -> None:
    before = scrape(AGENT_METRICS)
    assert value(before, "va_agent_active_sessions") == 0
    backend_before = scrape(BACKEND + "/metrics")

    turn, _room = asyncio.run(one_spoken_turn())
    figures = turn["figures"]
    assert "Paris" in turn["agent_text"]

    during_or_after = wait_for(lambda s: value(s, "va_agent_session_duration_seconds_count") >= 1)
    # latency histograms: one observation each for the one user turn, with the same
    # values the agent sent to the client
    e2e_count = value(during_or_after, "va_agent_e2e_latency_seconds_count")
    assert e2e_count == 1
    assert value(during_or_after, "va_agent_e2e_latency_seconds_sum") == pytest.approx(
        figures["e2e_latency"], abs=1e-6
    )
    assert value(during_or_after, "va_agent_eou_delay_seconds_count") == 1
    assert value(during_or_after, "va_agent_stt_duration_seconds_count") == 1
    assert value(during_or_after, "va_agent_llm_ttft_seconds_count", provider="local") == 1
    assert value(during_or_after, "va_agent_tts_ttfb_seconds_count") >= 2  # greeting + reply
    # tokens and characters, by provider
    assert (
        value(during_or_after, "va_agent_llm_tokens_total", provider="local", direction="input") > 0
    )
    assert (
        value(during_or_after, "va_agent_llm_tokens_total", provider="local", direction="output")
        > 0
    )
    assert value(during_or_after, "va_agent_tts_characters_total") >= len(turn["agent_text"])
    assert value(during_or_after, "va_agent_turns_total") == 2  # greeting + reply
    # the injected failure: the refused OpenAI-compatible server, then the local fallback
    assert value(during_or_after, "va_agent_errors_total", source="llm", type="connection") >= 1
    assert value(during_or_after, "va_agent_fallbacks_total", source="llm", provider="openai") == 1
    # the session ended when the client left
    assert value(during_or_after, "va_agent_active_sessions") == 0
    assert value(during_or_after, "va_agent_session_duration_seconds_count") == 1

    backend = scrape(BACKEND + "/metrics")
    delta = lambda name, **labels: value(backend, name, **labels) - value(  # noqa: E731
        backend_before, name, **labels
    )
    assert delta("va_backend_tokens_issued_total") == 1
    assert delta("va_backend_client_e2e_latency_seconds_count") == 1
    assert delta("va_backend_client_e2e_latency_seconds_sum") == pytest.approx(
        turn["latency_s"], abs=1e-3
    )
    assert delta("va_backend_messages_ingested_total") >= 3  # greeting, question, answer
