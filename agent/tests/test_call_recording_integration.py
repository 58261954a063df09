"""Call recording through the real stack (livekit-server, backend, the agent with its local
models): a spoken call with recording on is in the backend while it runs (uploaded as it
goes) and whole after the hang-up, stereo Ogg/Opus with the user's speech on the left and
the agent's on the right, as long as the call; the agent showed ``recording: on``."""

from __future__ import annotations

import asyncio
import io
import json
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import av
import numpy as np
import pytest
from voice_agent.call_recording import RECORDING_ATTRIBUTE

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "bench"), str(ROOT / "bench" / "latency")]

from stack_runner import free_stack_ports, running_stack, stack_env  # noqa: E402
from voice_client import VoiceClient  # noqa: E402

PORTS = free_stack_ports()
BACKEND = f"http://127.0.0.1:{PORTS['BACKEND_PORT']}"
SILENT_DBFS = -60.0


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    folder = tmp_path_factory.mktemp("stack")
    env = stack_env(
        folder,
        PORTS,
        AGENT_RECORDING__UPLOAD_INTERVAL_S="1",
        BACKEND_RECORDING_DIR=str(folder / "recordings"),
    )
    with running_stack(env):
        yield


def fetch(path: str) -> bytes:
    with urllib.request.urlopen(f"{BACKEND}{path}", timeout=10) as r:
        body: bytes = r.read()
        return body


def decode(ogg: bytes) -> np.ndarray:
    """(2, samples) float PCM at 48 kHz; a file cut mid-page decodes up to its last page."""
    chunks = []
    with av.open(io.BytesIO(ogg), format="ogg") as container:
        try:
            for frame in container.decode(audio=0):
                chunks.append(frame.to_ndarray().reshape(frame.layout.nb_channels, -1))
        except (av.error.FFmpegError, EOFError):
            pass
    return np.concatenate(chunks, axis=1)


def loudest_dbfs(channel: np.ndarray) -> float:
    """The loudest 100 ms of a channel, in dBFS."""
    window = 4800
    blocks = channel[: len(channel) // window * window].reshape(-1, window)
    rms = float(np.sqrt((blocks.astype(np.float64) ** 2).mean(axis=1)).max())
    return 20 * np.log10(max(rms, 1e-9))


async def recording_size(conversation: str, *, at_least: int, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    size = 0
    while time.monotonic() < deadline:
        detail = json.loads(await asyncio.to_thread(fetch, f"/api/conversations/{conversation}"))
        size = (detail.get("recording") or {}).get("size", 0)
        if size >= at_least:
            return int(size)
        await asyncio.sleep(0.5)
    raise AssertionError(f"recording stayed at {size} bytes")


def test_a_recorded_call_is_kept_while_it_runs_and_whole_after(stack: None) -> None:
    async def call() -> tuple[str, str, bytes, float]:
        client = VoiceClient()
        await client.connect(BACKEND, record=True)
        assert client.call is not None
        conversation = client.call.conversation_id
        joined = time.monotonic()
        try:
            await client.wait_greeting(timeout=120)
            greeted = time.monotonic()  # recorded from before the greeting
            [agent] = client.agent_identities()
            shown = client.room.remote_participants[agent].attributes.get(RECORDING_ATTRIBUTE, "")
            answer = await client.ask("What is the capital of France?")
            assert "paris" in answer
            await client.wait_quiet()
            # uploaded as the call goes: the backend already holds a playable part
            await recording_size(conversation, at_least=1, timeout=30)
            during = await asyncio.to_thread(fetch, f"/api/conversations/{conversation}/recording")
        finally:
            await client.close()
        closed = time.monotonic()
        return conversation, shown, during, (closed - greeted, closed - joined)

    conversation, shown, during, (at_least, at_most) = asyncio.run(call())
    assert shown == "on"
    assert decode(during).shape[1] > 48_000  # over a second, before the hang-up

    async def final() -> bytes:
        await recording_size(conversation, at_least=len(during) + 1, timeout=60)
        await asyncio.sleep(3)  # the last upload after the recorder's flush
        return await asyncio.to_thread(fetch, f"/api/conversations/{conversation}/recording")

    pcm = decode(asyncio.run(final()))
    seconds = pcm.shape[1] / 48_000
    assert pcm.shape[0] == 2
    # the recording starts just before the greeting and ends at the hang-up
    assert at_least <= seconds <= at_most + 5, (seconds, at_least, at_most)
    assert loudest_dbfs(pcm[0]) > SILENT_DBFS  # the user asked
    assert loudest_dbfs(pcm[1]) > SILENT_DBFS  # the agent greeted and answered
