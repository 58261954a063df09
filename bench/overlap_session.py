"""Talking over the agent: the agent's session (``build_session``: Silero VAD, Moonshine, the
LLM and Piper of the given providers, the settings' barge-in options) speaks a long reply
into a speaker that plays in real time; a second or so into it, a sound (speech, a cough, a
click, "mm-hm") is spliced into the microphone (``ClipInput``, 20 ms frames at real-time
pace). Times are ``time.monotonic``, the clock the microphone is paced on.

Shared by the barge-in bench (``quality/barge_in.py``) and the agent's behaviour test
(agent/tests/test_barge_in.py).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from livekit import rtc
from livekit.agents import AgentFalseInterruptionEvent, ConversationItemAddedEvent, io, llm
from turn_taking import ClipInput, speech_end_s, speech_start_s

LONG_REPLY = (
    "Here is the full story of the old lighthouse on the northern coast. It was built more "
    "than two hundred years ago by a family of fishermen, who carried every stone up the "
    "cliff by hand. For many years the keeper lit the lamp each evening and wound the clock "
    "that turned the lens, even through the longest winter storms. Ships from all over the "
    "world passed safely because of that light, and the village grew around it, with a "
    "harbour, a market and a small school by the sea."
)

Outcome = Literal["stopped", "resumed", "paused", "continued"]
"""What the agent's reply did after the sound: ``stopped`` for good (the reply was
interrupted), ``resumed`` after a pause, still ``paused`` when the wait ended, or
``continued`` without a pause."""


@dataclass(frozen=True, slots=True)
class Stop:
    called_at: float  # when the session paused or cleared the speaker
    audio_ends_at: float  # when the last audio handed to the device has played
    kind: Literal["pause", "clear"]


class PacedSpeaker(io.AudioOutput):
    """Plays the agent's audio in real time, keeping ``queue_s`` of it ahead in the device
    (RoomIO's ``AudioSource`` queue is 200 ms), as RoomIO does. A clear drops the device's
    queue. A pause stops feeding the device, and RoomIO's forwarder, which holds the next
    50 ms frame until the queue has room for it, drops the queue unplayed as soon as it
    takes a further frame while paused (``_ParticipantAudioOutput._forward_audio``): so
    what plays after a pause is at most one frame's wait when more audio is waiting, and
    the whole queue only when the reply has no more audio yet. Records every stop and
    resume."""

    def __init__(self, queue_s: float = 0.2, frame_s: float = 0.05) -> None:
        super().__init__(label="paced speaker", capabilities=io.AudioOutputCapabilities(pause=True))
        self._queue_s = queue_s
        self._frame_s = frame_s  # RoomIO hands its source 50 ms frames
        self._waiting_s = 0.0  # audio not yet handed to the device
        self._frames: asyncio.Queue[rtc.AudioFrame | None] = asyncio.Queue()  # None: flush
        self._playing = asyncio.Event()
        self._playing.set()
        self._ends_at = 0.0  # when the audio handed to the device runs out
        self._played = 0.0  # seconds of the open segment handed to the device
        self._open = False  # a segment is being captured or played
        self._started = False  # the open segment has played its first frame
        self._generation = 0  # bumped by clear_buffer: frames of older ones are dropped
        self._task: asyncio.Task[None] | None = None
        self.segments_started = 0
        self.segment_started = asyncio.Event()
        self.stops: list[Stop] = []
        self.resumes: list[float] = []

    async def capture_frame(self, frame: rtc.AudioFrame) -> None:
        await super().capture_frame(frame)
        if self._task is None:
            self._task = asyncio.create_task(self._play())
        if not self._open:
            self._open, self._started, self._played = True, False, 0.0
        # in 20 ms pieces, as a device takes them (the TTS hands over much longer frames)
        step = frame.sample_rate // 50 * frame.num_channels
        data = np.frombuffer(frame.data, np.int16)
        for start in range(0, len(data), step):
            piece = data[start : start + step]
            self._waiting_s += len(piece) / frame.num_channels / frame.sample_rate
            self._frames.put_nowait(
                rtc.AudioFrame(
                    piece.tobytes(),
                    frame.sample_rate,
                    frame.num_channels,
                    len(piece) // frame.num_channels,
                )
            )

    def flush(self) -> None:
        super().flush()
        self._frames.put_nowait(None)

    def clear_buffer(self) -> None:
        now = time.monotonic()
        self._generation += 1
        while not self._frames.empty():
            self._frames.get_nowait()
        self._waiting_s = 0.0
        self._drop_after(now)
        if self._open:
            self.stops.append(Stop(now, now, "clear"))
            self._finish(interrupted=True)

    def pause(self) -> None:
        super().pause()
        now = time.monotonic()
        if self._playing.is_set():
            if self._waiting_s > self._frame_s:
                # the forwarder's frame in hand waits for room (at most one frame's play),
                # then its next frame finds the output paused and the queue is dropped
                room_at = self._ends_at - self._queue_s + self._frame_s
                self._drop_after(max(now, room_at))
            self.stops.append(Stop(now, max(now, self._ends_at), "pause"))
        self._playing.clear()

    def _drop_after(self, at: float) -> None:
        """The device's queue past ``at`` is dropped unplayed."""
        if self._ends_at > at:
            self._played -= self._ends_at - at
            self._ends_at = at

    def resume(self) -> None:
        super().resume()
        if not self._playing.is_set():
            self.resumes.append(time.monotonic())
        self._playing.set()

    async def aclose(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    def _finish(self, *, interrupted: bool) -> None:
        self._open = False
        self.on_playback_finished(playback_position=max(self._played, 0.0), interrupted=interrupted)

    async def _play(self) -> None:
        while True:
            frame = await self._frames.get()
            generation = self._generation
            if frame is not None:
                self._waiting_s = max(0.0, self._waiting_s - frame.duration)
            if frame is None:
                await asyncio.sleep(max(0.0, self._ends_at - time.monotonic()))
                if self._open and generation == self._generation:
                    self._finish(interrupted=False)
                continue
            await self._playing.wait()
            if (ahead := self._ends_at - time.monotonic() - self._queue_s) > 0:
                await asyncio.sleep(ahead)
            await self._playing.wait()
            if generation != self._generation:
                continue  # cleared while it waited
            now = time.monotonic()
            if not self._started:
                self._started = True
                self.segments_started += 1
                self.segment_started.set()
                self.on_playback_started(created_at=time.time())
            self._ends_at = max(self._ends_at, now) + frame.duration
            self._played += frame.duration


@dataclass(slots=True)
class Overlap:
    """One reply talked over. From the onset of the sound (its first voiced sample):
    ``decided_s`` to the session pausing or clearing the speaker, ``stop_s`` to the moment
    the agent's audio stopped (after what the device held); None when it did not stop.
    ``paused_s``: from that stop to the resume, for a reply that resumed."""

    onset: float
    sound_s: float  # voiced length of the sound
    decided_s: float | None
    stop_s: float | None
    paused_s: float | None
    outcome: Outcome
    heard: list[str] = field(default_factory=list)  # user turns committed after the onset
    reply: str | None = None  # the agent's next reply, when one was awaited and came
    false_interruptions: list[bool] = field(default_factory=list)  # the events' ``resumed``


def _is_long_reply(text: str) -> bool:
    """The long reply, or what of it was kept when it was cut short."""
    return LONG_REPLY.startswith(text.strip()[:24])


def to_int16(pcm: np.ndarray) -> np.ndarray:
    """float32 in [-1, 1] -> int16 (int16 passes through)."""
    if pcm.dtype == np.int16:
        return pcm
    return (np.clip(pcm, -1.0, 1.0) * 32767).astype(np.int16)


async def talk_over(
    settings: Any,
    providers: Any,
    sound: np.ndarray,
    *,
    lead_s: float = 1.0,
    settle_s: float = 2.0,
    await_reply: bool = False,
    reply_timeout_s: float = 60.0,
) -> Overlap:
    """Play ``sound`` (16 kHz) into the agent's microphone ``lead_s`` after its long reply
    started playing. Then wait: with ``await_reply`` for the agent's next reply (after a
    user turn), else until the reply ended, or until ``settle_s`` past the false-interruption
    timeout after the sound (time for a paused reply to resume)."""
    from voice_agent.assistant import Assistant
    from voice_agent.session import build_session

    pcm = to_int16(sound)
    session = build_session(settings, providers)
    mic = ClipInput(np.zeros(0, np.int16))
    speaker = PacedSpeaker()
    session.input.audio = mic
    session.output.audio = speaker
    items: list[tuple[float, str, str]] = []  # (at, role, text)
    false_interruptions: list[bool] = []
    replied = asyncio.Event()
    onset = float("inf")

    def on_item(ev: ConversationItemAddedEvent) -> None:
        if isinstance(ev.item, llm.ChatMessage) and ev.item.role in ("user", "assistant"):
            now = time.monotonic()
            items.append((now, ev.item.role, ev.item.text_content or ""))
            after = [role for at, role, _ in items if at >= onset]
            if ev.item.role == "assistant" and "user" in after and not _is_long_reply(items[-1][2]):
                replied.set()

    def on_false_interruption(ev: AgentFalseInterruptionEvent) -> None:
        false_interruptions.append(ev.resumed)

    session.on("conversation_item_added", on_item)
    session.on("agent_false_interruption", on_false_interruption)
    try:
        await session.start(Assistant(settings))
        if session.current_speech is not None:  # the greeting
            await asyncio.wait_for(session.current_speech.wait_for_playout(), 30)
        speaker.segment_started.clear()
        handle = session.say(LONG_REPLY)
        await asyncio.wait_for(speaker.segment_started.wait(), 30)
        await asyncio.sleep(lead_s)
        onset = mic.splice(pcm) + speech_start_s(pcm)
        sound_s = speech_end_s(pcm) - speech_start_s(pcm)
        if await_reply:
            await asyncio.wait_for(replied.wait(), reply_timeout_s)
        else:
            until = onset + sound_s + settings.turn.false_interruption_timeout_s + settle_s
            while time.monotonic() < until and not handle.done():
                await asyncio.sleep(0.05)
        stops = [s for s in speaker.stops if s.called_at >= onset]
        first = stops[0] if stops else None
        resumed = [r for r in speaker.resumes if first and r > first.called_at]
        if handle.interrupted:
            outcome: Outcome = "stopped"
        elif first is None:
            outcome = "continued"
        else:
            outcome = "resumed" if resumed else "paused"
        heard = [text for at, role, text in items if role == "user" and at >= onset]
        later = [
            text
            for at, role, text in items
            if role == "assistant" and at >= onset and not _is_long_reply(text)
        ]
        return Overlap(
            onset,
            sound_s,
            first.called_at - onset if first else None,
            first.audio_ends_at - onset if first else None,
            resumed[0] - first.audio_ends_at
            if first and resumed and outcome == "resumed"
            else None,
            outcome,
            heard,
            later[-1] if await_reply and later else None,
            false_interruptions,
        )
    finally:
        await session.aclose()
        await speaker.aclose()
