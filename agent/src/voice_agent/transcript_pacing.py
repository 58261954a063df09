"""How the agent's transcript keeps pace with its voice: by the audio's loudness, not its
spectrum.

The room output sends the agent's words as they are heard (``sync_transcription``). To pace
them the framework measures a "speaking rate" of the TTS audio: a 1 s window every 100 ms,
each an STFT of 80 FFTs in a Python loop, on the job's event loop (~12 ms of CPU per second
of speech, and a whole burst of audio at once: 125-243 ms blocks under load in the cloud
capacity bench). The rate only shapes the pacing within a sentence (faster where the
spectrum changes faster, still in pauses); the overall pace is the sentence's syllables over
its audio's length either way.

``LoudnessRateDetector`` keeps the part that matters, still in pauses: a rate of 1 for each
100 ms step of audio above the framework's silence threshold, 0 below, from one RMS (~1 % of
the STFT's CPU). ``use_loudness_pacing`` installs it for every transcript synchronizer the
process creates; the worker does so when no provider is local (the offline voice keeps the
framework's detector).
"""

from __future__ import annotations

import numpy as np
from livekit import rtc
from livekit.agents.voice.transcription import _speaking_rate, synchronizer

STEP_S = 0.1
# the framework's threshold on the RMS of samples scaled to [-1, 1]
SILENCE_RMS = 0.005 * np.iinfo(np.int16).max


class LoudnessRateStream(_speaking_rate.SpeakingRateStream):
    """Events at the middle of each ``STEP_S`` of audio: speaking (rate 1) or silent (0)."""

    async def _main_task(self) -> None:
        pending: list[np.ndarray[tuple[int], np.dtype[np.int16]]] = []
        have = 0
        step = 0  # samples per step, from the first frame's rate
        start_s = 0.0
        async for item in self._input_ch:
            if not isinstance(item, rtc.AudioFrame):  # a flush: what is left is one step
                if have:
                    self._emit(np.concatenate(pending), start_s, have / step * STEP_S)
                    start_s += have / step * STEP_S
                pending, have = [], 0
                continue
            if not step:
                step = max(1, round(item.sample_rate * STEP_S)) * item.num_channels
            samples = np.frombuffer(item.data, dtype=np.int16)
            pending.append(samples)
            have += samples.size
            while have >= step:
                audio = np.concatenate(pending)
                self._emit(audio[:step], start_s, STEP_S)
                start_s += STEP_S
                rest = audio[step:]
                pending, have = [rest], rest.size

    def _emit(
        self, audio: np.ndarray[tuple[int], np.dtype[np.int16]], start_s: float, span_s: float
    ) -> None:
        rms = float(np.sqrt(np.mean(np.square(audio, dtype=np.float32))))
        speaking = rms >= SILENCE_RMS
        self._event_ch.send_nowait(
            _speaking_rate.SpeakingRateEvent(
                timestamp=start_s + span_s / 2,
                speaking=speaking,
                speaking_rate=1.0 if speaking else 0.0,
            )
        )


class LoudnessRateDetector(_speaking_rate.SpeakingRateDetector):
    def stream(self) -> _speaking_rate.SpeakingRateStream:
        return LoudnessRateStream(self, self._opts)


def use_loudness_pacing() -> None:
    """Every transcript synchronizer created after this paces by loudness (process-wide:
    the synchronizer builds its detector from this module-level name)."""
    synchronizer.SpeakingRateDetector = LoudnessRateDetector  # type: ignore[attr-defined]
