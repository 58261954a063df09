"""When does the agent take its turn? A clip is played as a microphone would (20 ms frames at
real-time pace, then silence) into the ``AgentSession`` that ``build_session`` makes from the
settings, with the agent's VAD (Silero, built from ``settings.vad``), the agent's STT adapter
over Moonshine, and the configured turn detector (``settings.turn.detector``); only the LLM
is scripted (a reply does not change when the user's turn ended) and nothing is spoken back.

Shared by the end-of-turn bench (``quality/turns.py``) and the agent's behaviour test
(agent/tests/test_semantic_turn.py).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from livekit import rtc
from livekit.agents import (
    DEFAULT_API_CONNECT_OPTIONS,
    Agent,
    APIConnectOptions,
    ConversationItemAddedEvent,
    io,
    llm,
    stt,
    tts,
)

RATE = 16000
FRAME = RATE // 50  # 20 ms, as the agent's RoomIO is configured
VOICED = 0.02 * 32767  # a sample this loud is speech, not Piper's quiet edges


def speech_start_s(pcm: np.ndarray) -> float:
    """Where the first voiced sample of ``pcm`` (16 kHz int16) is, in seconds."""
    voiced = np.flatnonzero(np.abs(pcm.astype(np.int32)) > VOICED)
    return float(voiced[0]) / RATE if len(voiced) else 0.0


def speech_end_s(pcm: np.ndarray) -> float:
    """Where the last voiced sample of ``pcm`` (16 kHz int16) is, in seconds."""
    voiced = np.flatnonzero(np.abs(pcm.astype(np.int32)) > VOICED)
    return float(voiced[-1] + 1) / RATE if len(voiced) else 0.0


class ClipInput(io.AudioInput):
    """Plays ``pcm`` (16 kHz int16) in real time, then silence for as long as it is read.
    ``started`` is when the first frame went out (``time.monotonic``)."""

    def __init__(self, pcm: np.ndarray) -> None:
        super().__init__(label="clip")
        self._pcm = pcm
        self._pos = 0
        self.started: float | None = None
        self.began = asyncio.Event()

    async def __anext__(self) -> rtc.AudioFrame:
        if self.started is None:
            self.started = time.monotonic()
            self.began.set()
        due = self.started + self._pos / RATE
        if (delay := due - time.monotonic()) > 0:
            await asyncio.sleep(delay)
        chunk = self._pcm[self._pos : self._pos + FRAME]
        if len(chunk) < FRAME:
            chunk = np.zeros(FRAME, np.int16)
        self._pos += FRAME
        return rtc.AudioFrame(chunk.tobytes(), RATE, 1, FRAME)

    def splice(self, pcm: np.ndarray) -> float:
        """Play ``pcm`` (16 kHz int16) from the next frame on, instead of what was left of
        the clip; returns when its first sample is due (``time.monotonic``)."""
        if self.started is None:
            raise RuntimeError("splice before the session read the first frame")
        head = np.zeros(self._pos, np.int16)
        kept = self._pcm[: self._pos]
        head[: len(kept)] = kept
        self._pcm = np.concatenate([head, pcm])
        return self.started + self._pos / RATE


class ScriptedLLM(llm.LLM):
    """Answers every turn with "Okay."."""

    def chat(self, *, chat_ctx: llm.ChatContext, tools: Any = None, **_: Any) -> llm.LLMStream:  # type: ignore[override]
        return _Okay(self, chat_ctx=chat_ctx, tools=[], conn_options=DEFAULT_API_CONNECT_OPTIONS)


class _Okay(llm.LLMStream):
    async def _run(self) -> None:
        self._event_ch.send_nowait(
            llm.ChatChunk(id="okay", delta=llm.ChoiceDelta(role="assistant", content="Okay."))
        )


class SilentTTS(tts.TTS):
    """Never used: the session has no audio output, so replies stay text."""

    def __init__(self) -> None:
        super().__init__(
            capabilities=tts.TTSCapabilities(streaming=False), sample_rate=16000, num_channels=1
        )

    def synthesize(
        self, text: str, *, conn_options: APIConnectOptions = DEFAULT_API_CONNECT_OPTIONS
    ) -> tts.ChunkedStream:
        raise NotImplementedError


@dataclass(frozen=True, slots=True)
class UserTurn:
    text: str
    at_s: float  # when the session committed it, seconds after the clip started


async def user_turns(settings: Any, hearing: stt.STT[Any], pcm: np.ndarray) -> list[UserTurn]:
    """The user turns the agent's session commits while ``pcm`` plays (give it enough
    trailing silence for the longest wait, ``settings.turn.max_delay_s``)."""
    from voice_agent.providers.local import Providers, local_vad
    from voice_agent.session import build_session

    providers = Providers(vad=local_vad(settings), stt=hearing, llm=ScriptedLLM(), tts=SilentTTS())
    session = build_session(settings, providers)
    clip = ClipInput(pcm)
    session.input.audio = clip
    session.output.audio = None
    turns: list[UserTurn] = []

    def on_item(ev: ConversationItemAddedEvent) -> None:
        item = ev.item
        if isinstance(item, llm.ChatMessage) and item.role == "user" and clip.started:
            turns.append(UserTurn(item.text_content or "", time.monotonic() - clip.started))

    session.on("conversation_item_added", on_item)
    try:
        await session.start(Agent(instructions="Answer briefly."))
        await asyncio.wait_for(clip.began.wait(), 10)
        assert clip.started is not None
        await asyncio.sleep(clip.started + len(pcm) / RATE - time.monotonic())
    finally:
        await session.aclose()
    return turns
