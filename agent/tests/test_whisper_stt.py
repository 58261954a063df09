"""Whisper tiny.en (``AGENT_STT__ENGINE=whisper``) on the agent's own paths: built by the
``local`` provider in the job process and heard through the session's STT adapter (the VAD
cuts the stream, the speculative adapter transcribes), and served by the model host over
HTTP to the job's ``HostedSTT``; on Piper speech and a human recording (shipped in the
moonshine-voice wheel)."""

from __future__ import annotations

import re
import threading
import wave
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from livekit import rtc
from livekit.agents import stt
from voice_agent.local_models import LlamaOptions, LocalSTT, WhisperSTT
from voice_agent.model_host import HostedSTT
from voice_agent.model_host.server import ModelHostServer, Models
from voice_agent.providers.build_options import BuildOptions
from voice_agent.providers.local import local_stt, local_vad
from voice_agent.session import session_stt
from voice_agent.settings import AgentSettings, ProviderConfig

pytestmark = pytest.mark.models

RATE = 16000
FRAME = RATE // 50  # 20 ms, what RoomIO delivers
QUESTION = "What is the capital of France?"
BECKETT = "ever tried ever failed no matter try again fail again fail better"


def _words(text: str) -> list[str]:
    return re.sub(r"[^a-z' ]", " ", text.lower()).split()


def _silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * RATE), np.int16)


@pytest.fixture(scope="module")
def whisper_settings(model_dir: Path) -> AgentSettings:
    return AgentSettings(model_dir=model_dir, stt={"engine": "whisper"})


@pytest.fixture(scope="module")
def whisper(whisper_settings: AgentSettings) -> LocalSTT:
    """What the ``local`` provider builds in a job process with the engine set: warmed."""
    hearing = local_stt(ProviderConfig(), BuildOptions(settings=whisper_settings))
    assert isinstance(hearing, WhisperSTT)
    assert hearing.model == "whisper-tiny.en"
    return hearing


@pytest.fixture(scope="module")
def beckett() -> np.ndarray:
    """A man reading Beckett's line (10 s, 16 kHz), from the moonshine-voice wheel."""
    import moonshine_voice

    path = Path(moonshine_voice.__file__).parent / "assets" / "beckett.wav"
    with wave.open(str(path), "rb") as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (RATE, 1, 2)
        return np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)


async def _hear(adapter: stt.STT[Any], pcm: np.ndarray) -> str:
    """The final transcripts of a caller's stream, as the session's STT gives them."""
    stream = adapter.stream()
    for start in range(0, len(pcm) - FRAME + 1, FRAME):
        stream.push_frame(rtc.AudioFrame(pcm[start : start + FRAME].tobytes(), RATE, 1, FRAME))
    stream.end_input()
    texts = [
        ev.alternatives[0].text
        async for ev in stream
        if ev.type == stt.SpeechEventType.FINAL_TRANSCRIPT and ev.alternatives
    ]
    await stream.aclose()
    return " ".join(texts)


async def _recognize(hearing: stt.STT[Any], pcm: np.ndarray) -> str:
    event = await hearing.recognize(buffer=rtc.AudioFrame(pcm.tobytes(), RATE, 1, len(pcm)))
    return event.alternatives[0].text


async def test_a_spoken_question_through_the_sessions_stt(
    whisper_settings: AgentSettings,
    whisper: LocalSTT,
    speech: Callable[[str], np.ndarray],
) -> None:
    providers = SimpleNamespace(stt=whisper, vad=local_vad(whisper_settings))
    adapter = session_stt(whisper_settings, providers)  # type: ignore[arg-type]
    assert adapter is not whisper  # the speculative adapter over the VAD
    text = await _hear(adapter, np.concatenate([_silence(0.5), speech(QUESTION), _silence(1.0)]))
    assert _words(text) == _words(QUESTION), text


async def test_human_speech_is_heard_word_for_word(whisper: LocalSTT, beckett: np.ndarray) -> None:
    heard = _words(await _recognize(whisper, beckett))
    expected = BECKETT.split()
    # one slip allowed (int8 kernels differ a little between CPUs); Moonshine says "fell"
    missed = sum(1 for a, b in zip(heard, expected, strict=False) if a != b)
    assert len(heard) == len(expected) and missed <= 1, heard


async def test_leading_silence_and_silence_alone(
    whisper: LocalSTT, speech: Callable[[str], np.ndarray]
) -> None:
    text = await _recognize(whisper, np.concatenate([_silence(1.5), speech(QUESTION)]))
    assert _words(text)[:1] == ["what"] and "france" in _words(text), text
    assert await _recognize(whisper, _silence(1.0)) == ""


@pytest.fixture
def whisper_host(whisper: LocalSTT) -> Iterator[str]:
    """A model host serving this Whisper (its LLM and voice are not asked for here)."""
    unused = SimpleNamespace(options=LlamaOptions(slots=1))
    models = Models(llm=unused, stt=whisper, tts=None)  # type: ignore[arg-type]
    server = ModelHostServer(("127.0.0.1", 0), models)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


async def test_the_model_hosts_whisper_through_the_jobs_client(
    model_dir: Path, whisper_host: str, beckett: np.ndarray, speech: Callable[[str], np.ndarray]
) -> None:
    settings = AgentSettings(
        model_dir=model_dir, stt={"engine": "whisper"}, model_host={"url": whisper_host}
    )
    hosted = local_stt(ProviderConfig(), BuildOptions(settings=settings))
    assert isinstance(hosted, HostedSTT) and hosted.model == "whisper-tiny.en"
    assert _words(await _recognize(hosted, speech(QUESTION))) == _words(QUESTION)
    assert len(_words(await _recognize(hosted, beckett))) == len(BECKETT.split())
