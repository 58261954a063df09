"""Piper (en_US-joe-medium) text-to-speech as a LiveKit Agents TTS plugin.

Piper is non-streaming; the framework wraps it in ``tts.StreamAdapter``, which splits the
LLM's text into sentences, so the first sentence is spoken while the LLM still generates.
"""

from __future__ import annotations

import asyncio
import dataclasses
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from livekit.agents import DEFAULT_API_CONNECT_OPTIONS, APIConnectOptions, APIError, tts, utils

from .model_files import piper_voice_files

SAMPLE_RATE = 22050
# text ending in one of these ends a sentence or a clause: Piper's pause after it is right
_ENDS = (".", "!", "?", "…", ",", ";", ":", '"', "'", ")")


@dataclass(frozen=True, slots=True)
class PiperOptions:
    length_scale: float = 1.0
    intra_op_threads: int = 1
    # None = the voice's own; 0 makes synthesis deterministic (used for test clips)
    noise_scale: float | None = None
    noise_w_scale: float | None = None
    # the espeak-ng voice that turns text into phonemes; None: the voice's own (en-us). Another
    # language's ("de") makes the English voice read that language, with an English accent
    espeak_voice: str | None = None


class PiperTTS(tts.TTS[Any]):
    def __init__(self, *, options: PiperOptions | None = None) -> None:
        super().__init__(
            capabilities=tts.TTSCapabilities(streaming=False),
            sample_rate=SAMPLE_RATE,
            num_channels=1,
        )
        self._opts = options or PiperOptions()
        self._model, self._config = piper_voice_files()
        self._voice: object | None = None
        self._lock = threading.Lock()

    @property
    def model(self) -> str:
        return "piper-en_US-joe-medium"

    @property
    def options(self) -> PiperOptions:
        return self._opts

    def update_options(
        self, *, length_scale: float | None = None, espeak_voice: str | None = None
    ) -> None:
        """Change the pace or the pronunciation of what is synthesised next (per
        conversation: room metadata)."""
        if length_scale is not None:
            self._opts = dataclasses.replace(self._opts, length_scale=length_scale)
        if espeak_voice is not None:
            self._opts = dataclasses.replace(self._opts, espeak_voice=espeak_voice)

    @property
    def provider(self) -> str:
        return "local"

    def _load(self) -> object:
        with self._lock:
            if self._voice is None:
                self._voice = _load_voice(self._model, self._config, self._opts.intra_op_threads)
            return self._voice

    def warm_up(self, *, longest_chars: int = 0) -> None:
        """Load the voice; with ``longest_chars``, also speak a clause that long, so that
        onnxruntime's memory arena (it keeps the most any input needed so far) holds at
        start what the longest clause this voice is given will need."""
        for _ in self.synthesize_pcm("Hello."):
            pass
        if longest_chars:
            for _ in self.synthesize_pcm(filler_clause(longest_chars)):
                pass

    def new_reply(self) -> None:
        """A reply starts (the model host orders its requests by when their audio is due)."""

    def synthesize_pcm(
        self, text: str, *, length_scale: float | None = None, espeak_voice: str | None = None
    ) -> Iterator[bytes]:
        """Blocking generator of 16-bit mono PCM at 22.05 kHz, one chunk per sentence, at
        ``length_scale`` and read with ``espeak_voice`` (defaults: the options' own)."""
        from piper.config import SynthesisConfig

        voice = self._load()
        config = SynthesisConfig(
            length_scale=length_scale or self._opts.length_scale,
            noise_scale=self._opts.noise_scale,
            noise_w_scale=self._opts.noise_w_scale,
        )
        piper: Any = voice
        with self._lock:  # the phonemizer's voice is the loaded voice's: set for this text
            own = piper.config.espeak_voice
            piper.config.espeak_voice = espeak_voice or self._opts.espeak_voice or own
            try:
                chunks = list(piper.synthesize(text, syn_config=config))
            finally:
                piper.config.espeak_voice = own
        # a chunk cut mid-sentence (the first few words of a reply) runs straight on into
        # the next one: no sentence-final pause after it
        cut = not text.rstrip().endswith(_ENDS)
        for i, chunk in enumerate(chunks):
            pcm = chunk.audio_int16_array
            if i == 0:
                pcm = trim_leading_silence(pcm)
            if cut and i == len(chunks) - 1:
                pcm = trim_trailing_silence(pcm)
            yield pcm.tobytes()

    def synthesize(
        self, text: str, *, conn_options: APIConnectOptions = DEFAULT_API_CONNECT_OPTIONS
    ) -> tts.ChunkedStream:
        return _PiperStream(tts=self, input_text=text, conn_options=conn_options)


