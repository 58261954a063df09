"""The cloud-style half of the capacity bench: the agent on remote providers (the ``openai``
provider pointed at bench/fake_cloud.py, run as its own process so its CPU is apart), and
what the agent itself adds to each turn.

The agent's own added latency of a turn = its voice-to-voice latency on the agent's clock
(the framework's ``e2e_latency``: the VAD's end of the user's speech to the agent's first
audio frame out, sent with each turn's figures) minus the floor that no agent could beat
with these providers and this endpointing:

    endpointing: max(VAD silence + turn min delay, speculative STT start + STT delay)
    + first-token delay + (words of the reply's first sentence - 1) x per-word interval
    + TTS first-byte delay

The turn ends (AGENT_VAD__MIN_SILENCE_S + AGENT_TURN__MIN_DELAY_S) after the user's last
sound; the transcription starts AGENT_TURN__SPECULATIVE_STT_S into the silence and so
finishes within that wait. The framework's sentence tokenizer hands the first sentence to
the TTS as soon as its last word arrives. What is left is the agent's: VAD and audio
processing, orchestration, the HTTP clients, its event loop's waits. The WebRTC path both
ways (livekit-server, the client's microphone queue and jitter buffer, the VAD's decay) is
the client's figure minus the agent's, shown apart: the same with any provider (the offline
latency bench measured 0.23-0.3 s of it).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "bench")]

from fake_cloud import CLOUD_DELAYS, CLOUD_REPLY, Delays  # noqa: E402


@dataclass(frozen=True, slots=True)
class Endpointing:
    """The agent's defaults (agent/src/voice_agent/settings.py), unless the bench sets them."""

    vad_silence_s: float = 0.2
    min_delay_s: float = 0.1
    speculative_stt_s: float = 0.06


def first_sentence_words(reply: str) -> int:
    match = re.search(r"[.!?](\s|$)", reply)
    first = reply[: match.end()] if match else reply
    return len(first.split())


AGENT_DEFAULTS = Endpointing()


def pipeline_floor_s(
    delays: Delays = CLOUD_DELAYS, reply: str = CLOUD_REPLY, turn: Endpointing = AGENT_DEFAULTS
) -> float:
    """The fastest any agent could answer (see the module doc)."""
    if 0 < turn.speculative_stt_s < turn.vad_silence_s:
        transcribed = turn.speculative_stt_s + delays.stt_s
    else:
        transcribed = turn.vad_silence_s + delays.stt_s
    endpointing = max(turn.vad_silence_s + turn.min_delay_s, transcribed)
    first_sentence = (
        delays.first_token_s + (first_sentence_words(reply) - 1) * delays.token_interval_s
    )
    return endpointing + first_sentence + delays.tts_first_byte_s


def added_latency(latency_s: float | None, floor_s: float) -> float | None:
    return None if latency_s is None else latency_s - floor_s


def agent_env(base_url: str) -> dict[str, str]:
    """Every provider remote, at the fake server; no model host. The worker's load counts
    only its calls, not the CPU (AGENT_LOAD_CPU): on a box shared with other work, that
    work's CPU would mark the worker full (the CPU busy column shows what it would see)."""
    env = {"VA_MODEL_HOST": "off", "AGENT_LOAD_CPU": "false"}
    for kind in ("STT", "LLM", "TTS"):
        env[f"AGENT_{kind}__PROVIDER"] = "openai"
        env[f"AGENT_{kind}__BASE_URL"] = base_url
    return env


class FakeCloudProcess:
    """bench/fake_cloud.py in its own process (the provider stands in for one off this box:
    its CPU is reported apart)."""

    def __init__(self, delays: Delays = CLOUD_DELAYS) -> None:
        ms = {
            "--stt-ms": delays.stt_s,
            "--first-token-ms": delays.first_token_s,
            "--token-ms": delays.token_interval_s,
            "--tts-first-byte-ms": delays.tts_first_byte_s,
        }
        args = [a for k, v in ms.items() for a in (k, str(v * 1000))]
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "bench" / "fake_cloud.py"), *args],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line.startswith("fake-cloud: ready "):
            self.proc.kill()
            raise RuntimeError(f"the fake cloud server did not start: {line!r}")
        self.base_url = line.split()[-1]
        self._ps = psutil.Process(self.proc.pid)

    def cpu_seconds(self) -> float:
        t = self._ps.cpu_times()
        return t.user + t.system

    def stop(self) -> str:
        """Stops it; its last line (what it served)."""
        self.proc.terminate()
        out, _ = self.proc.communicate(timeout=10)
        return out.strip().splitlines()[-1] if out.strip() else ""


def cpu_share(seconds: float, wall_s: float) -> float:
    """CPU seconds over a wall time, as a share of every core of the box."""
    return seconds / wall_s / (os.cpu_count() or 1)
