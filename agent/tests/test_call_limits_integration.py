"""What one participant can do to a call, through the real stack (livekit-server, backend,
agent): a quiet call ends by itself with a goodbye, deleting a live conversation ends its
call, and the framework's session RPC (``lk.agent.session``) answers nobody, so no
participant reads the system prompt (``get_agent_info``)."""

from __future__ import annotations

import asyncio
import json
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from livekit import rtc
from livekit.agents.voice.remote_session import RemoteSession

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "bench"), str(ROOT / "bench" / "latency")]

from stack_runner import free_stack_ports, running_stack, stack_env  # noqa: E402
from voice_client import VoiceClient  # noqa: E402

PORTS = free_stack_ports()
BACKEND = f"http://127.0.0.1:{PORTS['BACKEND_PORT']}"
IDLE_GOODBYE = "Nobody is talking, so this call ends now. Goodbye!"
IDLE_TIMEOUT_S = 20


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    env = stack_env(
        tmp_path_factory.mktemp("stack"),
        PORTS,
        AGENT_LIMITS__IDLE_TIMEOUT_S=str(IDLE_TIMEOUT_S),
        AGENT_LIMITS__IDLE_GOODBYE=IDLE_GOODBYE,
    )
    with running_stack(env):
        yield


class Call:
    """A caller in a room, noting when the room goes away under it."""

    def __init__(self) -> None:
        self.client = VoiceClient()
        self.disconnected = asyncio.Event()
        self.client.room.on("disconnected", lambda *_: self.disconnected.set())

    async def __aenter__(self) -> Call:
        await self.client.connect(BACKEND)
        await self.client.wait_greeting(timeout=120)
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.client.close()

    def agent_said(self) -> str:
        local = self.client.room.local_participant.identity
        return " ".join(text for who, text, _ in self.client.transcripts if who != local)

    def agent_identity(self) -> str:
        agent = rtc.ParticipantKind.PARTICIPANT_KIND_AGENT
        [identity] = [
            p.identity for p in self.client.room.remote_participants.values() if p.kind == agent
        ]
        return identity


def conversation_id(room: str) -> str:
    with urllib.request.urlopen(f"{BACKEND}/api/conversations?limit=50", timeout=10) as r:
        items = json.loads(r.read())["items"]
    [found] = [c["id"] for c in items if c["room_name"] == room]
    return str(found)


def test_a_quiet_call_says_goodbye_and_ends(stack: None) -> None:
    async def call() -> str:
        async with Call() as c:
            await asyncio.wait_for(c.disconnected.wait(), timeout=IDLE_TIMEOUT_S + 60)
            return c.agent_said()

    assert IDLE_GOODBYE in asyncio.run(call())


def test_the_session_rpc_does_not_answer(stack: None) -> None:
    async def ask_for_the_prompt() -> bool:
        async with Call() as c:
            remote = RemoteSession.from_room(c.client.room, c.agent_identity())
            await remote.start()
            try:
                await asyncio.wait_for(remote.get_agent_info(), timeout=5)
            except TimeoutError:
                return False
            finally:
                await remote.aclose()
            return True

    assert not asyncio.run(ask_for_the_prompt()), "the agent answered get_agent_info"


def test_deleting_a_live_conversation_ends_its_call(stack: None) -> None:
    async def call() -> tuple[str, int]:
        async with Call() as c:
            request = urllib.request.Request(
                f"{BACKEND}/api/conversations/{conversation_id(c.client.room.name)}",
                method="DELETE",
            )
            with urllib.request.urlopen(request, timeout=10) as r:
                status = r.status
            # well before the idle timeout would end it
            await asyncio.wait_for(c.disconnected.wait(), timeout=IDLE_TIMEOUT_S / 2)
            return c.agent_said(), status

    said, status = asyncio.run(call())
    assert status == 204
    assert IDLE_GOODBYE not in said  # the delete ended it, not the idle timeout
