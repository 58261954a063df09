"""A scripted LiveKit participant that speaks WAV prompts to the agent and times the replies.

It does what the browser does (token from the backend, publish a microphone track,
subscribe to the agent's audio, read `lk.transcription` and the agent's per-turn figures),
and measures at the client: end of the user's speech to the first agent audio frame.
"""

from __future__ import annotations

import asyncio
import json
import time
import urllib.request
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from livekit import rtc
from speech import speak, with_silence

RATE = 48000
FRAME = RATE // 100  # 10 ms
AUDIBLE_RMS = 300.0  # int16 RMS treated as agent speech


@dataclass
class TurnResult:
    prompt: str
    latency_s: float | None
    user_transcript: str = ""
    agent_text: str = ""
    figures: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Call:
    """What the backend answered for a call: where to connect, and its conversation."""

    server_url: str
    token: str
    conversation_id: str
    room_name: str


def _post(url: str, body: dict[str, Any], timeout: float = 10) -> Any:
    req = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return json.loads(r.read() or b"null")


def start_call(backend_url: str, *, record: bool = False) -> Call:
    """A new conversation and a token for its room (what the page does); ``record``: with
    call recording on."""
    request = {"record": True} if record else {}
    body = _post(backend_url.rstrip("/") + "/api/conversations", request)
    connection = body["connection"]
    return Call(
        connection["server_url"],
        connection["participant_token"],
        body["conversation"]["id"],
        connection["room_name"],
    )


def rejoin_call(backend_url: str, call: Call) -> Call:
    """A new token for the room of ``call``, left without hanging up (a page reload)."""
    body = _post(backend_url.rstrip("/") + "/api/token", {"room_name": call.room_name})
    return Call(body["server_url"], body["participant_token"], call.conversation_id, call.room_name)


def end_call(backend_url: str, call: Call) -> None:
    """End the call now (the backend deletes its room); leaving only keeps it for a rejoin."""
    _post(f"{backend_url.rstrip('/')}/api/conversations/{call.conversation_id}/end", {})


