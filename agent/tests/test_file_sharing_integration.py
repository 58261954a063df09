"""Files attached in the chat, through the real stack (livekit-server, backend, the agent with
its local models): a text file's fact is in the agent's answer to a typed question about it,
and the file is stored with the conversation; an oversized file gets the clear line."""

from __future__ import annotations

import asyncio
import json
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from voice_agent.file_input import FILE_TOPIC, MAX_BYTES_ATTRIBUTE

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "bench"), str(ROOT / "bench" / "latency")]

from stack_runner import free_stack_ports, running_stack, stack_env  # noqa: E402
from voice_client import VoiceClient  # noqa: E402

PORTS = free_stack_ports()
BACKEND = f"http://127.0.0.1:{PORTS['BACKEND_PORT']}"
MAX_BYTES = 4000
NOTES = b"Team notes, week 12.\nThe office wifi password is heron-42.\nLunch is at noon.\n"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    env = stack_env(tmp_path_factory.mktemp("stack"), PORTS, AGENT_FILES__MAX_BYTES=str(MAX_BYTES))
    with running_stack(env):
        yield


def agent_lines(client: VoiceClient) -> list[str]:
    local = client.room.local_participant.identity
    return [text for who, text, final in client.transcripts if who != local and final]


async def wait_for_line(client: VoiceClient, after: int, needle: str, timeout: float) -> str:
    """The first agent line after the first ``after`` that contains ``needle``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in agent_lines(client)[after:]:
            if needle in line.lower():
                return line
        await asyncio.sleep(0.1)
    raise AssertionError(f"no agent line with {needle!r}: {agent_lines(client)[after:]}")


def stored_files(room: str) -> list[dict[str, object]]:
    """The files the backend holds for the room's conversation (as its owner reads them)."""
    with urllib.request.urlopen(f"{BACKEND}/api/conversations?limit=50", timeout=10) as r:
        items = json.loads(r.read())["items"]
    [conversation] = [c["id"] for c in items if c["room_name"] == room]
    with urllib.request.urlopen(f"{BACKEND}/api/conversations/{conversation}/files") as r:
        files: list[dict[str, object]] = json.loads(r.read())
    return files


async def agent_attribute(client: VoiceClient, key: str, timeout: float) -> list[str]:
    """The attribute of every other participant once one has it (or as it is at the end)."""
    deadline = time.monotonic() + timeout
    while True:
        values = [p.attributes.get(key, "") for p in client.room.remote_participants.values()]
        if any(values) or time.monotonic() > deadline:
            return values
        await asyncio.sleep(0.1)


async def send_file(client: VoiceClient, name: str, data: bytes) -> None:
    await client.room.local_participant.send_bytes(
        data, topic=FILE_TOPIC, name=name, mime_type="text/plain"
    )


def test_the_agent_answers_from_a_file_the_user_sent(stack: None) -> None:
    async def call() -> tuple[str, str, list[dict[str, object]]]:
        client = VoiceClient()
        await client.connect(BACKEND)
        try:
            await client.wait_greeting(timeout=120)
            before = len(agent_lines(client))
            await send_file(client, "notes.txt", NOTES)
            ack = await wait_for_line(client, before, "notes.txt", timeout=60)
            await client.wait_quiet()
            before = len(agent_lines(client))
            await client.room.local_participant.send_text(
                "What is the office wifi password?", topic="lk.chat"
            )
            answer = await wait_for_line(client, before, "heron", timeout=120)
            return ack, answer, await asyncio.to_thread(stored_files, client.room.name)
        finally:
            await client.close()

    ack, answer, files = asyncio.run(call())
    assert ack == "I've read notes.txt."
    assert "heron-42" in answer.lower()
    assert [(f["name"], f["kind"], f["size"]) for f in files] == [("notes.txt", "text", len(NOTES))]
    assert "heron-42" in str(files[0]["text"])


def test_an_oversized_file_gets_the_clear_line(stack: None) -> None:
    async def call() -> tuple[list[str], str]:
        client = VoiceClient()
        await client.connect(BACKEND)
        try:
            await client.wait_greeting(timeout=120)
            # the limit the page checks before sending (web/src/features/chat/attachments.ts)
            limits = await agent_attribute(client, MAX_BYTES_ATTRIBUTE, timeout=10)
            before = len(agent_lines(client))
            await send_file(client, "big.txt", NOTES * 100)  # a page that did not check
            return limits, await wait_for_line(client, before, "too large", timeout=60)
        finally:
            await client.close()

    limits, line = asyncio.run(call())
    assert limits == [str(MAX_BYTES)]
    assert line == f"big.txt is too large for me. Please send files under {MAX_BYTES:,} bytes."
