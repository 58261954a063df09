"""Several calls at once on one box, through the real stack (livekit-server, backend, the
model host with the offline models, the agent worker), each caller in its own room.

The worker takes as many calls as the model host has LLM slots (4 here): four callers who
call at the same moment are all greeted (livekit-server sends a worker jobs only below its
``agents.target_load``: at the default 0.7 a worker with 3 of 4 calls got no fourth, and the
framework counted each call not yet launched as half the worker: scripts/stack.py,
capacity.CallServer) and, asking different questions at the same moment, all answered, each
on topic; a fifth caller is told at once that every agent is busy (503 with Retry-After), and
gets a call again once the four have hung up.
"""

from __future__ import annotations

import asyncio
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "bench"), str(ROOT / "bench" / "latency")]

from speech import speak, with_silence  # noqa: E402
from stack_runner import free_stack_ports, running_stack, stack_env  # noqa: E402
from voice_client import TurnResult, VoiceClient  # noqa: E402

SLOTS = 4
QUESTIONS = {
    "What is the capital of France?": ("paris",),
    "How many days are in a week?": ("seven", "7"),
    "What is the capital of Italy?": ("rome",),
    "What is the capital of Spain?": ("madrid",),
}


PORTS = free_stack_ports()
BACKEND = f"http://127.0.0.1:{PORTS['BACKEND_PORT']}"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    state = tmp_path_factory.mktemp("stack")
    # one local user places every call: lift the per-user limit so the agents' is what counts
    env = stack_env(
        state, PORTS, AGENT_MODEL_HOST__SLOTS=str(SLOTS), BACKEND_MAX_CALLS_PER_USER="16"
    )
    env.pop("AGENT_MAX_SESSIONS", None)  # the worker takes what the host can do
    with running_stack(env):
        yield


def token_status() -> tuple[int, str | None]:
    request = urllib.request.Request(
        f"{BACKEND}/api/token",
        data=b"{}",
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, None
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Retry-After")


async def call(question: str, start: asyncio.Event, client: VoiceClient) -> TurnResult:
    await client.wait_greeting(timeout=180)
    await start.wait()  # every caller asks at the same moment
    return await client.turn(question, with_silence(speak(question), 0.3, 0.0), timeout=90)


async def full_then_one_more() -> tuple[list[TurnResult], tuple[int, str | None]]:
    clients = [VoiceClient() for _ in QUESTIONS]
    try:
        await asyncio.gather(*(client.connect(BACKEND) for client in clients))
        start = asyncio.Event()
        tasks = [
            asyncio.create_task(call(q, start, c)) for q, c in zip(QUESTIONS, clients, strict=True)
        ]
        # all are greeted (their jobs run) before one more caller knocks
        while not all(c.turn_figures for c in clients):
            await asyncio.sleep(0.1)
        one_more = await asyncio.to_thread(token_status)
        start.set()
        return list(await asyncio.gather(*tasks)), one_more
    finally:
        for client in clients:
            await client.close()


def test_a_full_workers_calls_at_once_are_all_answered_and_one_more_hears_busy(
    stack: None,
) -> None:
    results, (status, retry_after) = asyncio.run(full_then_one_more())

    assert status == 503, "a caller beyond the worker's capacity must be refused at once"
    assert retry_after is not None and int(retry_after) > 0
    for result, (question, expected) in zip(results, QUESTIONS.items(), strict=True):
        assert result.latency_s is not None, f"no spoken reply to {question!r}"
        reply = result.agent_text.lower()
        assert any(word in reply for word in expected), f"{question!r} -> {result.agent_text!r}"

    # they hung up: the worker reports its calls free again, and a new caller gets in
    deadline = time.monotonic() + 60
    while (status := token_status()[0]) != 200 and time.monotonic() < deadline:
        time.sleep(1)
    assert status == 200
