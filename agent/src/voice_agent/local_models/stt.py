"""The offline speech-to-text engines' common plugin, and Moonshine tiny-en (non-streaming).

The framework segments the user's audio with the VAD and calls :meth:`_recognize_impl` once
per utterance; an engine implements the blocking :meth:`LocalSTT.transcribe` (16 kHz mono
float32 in, text out), which the model host also serves. Moonshine hallucinates a leading
"You"/"Mm" when the clip starts with silence, so the pre-roll is trimmed to
``keep_preroll_s`` before the first voiced sample. Whisper: ``whisper_stt.py``.
"""

from __future__ import annotations

import asyncio
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from livekit import rtc
from livekit.agents import APIConnectOptions, LanguageCode, stt, utils
from livekit.agents.types import NOT_GIVEN, NotGivenOr

from .model_files import moonshine_model_dir

SAMPLE_RATE = 16000
# Moonshine's hallucinated lead-ins: a hum ("Mm", "Uh") always; "You" only when it stands
# apart from the sentence (punctuated, or followed by a capitalised word: "You What is…"),
# so a real "You are right." keeps its subject.
_LEADING_FILLER = re.compile(
    r"^\s*(?:(?i:mm+|hmm+|uh+|um+)[.,!?]*\s+|[Yy][Oo][Uu](?:[.,!?]+\s+|\s+(?=[A-Z])))(?=\S)"
)


@dataclass(frozen=True, slots=True)
class MoonshineOptions:
    model_name: str = "tiny-en"
    keep_preroll_s: float = 0.05
    voice_threshold: float = 0.02  # peak amplitude (0..1) counted as speech for the trim


