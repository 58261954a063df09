"""Call recording, the parts without a call: the room metadata turns it on; the file's new
bytes go up in order, in bounded chunks, after what the backend already holds, and a failed
upload is sent again (the bytes stay in the file); the backend client's requests; the spoken
notice once the recorder runs."""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import threading
import time
from pathlib import Path
from typing import cast

import httpx
import pytest
from livekit.agents import AgentSession
from test_session import ScriptedLLM
from test_typed_input import said, settle
from voice_agent.assistant import Assistant
from voice_agent.call_recording import CallRecording, FileTail, copy_pipe, release_pipe
from voice_agent.persistence.backend_client import BackendClient
from voice_agent.settings import AgentSettings
from voice_agent.state import SessionState
from voice_agent.state.room_profile import RoomProfile

pytestmark = pytest.mark.unit

STARTED = dt.datetime(2026, 11, 30, 4, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("metadata", "record"),
    [
        ('{"record": true}', True),
        ('{"record": "on"}', True),
        ('{"record": false}', False),
        ("{}", False),
    ],
)
def test_room_metadata_turns_recording_on(metadata: str, record: bool) -> None:
    assert RoomProfile.parse(metadata).record is record


async def test_new_bytes_go_up_in_order_in_bounded_chunks(tmp_path: Path) -> None:
    sent: list[tuple[int, bytes]] = []

    async def upload(offset: int, started_at: dt.datetime, data: bytes) -> None:
        assert started_at == STARTED
        sent.append((offset, data))

    path = tmp_path / "call.ogg"
    tail = FileTail(path, upload, max_chunk=4, base=100)
    path.write_bytes(b"OggSabcdef")
    await tail.send_new(STARTED)
    await tail.send_new(STARTED)  # nothing new: nothing sent
    with path.open("ab") as f:
        f.write(b"gh")
    await tail.send_new(STARTED)
    assert sent == [(100, b"OggS"), (104, b"abcd"), (108, b"ef"), (110, b"gh")]
    assert tail.sent == 12


async def test_a_failed_upload_is_sent_again(tmp_path: Path) -> None:
    sent: list[tuple[int, bytes]] = []
    failures = [True]

    async def upload(offset: int, _started_at: dt.datetime, data: bytes) -> None:
        if failures and failures.pop():
            raise ConnectionError("backend down")
        sent.append((offset, data))

    path = tmp_path / "call.ogg"
    path.write_bytes(b"OggS1234")
    tail = FileTail(path, upload, max_chunk=1024)
    with pytest.raises(ConnectionError):
        await tail.send_new(STARTED)
    await tail.send_new(STARTED)
    assert sent == [(0, b"OggS1234")]


async def test_the_client_puts_chunks_and_reads_the_stored_size() -> None:
    seen: list[tuple[str, str, dict[str, object] | None]] = []

    def handle(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else None
        seen.append((request.method, request.url.path, body))
        if request.method == "GET":
            return httpx.Response(404, json={"detail": "no recording"})
        return httpx.Response(200, json={"started_at": STARTED.isoformat(), "size": 12})

    client = BackendClient("http://backend", "job-token", transport=httpx.MockTransport(handle))
    try:
        assert await client.recording_size("va-room") == 0
        size = await client.put_recording_chunk(
            "va-room", offset=8, started_at=STARTED, data=b"OggS"
        )
    finally:
        await client.aclose()
    assert size == 12
    put = seen[1]
    assert put[:2] == ("PUT", "/api/agent/conversations/va-room/recording/chunk")
    assert put[2] == {
        "offset": 8,
        "started_at": STARTED.isoformat(),
        "data": base64.b64encode(b"OggS").decode(),
    }


def test_the_pipe_is_copied_as_it_is_written(tmp_path: Path) -> None:
    """The recorder writes into a FIFO: each write reaches the file at once, not when a
    buffer fills or the recording ends."""
    pipe, target = tmp_path / "recorder.ogg", tmp_path / "call.ogg"
    os.mkfifo(pipe)
    copier = threading.Thread(target=copy_pipe, args=(pipe, target))
    copier.start()
    with pipe.open("wb", buffering=0) as writer:
        writer.write(b"OggS-page-1")
        deadline = time.monotonic() + 10
        while (not target.exists() or target.stat().st_size < 11) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert target.read_bytes() == b"OggS-page-1"  # the writer is still open
        writer.write(b"OggS-page-2")
    copier.join(timeout=10)
    assert not copier.is_alive()
    assert target.read_bytes() == b"OggS-page-1OggS-page-2"


def test_a_pipe_nobody_writes_is_released(tmp_path: Path) -> None:
    pipe = tmp_path / "recorder.ogg"
    os.mkfifo(pipe)
    copier = threading.Thread(target=copy_pipe, args=(pipe, tmp_path / "call.ogg"))
    copier.start()
    deadline = time.monotonic() + 10
    while copier.is_alive() and time.monotonic() < deadline:
        release_pipe(pipe)
        copier.join(timeout=0.1)
    assert not copier.is_alive()


class _Recorder:
    """Stands in for CallRecording in the Assistant: starts, or fails to."""

    def __init__(self, *, starts: bool) -> None:
        self.starts = starts
        self.running = False

    async def start(self) -> None:
        self.running = self.starts


@pytest.mark.parametrize(
    ("notice", "starts", "said_first"),
    [
        ("This call is being recorded.", True, "This call is being recorded. "),
        ("", True, ""),  # AGENT_RECORDING__NOTICE="": no notice
        ("This call is being recorded.", False, ""),  # the recorder failed: nothing to say
    ],
)
async def test_the_agent_says_the_call_is_recorded_before_its_greeting(
    notice: str, starts: bool, said_first: str
) -> None:
    settings = AgentSettings(recording={"notice": notice})
    state = SessionState()
    state.call_recording = cast(CallRecording, _Recorder(starts=starts))
    async with AgentSession(llm=ScriptedLLM("unused")) as session:
        await session.start(Assistant(settings, state=state))
        await settle(session)
        assert said(session) == [("assistant", said_first + settings.greeting)]
