"""Real Ogg Opus files for recording tests, made with PyAV (libopus), and their length."""

from __future__ import annotations

import io

import av
import numpy as np

RATE = 48000


def ogg_opus(seconds: float, hz: float, *, page_s: float = 0.2) -> bytes:
    """A stereo Ogg Opus file: a tone of ``seconds``, in pages of about ``page_s``."""
    out = io.BytesIO()
    options = {"page_duration": str(int(page_s * 1_000_000))}
    with av.open(out, "w", format="ogg", options=options) as container:
        stream = container.add_stream("libopus", rate=RATE, layout="stereo")
        n = int(seconds * RATE)
        wave = (0.3 * np.sin(2 * np.pi * hz * np.arange(n) / RATE)).astype(np.float32)
        frame = av.AudioFrame.from_ndarray(np.stack([wave, wave]), format="fltp", layout="stereo")
        frame.sample_rate = RATE
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return out.getvalue()


def decoded_seconds(data: bytes) -> float:
    """How long ``data`` plays when decoded (by ffmpeg, through PyAV)."""
    with av.open(io.BytesIO(data), format="ogg") as container:
        return sum(frame.samples for frame in container.decode(audio=0)) / RATE


def streams_started(data: bytes) -> int:
    """How many Ogg streams the file starts (pages with the beginning-of-stream flag)."""
    count, at = 0, 0
    while at + 27 <= len(data):
        segments = data[at + 26]
        count += bool(data[at + 5] & 0x02)
        at += 27 + segments + sum(data[at + 27 : at + 27 + segments])
    return count
