"""Helpers shared by the agent's tests that make or name speech (a module, not conftest: the
backend's tests have conftest modules of their own in the same pytest run)."""

from __future__ import annotations

import numpy as np

SPEECH_RATE = 16000  # what the agent asks RoomIO for, and Moonshine's native rate

# short requests said over the agent that must still end its reply (issue 15)
SHORT_INTERRUPTIONS = ("Stop.", "Wait.", "No.", "Hold on.", "Sorry?", "What?", "Hey.")
SHORT_INTERRUPTIONS += ("Excuse me.", "Actually, no.", "Actually, wait.")


def to_speech_rate(pcm: np.ndarray, rate: int) -> np.ndarray:
    """Mono ``pcm`` at ``rate`` -> float32 at 16 kHz, by linear interpolation: plenty for a
    test voice, and it keeps rtc.AudioResampler (native code) out of the tests."""
    t_out = np.arange(int(len(pcm) * SPEECH_RATE / rate)) / SPEECH_RATE
    return np.interp(t_out, np.arange(len(pcm)) / rate, pcm.astype(np.float32)).astype(np.float32)