def trim_preroll(
    pcm: np.ndarray, *, sample_rate: int, keep_s: float, threshold: float
) -> np.ndarray:
    """Drop leading near-silence, keeping ``keep_s`` seconds before the first voiced 10 ms."""
    win = max(1, sample_rate // 100)
    n = len(pcm) // win
    if n == 0:
        return pcm
    peaks = np.abs(pcm[: n * win].reshape(n, win)).max(axis=1)
    voiced = np.flatnonzero(peaks >= threshold)
    if voiced.size == 0:
        return pcm
    start = max(0, int(voiced[0]) * win - int(keep_s * sample_rate))
    return pcm[start:]


def voiced_clip(pcm: np.ndarray, *, keep_s: float, threshold: float) -> np.ndarray | None:
    """16 kHz ``pcm`` with its pre-roll trimmed, or None when nothing in it is voiced or
    what is left is under 0.1 s (a click): such clips are not worth the model's time."""
    pcm = trim_preroll(pcm, sample_rate=SAMPLE_RATE, keep_s=keep_s, threshold=threshold)
    if len(pcm) < SAMPLE_RATE // 10 or float(np.abs(pcm).max()) < threshold:
        return None
    return pcm


# A whole utterance that is only a filler: Moonshine's "You" from a breath or the quiet after
# the last sentence, or a hesitation. Not a turn: answered, it gets a reply to nothing ("You're
# welcome!"). An assent ("Mm-hmm", "Uh-huh") is kept.
_FILLER_ONLY = re.compile(r"^(?i:you|mm+|hmm+|uh+|um+|ah+|oh+)[.,!?]*$")


def clean_transcript(text: str) -> str:
    """Spaces normalised, one leading filler dropped; "" for a filler alone."""
    text = " ".join(text.split())
    if _FILLER_ONLY.match(text):
        return ""
    return _LEADING_FILLER.sub("", text, count=1).strip()


def to_mono_float(frame: rtc.AudioFrame) -> np.ndarray:
    """Resample to 16 kHz mono float32 in [-1, 1]."""
    if frame.sample_rate != SAMPLE_RATE:
        resampler = rtc.AudioResampler(
            frame.sample_rate, SAMPLE_RATE, num_channels=frame.num_channels
        )
        frames = resampler.push(frame) + resampler.flush()
        frame = rtc.combine_audio_frames(frames) if frames else frame
    pcm = np.frombuffer(frame.data, dtype=np.int16)
    if frame.num_channels > 1:
        pcm = pcm.reshape(-1, frame.num_channels).mean(axis=1)
    return pcm.astype(np.float32) / 32768.0


class LocalSTT(stt.STT[Any]):
    """An offline engine as a non-streaming framework STT: :meth:`transcribe` runs in a
    worker thread, once per utterance."""

    DEFAULT_MODEL: ClassVar[str] = "local"

    def __init__(self, model: str | None = None, *, language: str = "en") -> None:
        super().__init__(capabilities=stt.STTCapabilities(streaming=False, interim_results=False))
        self._model_name = model or self.DEFAULT_MODEL
        self.language = language  # what it hears (ISO-639-1); the transcripts carry it

    @property
    def model(self) -> str:
        return self._model_name

    @property
    def provider(self) -> str:
        return "local"

    def warm_up(self) -> None:
        """Run the model once or more before the first call (a no-op by default)."""

    def transcribe(self, pcm: np.ndarray) -> str:
        """Blocking: 16 kHz mono float32 in, cleaned text out."""
        raise NotImplementedError

    def try_transcribe(self, pcm: np.ndarray) -> str | None:
        """As :meth:`transcribe`, for a transcript worth having only if it delays no other
        (one made while the user still talks): None when the engine is busy."""
        return self.transcribe(pcm)

    def speech_event(self, text: str) -> stt.SpeechEvent:
        return stt.SpeechEvent(
            type=stt.SpeechEventType.FINAL_TRANSCRIPT,
            alternatives=[stt.SpeechData(language=LanguageCode(self.language), text=text)],
        )

    async def _recognize_impl(
        self,
        buffer: utils.AudioBuffer,
        *,
        language: NotGivenOr[str] = NOT_GIVEN,
        conn_options: APIConnectOptions,
    ) -> stt.SpeechEvent:
        frame = rtc.combine_audio_frames(buffer)
        return self.speech_event(await asyncio.to_thread(self.transcribe, to_mono_float(frame)))


class MoonshineSTT(LocalSTT):
    DEFAULT_MODEL = "moonshine-tiny-en"

    def __init__(self, *, options: MoonshineOptions | None = None) -> None:
        self._opts = options or MoonshineOptions()
        super().__init__(f"moonshine-{self._opts.model_name}")
        self._model_dir: Path = moonshine_model_dir(self._opts.model_name)
        self._transcriber: object | None = None
        self._lock = threading.Lock()

    def _load(self) -> object:
        with self._lock:
            if self._transcriber is None:
                from moonshine_voice import ModelArch, Transcriber

                self._transcriber = Transcriber(str(self._model_dir), ModelArch.TINY)
            return self._transcriber

    def warm_up(self) -> None:
        """Run the model on a few clip lengths: onnxruntime's first runs of a new input shape
        are several times slower than later ones (0.5 s vs 0.07 s for a 2 s clip)."""
        rng = np.random.default_rng(0)
        for seconds in (1.0, 2.0, 3.0):
            noise = rng.uniform(-0.3, 0.3, int(SAMPLE_RATE * seconds)).astype(np.float32)
            self.transcribe(noise)

    def transcribe(self, pcm: np.ndarray) -> str:
        return self._transcribe(pcm, wait=True) or ""

    def try_transcribe(self, pcm: np.ndarray) -> str | None:
        return self._transcribe(pcm, wait=False)

    def _transcribe(self, pcm: np.ndarray, *, wait: bool) -> str | None:
        # nothing voiced: Moonshine would hallucinate "You" from the quiet
        voiced = voiced_clip(
            pcm, keep_s=self._opts.keep_preroll_s, threshold=self._opts.voice_threshold
        )
        if voiced is None:
            return ""
        transcriber = self._transcriber or self._load()
        if not self._lock.acquire(blocking=wait):
            return None
        try:
            transcript = transcriber.transcribe_without_streaming(voiced.tolist(), SAMPLE_RATE)  # type: ignore[attr-defined]
        finally:
            self._lock.release()
        return clean_transcript(" ".join(line.text for line in transcript.lines))