def filler_clause(chars: int) -> str:
    """One unpunctuated clause of at most ``chars`` characters (at least one word), then a
    full stop."""
    words: list[str] = []
    while len(" ".join(words)) + len(_FILLER[len(words) % len(_FILLER)]) + 2 <= chars:
        words.append(_FILLER[len(words) % len(_FILLER)])
    return " ".join(words or _FILLER[:1]) + "."


_FILLER = (
    "the",
    "quick",
    "brown",
    "fox",
    "jumps",
    "over",
    "the",
    "lazy",
    "dog",
    "by",
    "the",
    "river",
)


def trim_trailing_silence(pcm: np.ndarray, *, threshold: int = 100, keep: int = 660) -> np.ndarray:
    """Drop Piper's 0.15-0.22 s of silence after the last sound, keeping ``keep`` samples
    (30 ms), for a chunk the next one continues mid-sentence."""
    loud = np.flatnonzero(np.abs(pcm) > threshold)
    if loud.size == 0:
        return pcm
    return pcm[: int(loud[-1]) + 1 + keep]


def trim_leading_silence(pcm: np.ndarray, *, threshold: int = 100, keep: int = 110) -> np.ndarray:
    """Drop Piper's 20-50 ms of near-silence before the first sound, keeping ``keep`` samples
    (5 ms): every millisecond here is a millisecond of reply latency."""
    loud = np.flatnonzero(np.abs(pcm) > threshold)
    if loud.size == 0:
        return pcm
    return pcm[max(0, int(loud[0]) - keep) :]


def _load_voice(model: Path, config: Path, threads: int) -> object:
    import json

    import onnxruntime
    from piper.config import PiperConfig
    from piper.voice import PiperVoice

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    # Off: every clause is a new input shape, and with memory patterns on the arena grew
    # with each one (RSS +1.1 GB for a 250-word clause spoken a second time); off, it only
    # grows to what the longest clause so far needs, at the same speed (345 ms a clause)
    options.enable_mem_pattern = False
    session = onnxruntime.InferenceSession(
        str(model), sess_options=options, providers=["CPUExecutionProvider"]
    )
    return PiperVoice(
        config=PiperConfig.from_dict(json.loads(config.read_text(encoding="utf-8"))),
        session=session,
    )


class _PiperStream(tts.ChunkedStream):
    def __init__(self, *, tts: PiperTTS, input_text: str, conn_options: APIConnectOptions) -> None:
        super().__init__(tts=tts, input_text=input_text, conn_options=conn_options)
        self._piper = tts

    async def _run(self, output_emitter: tts.AudioEmitter) -> None:
        output_emitter.initialize(
            request_id=utils.shortuuid(),
            sample_rate=SAMPLE_RATE,
            num_channels=1,
            mime_type="audio/pcm",
        )
        try:
            chunks = await asyncio.to_thread(
                lambda: list(self._piper.synthesize_pcm(self.input_text))
            )
        except Exception as e:  # onnxruntime/phonemizer failures become framework errors
            raise APIError(f"piper synthesis failed: {type(e).__name__}", retryable=False) from e
        for pcm in chunks:
            output_emitter.push(pcm)
        output_emitter.flush()
