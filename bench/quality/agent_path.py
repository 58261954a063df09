"""The agent's own hearing and answering, without LiveKit rooms: the same providers the job
process loads (``load_local_providers``: Silero VAD, the STT engine of ``AGENT_STT__ENGINE``
(Moonshine or Whisper), Qwen on llama.cpp, warmed
up with the default instructions and greeting), the same STT adapter the session runs
(``session_stt``: the VAD cuts the caller's audio into utterances, the engine with its
pre-roll trim and transcript cleaning hears each one), and the same ``Assistant`` (its
instructions, greeting, deterministic intents, per-reply context, offered tools, context
window) answering in an ``AgentSession``, as ``make console`` does: the reply is the one a
caller gets for that transcript, with the settings' max_tokens, temperature and seed."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
from livekit import rtc
from livekit.agents import AgentSession, RunResult, llm, stt

RATE = 16000
FRAME = RATE // 50  # 20 ms, what RoomIO delivers at 16 kHz


class AgentPath:
    def __init__(self, settings: Any, *, stt_options: dict[str, float] | None = None) -> None:
        """``stt_options``: the engine's options (MoonshineOptions, WhisperOptions fields) to
        change (an experiment: the agent's own are the defaults)."""
        from voice_agent.local_models import MoonshineOptions, WhisperOptions
        from voice_agent.providers.local import STT_ENGINES, load_local_providers, omp_environment
        from voice_agent.session import session_stt

        self.settings = settings
        omp_environment(settings)  # how llama.cpp's threads wait, as in the agent's main
        self.providers = load_local_providers(settings)
        if stt_options:
            engine = settings.stt.engine
            options = {"moonshine": MoonshineOptions, "whisper": WhisperOptions}[engine]
            hearing = STT_ENGINES[engine](options=options(**stt_options))  # type: ignore[call-arg]
            hearing.warm_up()
            self.providers = dataclasses.replace(self.providers, stt=hearing)
        self._stt: stt.STT[Any] = session_stt(settings, self.providers)

    def transcribe(self, pcm: np.ndarray) -> str:
        """One utterance (16 kHz float32) straight to the STT engine, as the adapter hands it."""
        return str(self.providers.stt.transcribe(pcm))  # type: ignore[attr-defined]

    async def hear(self, pcm: np.ndarray) -> list[str]:
        """The final transcripts of a caller's audio (16 kHz float32), one per utterance the
        VAD found, in order; empty ones left out."""
        data = (np.clip(pcm, -1.0, 1.0) * 32767).astype(np.int16)
        stream = self._stt.stream()
        for start in range(0, len(data) - FRAME + 1, FRAME):
            stream.push_frame(rtc.AudioFrame(data[start : start + FRAME].tobytes(), RATE, 1, FRAME))
        stream.end_input()
        texts = [
            ev.alternatives[0].text
            async for ev in stream
            if ev.type == stt.SpeechEventType.FINAL_TRANSCRIPT and ev.alternatives
        ]
        await stream.aclose()
        return [t for t in texts if t.strip()]

    async def answer(self, text: str) -> str:
        """The assistant's reply to ``text`` as the first turn of a new call (after the
        greeting); a tool call shows as ``[tool name]``."""
        from voice_agent.assistant import Assistant

        agent = Assistant(self.settings)
        parts: list[str] = []
        async with AgentSession(llm=self.providers.llm) as session:
            await session.start(agent)
            if session.current_speech is not None:
                await session.current_speech.wait_for_playout()
            result: RunResult[None] = await session.run(user_input=text)
            for event in result.events:
                item = event.item
                if isinstance(item, llm.ChatMessage) and item.role == "assistant":
                    parts.append((item.text_content or "").strip())
                elif isinstance(item, llm.FunctionCall):
                    parts.append(f"[tool {item.name}]")
        return " ".join(p for p in parts if p)
