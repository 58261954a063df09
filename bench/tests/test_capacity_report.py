"""bench/capacity: a turn with no answer and a caller refused a call stay in the table; the
cloud-style rungs' added latency and its floor."""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

RUN = Path(__file__).resolve().parents[1] / "capacity" / "run.py"
spec = importlib.util.spec_from_file_location("capacity_run", RUN)
assert spec is not None and spec.loader is not None
capacity = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = capacity  # dataclasses look their module up there
spec.loader.exec_module(capacity)


def test_an_unanswered_turn_is_a_failure_not_a_gap() -> None:
    rung = capacity.Rung(callers=3, served=2, turns=4, latencies=[0.8, 1.0, 1.2, None])
    assert rung.pct(50) == pytest.approx(1.1)
    assert math.isinf(rung.pct(95))
    row = capacity.table([rung]).splitlines()[-1]
    assert "| 2/3 | 3/4 |" in row and "| inf |" in row


def test_memory_per_call_is_growth_over_the_idle_stack() -> None:
    rung = capacity.Rung(callers=2, served=2, pss_mib=1500.0, idle_pss_mib=1300.0)
    assert rung.pss_per_call == 100.0
    assert math.isnan(capacity.Rung(callers=1).pss_per_call)  # nobody served


def test_the_agents_added_latency_is_its_clock_minus_the_providers_floor() -> None:
    rung = capacity.Rung(
        callers=2,
        served=2,
        turns=3,
        latencies=[1.1, 1.2, None],
        agent_latencies=[0.85, 0.9, None],
        floor_s=0.8,
        provider_cpu=0.01,
    )
    assert rung.added_ms(50) == pytest.approx(100.0)
    assert math.isinf(rung.added_ms(95))  # the unanswered turn
    assert rung.transport_ms() == pytest.approx(275.0)
    head, _, row = capacity.table([rung]).splitlines()
    assert "agent's added p95 (ms)" in head and "fake provider's CPU" in head
    assert "| 100 | inf | 275 |" in row


def test_the_offline_table_has_no_cloud_columns() -> None:
    head = capacity.table([capacity.Rung(callers=1)]).splitlines()[0]
    assert "added" not in head and "provider" not in head


def test_the_floor_is_endpointing_then_the_providers_delays_before_the_first_audio() -> None:
    cloud = sys.modules["cloud"]  # bench/capacity/cloud.py, imported by run.py
    delays = cloud.Delays(
        stt_s=0.15, first_token_s=0.3, token_interval_s=0.02, tts_first_byte_s=0.1
    )
    reply = "Paris is the capital of France. It is large."
    assert cloud.first_sentence_words(reply) == 6
    # the transcript (0.06 + 0.15 s) is ready within the end-of-turn wait (0.2 + 0.1 s)
    expected = 0.3 + 0.3 + 5 * 0.02 + 0.1
    assert cloud.pipeline_floor_s(delays, reply) == pytest.approx(expected)
    # a slow transcription is waited for; without speculation it starts after the silence
    slow = cloud.Delays(stt_s=0.5)
    no_speculation = cloud.Endpointing(speculative_stt_s=0.0)
    assert cloud.pipeline_floor_s(slow, reply) == pytest.approx(0.06 + 0.5)
    assert cloud.pipeline_floor_s(slow, reply, no_speculation) == pytest.approx(0.2 + 0.5)


def test_the_agent_uses_the_openai_provider_at_the_fake_server_without_a_model_host() -> None:
    env = sys.modules["cloud"].agent_env("http://127.0.0.1:9/v1")
    assert env["VA_MODEL_HOST"] == "off"
    for kind in ("STT", "LLM", "TTS"):
        assert env[f"AGENT_{kind}__PROVIDER"] == "openai"
        assert env[f"AGENT_{kind}__BASE_URL"] == "http://127.0.0.1:9/v1"
