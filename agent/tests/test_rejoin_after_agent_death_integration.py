"""A caller who left without hanging up comes back to a call whose agent died while they
were away, through the real stack (livekit-server, backend, agent): the job process is
killed with nobody in the room (the worker's own recovery acts only with the user there),
the dead agent's participant leaves the room, the user rejoins within
BACKEND_REJOIN_GRACE_SECONDS, and the backend dispatches a resumed agent that answers a
question that needs the earlier turn."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from livekit import api

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "bench" / d) for d in ("", "latency", "recovery")]

from job_kill import current_job  # noqa: E402
from stack_runner import free_stack_ports, running_stack, stack_env  # noqa: E402
from stack_state import livekit_api  # noqa: E402
from voice_client import VoiceClient  # noqa: E402

PORTS = free_stack_ports()
BACKEND = f"http://127.0.0.1:{PORTS['BACKEND_PORT']}"
LIVEKIT = f"http://127.0.0.1:{PORTS['LIVEKIT_PORT']}"
GRACE_S = 60
RECONCILE_S = 2.0  # the backend's BACKEND_AGENT_REDISPATCH_INTERVAL_SECONDS (default)


@pytest.fixture(scope="module")
def state_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    state = tmp_path_factory.mktemp("stack")
    env = stack_env(state, PORTS, BACKEND_REJOIN_GRACE_SECONDS=str(GRACE_S))
    with running_stack(env):
        yield state


async def wait_left(state: Path, room: str, *, agents_too: bool, timeout_s: float) -> None:
    """Until LiveKit lists no user in ``room`` (and no agent either with ``agents_too``: the
    dead agent's participant is noticed gone) while it keeps the room for the user's return."""
    agent = api.ParticipantInfo.Kind.AGENT
    async with livekit_api(state, LIVEKIT) as lk:
        deadline = time.monotonic() + timeout_s
        while True:
            listed = await lk.room.list_participants(api.ListParticipantsRequest(room=room))
            staying = [p for p in listed.participants if agents_too or p.kind != agent]
            if not staying:
                return
            assert time.monotonic() < deadline, [p.identity for p in staying]
            await asyncio.sleep(0.5)


def test_a_caller_back_after_their_agent_died_gets_one_that_remembers(state_dir: Path) -> None:
    async def call() -> tuple[str, str, set[str], set[str], float]:
        first = VoiceClient()
        await first.connect(BACKEND)
        await first.wait_greeting(timeout=120)
        paris = await first.ask("What is the capital of France?")
        room, before = first.room.name, first.agent_identities()
        pid = await current_job(state_dir, room, not_in=set(), timeout_s=30)
        assert first.call is not None
        left = first.call
        await first.close(hang_up=False)  # the page reloads, or the network drops
        await wait_left(state_dir, room, agents_too=False, timeout_s=10)  # the user is gone
        os.kill(pid, signal.SIGKILL)  # and then the agent's job dies
        # its participant is noticed gone (~20 s)
        await wait_left(state_dir, room, agents_too=True, timeout_s=45)
        await asyncio.sleep(2 * RECONCILE_S)  # the reconcile sees the empty room
        again = VoiceClient()
        rejoined_at = time.monotonic()
        await again.connect(BACKEND, rejoin=left)
        try:
            await again.wait_greeting(timeout=90)  # the resumed agent's line
            took = time.monotonic() - rejoined_at
            after = again.agent_identities()
            # needs the earlier turn: "there" is France
            answer = await again.ask("What language do they speak there?")
        finally:
            await again.close()
        return paris, answer, before, after, took

    paris, answer, before, after, took = asyncio.run(call())
    print(f"rejoin after the agent died: connect to the resumed agent's first line: {took:.2f} s")
    assert "paris" in paris
    assert after and not after & before, "not a new agent"
    assert "french" in answer, answer
    log = (state_dir / "logs" / "agent.log").read_text()
    assert "job died after its user left: nothing to recover" in log  # the worker did not
