"""Call recording, when the user turned it on for the conversation (room metadata
``record``): the framework's own recorder (``RecorderIO``: stereo Ogg/Opus, the user's audio
left and the agent's right, both on one timeline) writes a file in the job's temp folder as
the call goes, and an upload loop sends the bytes written since the last upload to the
backend every few seconds, append-only. The recorder writes into a FIFO that a thread copies
to the file: into a plain file PyAV's Ogg muxer writes in 256 KiB blocks (half a minute of
speech or more), into a pipe it writes every page as it is made. Ogg pages joined in order
are the file, so a crash keeps everything uploaded before it. The agent's participant
attribute ``recording`` says ``on`` meanwhile, for the page's indicator.

Not ``AgentSession.start(record=...)``: that records into the framework's session folder and
may upload a session report to LiveKit Cloud at the end; the recorder is wrapped around the
session's audio here instead, in the Assistant's ``on_enter`` (before the greeting).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
import shutil
import tempfile
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
from livekit import rtc
from livekit.agents import AgentSession, JobContext
from livekit.agents.voice.recorder_io import RecorderIO

from .persistence.backend_client import BackendClient, BackendError
from .settings import AgentSettings, RecordingSettings

logger = logging.getLogger(__name__)

RECORDING_ATTRIBUTE = "recording"
FILE_NAME = "call.ogg"
FIFO_NAME = "recorder.ogg"
COPY_BLOCK = 64 * 1024

# (offset, started_at, data) -> the backend has them
Upload = Callable[[int, dt.datetime, bytes], Awaitable[None]]


def copy_pipe(source: Path, target: Path) -> None:
    """Append everything written into the FIFO ``source`` to ``target`` as it comes, until
    its writer closes it (blocks until one opens it)."""
    with source.open("rb", buffering=0) as pipe, target.open("ab") as out:
        while block := pipe.read(COPY_BLOCK):
            out.write(block)
            out.flush()


def release_pipe(source: Path) -> None:
    """End a ``copy_pipe`` still waiting for a writer (the recorder never opened the pipe)."""
    try:
        fd = os.open(source, os.O_WRONLY | os.O_NONBLOCK)
    except OSError:
        return  # no reader waiting
    os.close(fd)


class FileTail:
    """Sends a growing file's new bytes: each ``send_new()`` uploads what was written since
    the last one, at its offset (``base`` plus the bytes sent), in chunks of at most
    ``max_chunk``. A failed upload raises and is sent again by the next call."""

    def __init__(self, path: Path, upload: Upload, *, max_chunk: int, base: int = 0) -> None:
        self.path = path
        self._upload = upload
        self._max_chunk = max_chunk
        self._base = base
        self.sent = 0
        self._lock = asyncio.Lock()

    async def send_new(self, started_at: dt.datetime) -> None:
        async with self._lock:
            while True:
                with self.path.open("rb") as f:
                    f.seek(self.sent)
                    data = f.read(self._max_chunk)
                if not data:
                    return
                await self._upload(self._base + self.sent, started_at, data)
                self.sent += len(data)


class CallRecording:
    """``start()`` once the session has its room audio and before the agent speaks (the
    Assistant's ``on_enter``, before the greeting: a speech sends its audio to the output
    the session had when it began); ``aclose()`` flushes the recorder and uploads the rest
    (a shutdown callback)."""

    def __init__(
        self,
        session: AgentSession[Any],
        upload: Upload,
        settings: RecordingSettings,
        *,
        offset: int = 0,
        folder: Path | None = None,
        room: rtc.Room | None = None,
    ) -> None:
        """``offset``: bytes the backend already holds for this conversation (a resumed call
        appends after them); ``room``: where the agent's ``recording`` attribute is set."""
        self._session = session
        self._room = room
        self._settings = settings
        self._folder = folder or Path(tempfile.mkdtemp(prefix="va-recording-"))
        self._path = self._folder / FILE_NAME
        self._pipe = self._folder / FIFO_NAME
        self._copier: threading.Thread | None = None
        self._tail = FileTail(self._path, upload, max_chunk=settings.max_chunk_bytes, base=offset)
        self._recorder: RecorderIO | None = None
        self._started_at: dt.datetime | None = None
        self._loop_task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    @property
    def path(self) -> Path:
        return self._path

    @property
    def uploaded(self) -> int:
        return self._tail.sent

    @property
    def running(self) -> bool:
        """The recorder is writing the call."""
        return self._recorder is not None

    async def start(self) -> None:
        """Record from now on (a second call changes nothing)."""
        if self._recorder is not None or self._started_at is not None:
            return
        audio_in, audio_out = self._session.input.audio, self._session.output.audio
        if audio_in is None or audio_out is None:
            logger.warning("call not recorded: the session has no audio")
            return
        recorder = RecorderIO(agent_session=self._session)
        self._session.input.audio = recorder.record_input(audio_in)
        self._session.output.audio = recorder.record_output(audio_out)
        try:
            os.mkfifo(self._pipe, 0o600)
            self._copier = threading.Thread(
                target=copy_pipe, args=(self._pipe, self._path), name="call_recording_copy"
            )
            self._copier.start()
            await recorder.start(output_path=self._pipe)
        except Exception:
            logger.warning("call recording did not start", exc_info=True)
            release_pipe(self._pipe)
            return
        self._recorder = recorder
        started = recorder.recording_started_at
        assert started is not None
        self._started_at = dt.datetime.fromtimestamp(started, dt.UTC)
        self._loop_task = asyncio.create_task(self._upload_loop(), name="call_recording_upload")
        logger.info("call recording started")
        if self._room is not None:
            try:
                await show_recording(self._room)
            except Exception:  # the recording goes on; only the page's badge is missing
                logger.warning("could not show that the call is recorded", exc_info=True)

    async def aclose(self) -> None:
        """Stop recording, then upload what is left (the Ogg stream's last pages)."""
        if self._recorder is None:
            return
        recorder, self._recorder = self._recorder, None
        await recorder.aclose()
        await asyncio.to_thread(self._join_copier)
        if self._loop_task is not None:  # not cancelled mid-upload: it ends after one
            self._stopping.set()
            await self._loop_task
        try:
            await self.send_new()
        except Exception:
            logger.warning("recording end not uploaded", exc_info=True)
            return
        shutil.rmtree(self._folder, ignore_errors=True)  # all of it is with the backend
        logger.info("call recording stored", extra={"bytes": self._tail.sent})

    def _join_copier(self) -> None:
        if self._copier is None:
            return
        self._copier.join(timeout=5)
        if self._copier.is_alive():
            release_pipe(self._pipe)
            self._copier.join(timeout=5)

    async def send_new(self) -> None:
        """Upload the bytes written since the last upload."""
        assert self._started_at is not None
        await self._tail.send_new(self._started_at)

    async def _upload_loop(self) -> None:
        while not self._stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self._settings.upload_interval_s)
            if self._stopping.is_set():
                return
            try:
                await self.send_new()
            except FileNotFoundError:
                continue  # nothing written yet
            except Exception:
                # the bytes stay in the file: the next round sends them
                logger.warning("recording upload failed", exc_info=True)


