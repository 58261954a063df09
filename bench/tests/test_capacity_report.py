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


GO_CALLER_LINES = [
    '{"caller":0,"event":"served"}',
    '{"caller":1,"event":"served"}',
    '{"caller":2,"event":"refused"}',
    '{"caller":0,"turn":1,"question":"What do bees make?","latency_s":0.91,"agent_e2e_s":0.7,'
    '"user_text":"What do bees make?","agent_text":"Honey."}',
    '{"caller":0,"turn":2,"question":"What is two plus two?","latency_s":null,'
    '"agent_e2e_s":null,"user_text":"","agent_text":"","error":"agent did not go quiet"}',
    '{"caller":1,"event":"no_greeting","error":"no greeting from the agent"}',
    '{"caller":0,"event":"done"}',
]


def test_the_go_callers_lines_fold_into_the_rungs_table() -> None:
    go_caller = sys.modules["go_caller"]  # bench/capacity/go_caller.py, imported by run.py
    outcome = go_caller.Outcome()
    shown = [go_caller.read_line(line, outcome) for line in GO_CALLER_LINES]
    assert "caller 2: refused (every agent busy)" in shown
    assert "caller 0 turn 2: NO ANSWER (agent did not go quiet)" in shown
    assert outcome.turns[0].agent_text == "Honey."
    rung = capacity.Rung(callers=3)
    capacity.fold(outcome, 2, rung)
    # caller 1 was served but never greeted: both its turns are failures
    assert (rung.served, rung.turns) == (2, 4)
    assert rung.latencies == [0.91, None, None, None]
    assert rung.agent_latencies == [0.7, None, None, None]
    assert "| 2/3 | 1/4 |" in capacity.table([rung]).splitlines()[-1]


@pytest.mark.parametrize(
    "line",
    [
        "lksdk 2026/01/01 a log line on stdout",
        '{"caller":0,"event":"exploded"}',
        '{"caller":0,"turn":1,"question":"q","latency_s":-1}',
    ],
)
def test_a_broken_caller_line_is_an_error_not_a_quiet_caller(line: str) -> None:
    go_caller = sys.modules["go_caller"]
    with pytest.raises(ValueError):
        go_caller.read_line(line, go_caller.Outcome())


def test_the_callers_scripts_are_the_same_for_go_and_python() -> None:
    first = capacity.caller_scripts(3, 2, capacity.random.Random(9))
    again = capacity.caller_scripts(3, 2, capacity.random.Random(9))
    assert first == again
    assert [q for _, q in first[1].turns] == [capacity.QUESTIONS[1], capacity.QUESTIONS[4]]
    assert all(1.0 <= p <= 3.0 for s in first for p, _ in s.turns)
