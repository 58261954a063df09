"""Is the caller's short sound a closed-mouth hum ("mm-hm", "hmm", "mmm")? Read from the audio,
for when Moonshine mishears one as words ("A mem.", "Amend them.", "Amen, M.").

A hum is a nasal murmur: the mouth is closed, so nearly all its energy is in the voice's
lowest harmonics (below ~350 Hz), with none of the energy a vowel's first formant puts at
400-900 Hz, and no fricative or burst (sibilants, "t", "k": energy above 3 kHz). Words have
vowels, so their murmurs ("n", "m" in "No", "Mom") are a small part of them. The audio is
cut into 20 ms frames; each frame of the utterance within ``LOUD_DB`` of its loudest is a
murmur, a fricative or a vowel, and the utterance is a hum when it is short
(``MAX_VOICED_S``), largely murmur (``MIN_MURMUR_SHARE`` of its non-fricative frames, at
least ``MIN_MURMUR_S``) and none of its judged frames is a fricative (the breathy "h" of
"mm-hm" is softer than ``LOUD_DB`` or has no energy above 3 kHz). Nasal-rich words
("Mom?", "I mean.") read as hums too: the transcript's words decide those
(``backchannel.py``).

:class:`HumMeter` keeps the frames' features while a reply plays (a few numpy operations per
20 ms, nothing otherwise); :meth:`HumMeter.heard` summarises the utterance the VAD opened last.
"""

from __future__ import annotations

import collections
from collections.abc import AsyncIterable, AsyncIterator, Callable
from dataclasses import dataclass

import numpy as np
from livekit import rtc

FRAME_S = 0.02  # analysis frame
MURMUR_HZ = 350.0  # a murmur's energy lies below this (the voice's lowest harmonics)
FLOOR_HZ = 60.0  # mains hum and rumble below this are ignored
FRICATIVE_HZ = 3000.0  # sibilants and bursts put their energy above this
LOUD_DB = 15.0  # frames within this of the utterance's loudest are judged
MIN_LEVEL = 0.003  # RMS (full scale 1.0) below which a frame is silence
MURMUR_FRAME_SHARE = 0.6  # a frame with this share of its energy below MURMUR_HZ is murmur
FRICATIVE_FRAME_SHARE = 0.4  # ... and with this share above FRICATIVE_HZ a fricative
MAX_VOICED_S = 0.8  # a hum is short: first to last frame within LOUD_DB
MIN_MURMUR_S = 0.06
# of the judged frames that are not fricatives: real closed-mouth hums are all murmur (1.0);
# a TTS's "Mm-hmm." puts a short vowel between its murmurs (Piper 0.43-0.56, espeak-ng's
# spelled "em-em-hem" 0.3-0.5). 0.37 is the lowest share at which none of the tuning set's
# short interruptions reads as a hum (the nearest: espeak-ng en-us+f3 "Hold on." at 0.36).
MIN_MURMUR_SHARE = 0.37
# the VAD opens an utterance this long after its first sound (its prefix padding and
# activation); the meter looks back this far from the VAD's start of speech
LOOKBACK_S = 0.6
HISTORY_S = 4.0  # frames kept (an utterance longer than this is no hum anyway)


@dataclass(frozen=True, slots=True)
class FrameFeatures:
    level: float  # mean square, full scale 1.0
    murmur: float  # share of the energy in FLOOR_HZ..MURMUR_HZ
    fricative: float  # share above FRICATIVE_HZ


@dataclass(frozen=True, slots=True)
class HumReading:
    voiced_s: float  # first to last judged frame
    murmur_s: float
    murmur_share: float  # of the judged frames that are not fricatives
    fricative: bool

    @property
    def is_hum(self) -> bool:
        return (
            0 < self.voiced_s <= MAX_VOICED_S
            and self.murmur_s >= MIN_MURMUR_S
            and self.murmur_share >= MIN_MURMUR_SHARE
            and not self.fricative
        )


NO_READING = HumReading(0.0, 0.0, 0.0, False)


