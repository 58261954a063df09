"""Several calls at once with cloud-style providers, through the real stack: livekit-server,
backend and the agent worker, whose STT, LLM and TTS are the ``openai`` provider pointed at
bench/fake_cloud.py (a stand-in for a cloud API, with its delays, in its own process), with
no model host. Four callers, each in its own room, ask at the same moment; every one is
answered with the provider's reply, spoken, and none of their transcript writes is refused.
The worker runs the calls as threads of its own process (AGENT_JOB_EXECUTOR=thread; the
other integration tests run the default, a process per call).
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [
    str(ROOT / "bench"),
    str(ROOT / "bench" / "latency"),
    str(ROOT / "bench" / "capacity"),
]

from cloud import FakeCloudProcess, agent_env  # noqa: E402
from fake_cloud import CLOUD_REPLY  # noqa: E402
from speech import speak, with_silence  # noqa: E402
from stack_runner import (  # noqa: E402
    StackFailed,
    free_stack_ports,
    stack_env,
    start_stack,
    stop_stack,
)
from voice_client import TurnResult, VoiceClient  # noqa: E402

CALLERS = 4
QUESTION = "What is the capital of France?"
PORTS = free_stack_ports()
BACKEND = f"http://127.0.0.1:{PORTS['BACKEND_PORT']}"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    state = tmp_path_factory.mktemp("stack")
    cloud = FakeCloudProcess()
    env = stack_env(state, PORTS, BACKEND_MAX_CALLS_PER_USER="16", **agent_env(cloud.base_url))
    env.pop("AGENT_MAX_SESSIONS", None)
    env["AGENT_JOB_EXECUTOR"] = "thread"
    try:
        proc = start_stack(env)
    except StackFailed as e:
        cloud.stop()
        pytest.fail(str(e))
    try:
        yield state
    finally:
        stop_stack(proc)
        cloud.stop()


async def call(start: asyncio.Event, client: VoiceClient, pcm: object) -> TurnResult:
    await client.wait_greeting(timeout=120)
    await start.wait()  # every caller asks at the same moment
    return await client.turn(QUESTION, pcm, timeout=60)  # type: ignore[arg-type]


async def calls_at_once() -> list[TurnResult]:
    pcm = with_silence(speak(QUESTION), 0.3, 0.0)
    clients = [VoiceClient() for _ in range(CALLERS)]
    try:
        for client in clients:
            await client.connect(BACKEND)
        start = asyncio.Event()
        tasks = [asyncio.create_task(call(start, c, pcm)) for c in clients]
        while not all(c.turn_figures for c in clients):  # every one greeted
            await asyncio.sleep(0.1)
        start.set()
        return list(await asyncio.gather(*tasks))
    finally:
        for client in clients:
            await client.close()


def test_four_cloud_style_calls_at_once_are_all_answered(stack: Path) -> None:
    results = asyncio.run(calls_at_once())

    for n, result in enumerate(results):
        assert result.latency_s is not None, f"caller {n}: no spoken reply"
        assert result.agent_text.strip() == CLOUD_REPLY, f"caller {n}: {result.agent_text!r}"
    log = (stack / "logs" / "agent.log").read_text()
    assert "job runner initialized" in log  # jobs as threads of the worker
    # each job sends its own transcript writes, with its own credential (the journal's entries
    # belong to a job's handle, not to the process every job thread shares)
    assert "this job's credential is for another conversation" not in log
    assert "could not persist" not in log
    assert not (stack / "logs" / "model-host.log").exists()
