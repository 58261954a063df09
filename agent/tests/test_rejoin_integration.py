"""A caller who leaves without hanging up (a page reload, a network drop) and comes back,
through the real stack (livekit-server, backend, agent): within BACKEND_REJOIN_GRACE_SECONDS
the same agent answers the next question with the earlier ones in mind; after it, the room
is closed and the conversation ended, without a goodbye. The browser's version:
web/e2e/rejoin.spec.ts."""

from __future__ import annotations

import asyncio
import json
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "bench"), str(ROOT / "bench" / "latency")]

from stack_runner import free_stack_ports, running_stack, stack_env  # noqa: E402
from voice_client import Call, VoiceClient, rejoin_call  # noqa: E402

PORTS = free_stack_ports()
BACKEND = f"http://127.0.0.1:{PORTS['BACKEND_PORT']}"
GRACE_S = 40
AWAY_S = 25  # longer than LiveKit's own departure timeout (20 s): the grace is what counts


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    env = stack_env(
        tmp_path_factory.mktemp("stack"), PORTS, BACKEND_REJOIN_GRACE_SECONDS=str(GRACE_S)
    )
    with running_stack(env):
        yield


def conversation(conversation_id: str) -> dict[str, Any]:
    url = f"{BACKEND}/api/conversations/{conversation_id}"
    with urllib.request.urlopen(url, timeout=10) as r:
        detail: dict[str, Any] = json.loads(r.read())
    return detail


def test_a_caller_who_left_comes_back_to_the_same_agent(stack: None) -> None:
    async def call() -> tuple[str, str, set[str], set[str], Call]:
        first = VoiceClient()
        await first.connect(BACKEND)
        await first.wait_greeting(timeout=120)
        paris = await first.ask("What is the capital of France?")
        agent_before = first.agent_identities()
        assert first.call is not None
        left = first.call
        await first.close(hang_up=False)  # the page reloads
        await asyncio.sleep(AWAY_S)
        again = VoiceClient()
        await again.connect(BACKEND, rejoin=left)
        try:
            await again.wait_state("listening", timeout=30)
            agent_after = again.agent_identities()
            # needs the earlier turn: "there" is France
            answer = await again.ask("What language do they speak there?")
        finally:
            await again.close()
        return paris, answer, agent_before, agent_after, left

    paris, answer, before, after, left = asyncio.run(call())
    assert "paris" in paris
    assert before and after == before, "not the same agent"
    assert "french" in answer, answer
    detail = conversation(left.conversation_id)
    assert detail["status"] == "ended"  # the rejoined client hung up
    users = [m["text"] for m in detail["messages"] if m["role"] == "user"]
    assert any("France" in u for u in users) and any("language" in u for u in users), users


def test_a_caller_who_does_not_come_back_in_time_finds_the_call_ended(stack: None) -> None:
    async def leave() -> Call:
        client = VoiceClient()
        await client.connect(BACKEND)
        await client.wait_greeting(timeout=120)
        assert client.call is not None
        await client.close(hang_up=False)
        return client.call

    left = asyncio.run(leave())
    assert conversation(left.conversation_id)["status"] == "active"  # waiting for them
    deadline = time.monotonic() + GRACE_S + 60
    while conversation(left.conversation_id)["status"] == "active":
        assert time.monotonic() < deadline, "the call outlived its grace"
        time.sleep(1)
    with pytest.raises(urllib.error.HTTPError) as refused:
        rejoin_call(BACKEND, left)
    assert refused.value.code == 409
    detail = conversation(left.conversation_id)
    said = [m["text"] for m in detail["messages"] if m["role"] == "assistant"]
    assert not any("goodbye" in s.lower() for s in said), said  # closed, not said goodbye