def frame_features(pcm: np.ndarray, sample_rate: int) -> FrameFeatures:
    """Features of one analysis frame (float mono)."""
    spectrum = np.abs(np.fft.rfft(pcm * np.hanning(len(pcm)))) ** 2
    freqs = np.fft.rfftfreq(len(pcm), 1.0 / sample_rate)
    total = float(spectrum[freqs >= FLOOR_HZ].sum()) + 1e-20
    murmur = float(spectrum[(freqs >= FLOOR_HZ) & (freqs < MURMUR_HZ)].sum())
    fricative = float(spectrum[freqs >= FRICATIVE_HZ].sum())
    return FrameFeatures(float(np.mean(pcm * pcm)), murmur / total, fricative / total)


def read(frames: list[FrameFeatures]) -> HumReading:
    """The hum reading of an utterance's frames (silence around it is ignored)."""
    levels = np.array([f.level for f in frames])
    if not len(levels) or levels.max() < MIN_LEVEL**2:
        return NO_READING
    peak = levels.max()
    judged = np.flatnonzero((levels >= peak * 10 ** (-LOUD_DB / 10)) & (levels >= MIN_LEVEL**2))
    voiced_s = (judged[-1] - judged[0] + 1) * FRAME_S
    fricative = np.array([frames[i].fricative >= FRICATIVE_FRAME_SHARE for i in judged])
    murmur = np.array([frames[i].murmur >= MURMUR_FRAME_SHARE for i in judged]) & ~fricative
    sounded = int((~fricative).sum())
    return HumReading(
        voiced_s=float(voiced_s),
        murmur_s=float(murmur.sum() * FRAME_S),
        murmur_share=float(murmur.sum() / sounded) if sounded else 0.0,
        fricative=bool(fricative.any()),
    )


def read_pcm(pcm: np.ndarray, sample_rate: int) -> HumReading:
    """The hum reading of a whole clip (float mono in [-1, 1])."""
    n = int(sample_rate * FRAME_S)
    return read(
        [frame_features(pcm[i : i + n], sample_rate) for i in range(0, len(pcm) - n + 1, n)]
    )


class HumMeter:
    """Frame features of the caller's audio while ``active()`` (a reply is playing), kept for
    ``HISTORY_S``; :meth:`speech_started` marks where the VAD's utterance began and
    :meth:`heard` reads it. Frames heard while inactive are not analysed, and an utterance
    that began then reads as no hum."""

    def __init__(self, *, active: Callable[[], bool]) -> None:
        self._active = active
        self._frames: collections.deque[tuple[float, FrameFeatures]] = collections.deque()
        self._pending = np.zeros(0, np.float32)
        self._rate = 0
        self._clock = 0.0  # seconds of audio seen
        self._since = 0.0  # the meter has analysed every frame since
        self._start = 0.0  # the current utterance's start (audio clock)

    async def tap(self, audio: AsyncIterable[rtc.AudioFrame]) -> AsyncIterator[rtc.AudioFrame]:
        """``audio`` as is, measured on the way."""
        async for frame in audio:
            self.push(frame)
            yield frame

    def push(self, frame: rtc.AudioFrame) -> None:
        duration = frame.samples_per_channel / frame.sample_rate
        if not self._active():
            self._clock += duration
            self._pending = np.zeros(0, np.float32)
            self._since = self._clock
            return
        if frame.sample_rate != self._rate:
            self._rate, self._pending = frame.sample_rate, np.zeros(0, np.float32)
        data = np.frombuffer(frame.data, np.int16).astype(np.float32) / 32768.0
        if frame.num_channels > 1:
            data = data.reshape(-1, frame.num_channels).mean(axis=1)
        pcm = np.concatenate([self._pending, data])
        n = int(self._rate * FRAME_S)
        used = len(pcm) // n * n
        start = self._clock - len(self._pending) / self._rate
        for i in range(0, used, n):
            self._frames.append(
                (start + i / self._rate, frame_features(pcm[i : i + n], self._rate))
            )
        self._pending = pcm[used:]
        self._clock += duration
        while self._frames and self._frames[0][0] < self._clock - HISTORY_S:
            self._frames.popleft()

    def speech_started(self) -> None:
        self._start = max(0.0, self._clock - LOOKBACK_S)

    def heard(self) -> HumReading:
        """The reading of the utterance since :meth:`speech_started` (up to now)."""
        if self._since > self._start + LOOKBACK_S / 2:
            return NO_READING  # it began before the reply: not all of it was measured
        return read([f for at, f in self._frames if at >= self._start])