async def prepare_call_recording(
    ctx: JobContext,
    settings: AgentSettings,
    session: AgentSession[Any],
    *,
    transport: httpx.AsyncBaseTransport | None = None,
) -> CallRecording | None:
    """The call's recording, to start before the agent first speaks; None without a
    backend, where there is nowhere to keep it. It has its own backend client: the final
    upload runs in a shutdown callback, beside the one that closes the job's shared client."""
    client = BackendClient.from_settings(
        settings, dispatch_metadata=ctx.job.metadata, transport=transport
    )
    if client is None:
        logger.warning("call not recorded: no backend to keep it (AGENT_BACKEND_URL)")
        return None
    room = ctx.room.name
    try:
        offset = await client.recording_size(room)  # a resumed call appends after it
    except BackendError:
        logger.warning("call not recorded: backend unavailable", exc_info=True)
        await client.aclose()
        return None

    async def upload(at: int, started_at: dt.datetime, data: bytes) -> None:
        await client.put_recording_chunk(room, offset=at, started_at=started_at, data=data)

    recording = CallRecording(session, upload, settings.recording, offset=offset, room=ctx.room)

    async def stop() -> None:
        try:
            await recording.aclose()
        finally:
            await client.aclose()

    ctx.add_shutdown_callback(stop)
    return recording


async def show_recording(room: rtc.Room) -> None:
    """The agent's attribute the page shows as its "Recording" indicator."""
    await room.local_participant.set_attributes({RECORDING_ATTRIBUTE: "on"})