class VoiceClient:
    def __init__(self) -> None:
        self.room = rtc.Room()
        self.source = rtc.AudioSource(RATE, 1, queue_size_ms=100)
        self._audio_lock = asyncio.Lock()
        self.agent_state = ""
        self.state_changed = asyncio.Event()
        self.last_audible: float = 0.0
        self.first_audible_after: float | None = None
        self._mark: float | None = None
        self.transcripts: list[tuple[str, str, bool]] = []  # (identity, text, final)
        self.turn_figures: list[dict[str, Any]] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self.backend_url = ""
        self.call: Call | None = None

    async def connect(
        self, backend_url: str, *, rejoin: Call | None = None, record: bool = False
    ) -> None:
        """Start a call (``record``: recorded), or rejoin the one ``rejoin`` left."""
        self.backend_url = backend_url
        self.call = (
            start_call(backend_url, record=record)
            if rejoin is None
            else rejoin_call(backend_url, rejoin)
        )
        url, token = self.call.server_url, self.call.token
        self.room.on("track_subscribed", self._on_track)
        self.room.on("participant_attributes_changed", self._on_attrs)
        self.room.on("data_received", self._on_data)
        self.room.register_text_stream_handler("lk.transcription", self._on_transcription)
        await self.room.connect(url, token)
        for participant in self.room.remote_participants.values():  # an agent already there
            self.agent_state = participant.attributes.get("lk.agent.state", self.agent_state)
        track = rtc.LocalAudioTrack.create_audio_track("mic", self.source)
        await self.room.local_participant.publish_track(
            track, rtc.TrackPublishOptions(source=rtc.TrackSource.SOURCE_MICROPHONE)
        )
        self._spawn(self._silence_loop())

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # --- events --------------------------------------------------------------------------
    def _on_track(self, track: rtc.Track, _pub: Any, participant: rtc.RemoteParticipant) -> None:
        if track.kind == rtc.TrackKind.KIND_AUDIO:
            self._spawn(self._listen(rtc.AudioStream(track, sample_rate=RATE, num_channels=1)))

    async def _listen(self, stream: rtc.AudioStream) -> None:
        async for event in stream:
            pcm = np.frombuffer(event.frame.data, dtype=np.int16).astype(np.float32)
            if pcm.size and float(np.sqrt(np.mean(pcm**2))) >= AUDIBLE_RMS:
                now = time.monotonic()
                self.last_audible = now
                if self._mark is not None and self.first_audible_after is None:
                    self.first_audible_after = now

    def _on_attrs(self, changed: dict[str, str], participant: rtc.Participant) -> None:
        if "lk.agent.state" in changed:
            self.agent_state = changed["lk.agent.state"]
            self.state_changed.set()

    def _on_data(self, packet: rtc.DataPacket) -> None:
        if packet.topic == "va.metrics":
            self.turn_figures.append(json.loads(packet.data))

    def _on_transcription(self, reader: rtc.TextStreamReader, identity: str) -> None:
        async def read() -> None:
            text = await reader.read_all()
            final = (reader.info.attributes or {}).get("lk.transcription_final") == "true"
            self.transcripts.append((identity, text, final))

        self._spawn(read())

    # --- audio out -------------------------------------------------------------------------
    async def _silence_loop(self) -> None:
        """A microphone never stops sending: silence between prompts keeps the VAD fed."""
        silence = rtc.AudioFrame(bytes(FRAME * 2), RATE, 1, FRAME)
        while True:
            async with self._audio_lock:
                await self.source.capture_frame(silence)

    async def say(self, pcm: np.ndarray) -> float:
        """Send `pcm` (int16, 48 kHz) in real time; return when its last voiced sample plays.

        capture_frame returns once the frame is queued; the queue (≤100 ms) still lies ahead
        of it, so the sample's send time is now + the queued duration.
        """
        voiced = np.flatnonzero(np.abs(pcm) > 500)
        last_voiced = int(voiced[-1]) if voiced.size else len(pcm) - 1
        end_at = 0.0
        async with self._audio_lock:
            for start in range(0, len(pcm), FRAME):
                chunk = pcm[start : start + FRAME]
                if len(chunk) < FRAME:
                    chunk = np.pad(chunk, (0, FRAME - len(chunk)))
                await self.source.capture_frame(rtc.AudioFrame(chunk.tobytes(), RATE, 1, FRAME))
                if start <= last_voiced < start + FRAME:
                    offset = (last_voiced - start) / RATE - FRAME / RATE
                    end_at = time.monotonic() + self.source.queued_duration + offset
        return end_at

    # --- turns ---------------------------------------------------------------------------
    async def wait_state(self, *states: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while self.agent_state not in states:
            self.state_changed.clear()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"agent state {self.agent_state!r}, wanted {states}")
            try:
                await asyncio.wait_for(self.state_changed.wait(), remaining)
            except TimeoutError:
                continue

    def listen_from_now(self) -> None:
        """Count any agent audio from now on as the next ``first_audible_after`` (an agent
        heard again after a crash, where there is no prompt to time from)."""
        self.first_audible_after = None
        self._mark = time.monotonic()

    async def wait_greeting(self, timeout: float = 120) -> None:
        """Wait until the agent has said its greeting (its turn record arrived) and is quiet:
        before that, "listening" may only mean the greeting has not started yet."""
        deadline = time.monotonic() + timeout
        while not self.turn_figures:
            if time.monotonic() > deadline:
                raise TimeoutError("no greeting from the agent")
            await asyncio.sleep(0.05)
        await self.wait_quiet(timeout=max(1.0, deadline - time.monotonic()))

    async def wait_quiet(self, quiet_s: float = 0.8, timeout: float = 60) -> None:
        """Wait until the agent is listening and no agent audio arrived for `quiet_s`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.agent_state == "listening" and time.monotonic() - self.last_audible > quiet_s:
                return
            await asyncio.sleep(0.05)
        raise TimeoutError("agent did not go quiet")

    async def turn(self, prompt: str, pcm: np.ndarray, timeout: float = 30) -> TurnResult:
        await self.wait_quiet()
        n_figures = len(self.turn_figures)
        n_transcripts = len(self.transcripts)
        self.first_audible_after = None
        self._mark = None
        end_of_speech = await self.say(pcm)
        self._mark = end_of_speech
        deadline = time.monotonic() + timeout
        while self.first_audible_after is None and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        latency = (
            self.first_audible_after - end_of_speech
            if self.first_audible_after is not None
            else None
        )
        while len(self.turn_figures) == n_figures and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        figures = self.turn_figures[n_figures] if len(self.turn_figures) > n_figures else {}
        local = self.room.local_participant.identity
        user_text = " ".join(
            t for who, t, final in self.transcripts[n_transcripts:] if who == local and final
        )
        return TurnResult(
            prompt=prompt,
            latency_s=latency,
            user_transcript=user_text or (figures.get("user_text") or ""),
            agent_text=figures.get("agent_text", ""),
            figures=figures.get("figures", {}),
        )

    async def ask(self, question: str, timeout: float = 90) -> str:
        """Say ``question`` (synthesised speech); the agent's spoken answer, in lower case.
        Fails when no answer was heard."""
        result = await self.turn(question, with_silence(speak(question), 0.3, 0.0), timeout)
        assert result.latency_s is not None, f"no spoken answer to {question!r}"
        return result.agent_text.lower()

    def agent_identities(self) -> set[str]:
        """The agents in the room now."""
        agent = rtc.ParticipantKind.PARTICIPANT_KIND_AGENT
        others = self.room.remote_participants.values()
        return {p.identity for p in others if p.kind == agent}

    async def close(self, *, hang_up: bool = True) -> None:
        """Leave the room; ``hang_up`` (the page's Disconnect button) also ends the call, so
        its agent is free at once instead of waiting out the rejoin grace."""
        for task in list(self._tasks):
            task.cancel()
        await self.room.disconnect()
        if hang_up and self.call is not None:
            try:
                await asyncio.to_thread(end_call, self.backend_url, self.call)
            except OSError as e:  # a stopped backend: the grace ends the call instead
                print(f"voice client: could not hang up: {e}")
