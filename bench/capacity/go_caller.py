"""The capacity bench's callers as one Go process (bench/caller): lean enough that the box's CPU
goes to the stack under test, not to the callers.

Here: build the caller once per source version (cached under .tools/va-caller/, from the Go
module cache: `go mod download` ran at install), encode each spoken question to Ogg/Opus
(PyAV's libopus, already a dependency of livekit-agents), write the plan (questions, pauses,
timeouts) and read the caller's JSON lines back as calls and turns.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import av
import numpy as np

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "bench" / "caller"
CACHE = ROOT / ".tools" / "va-caller"
RATE = 48000
VOICED = 500  # int16 amplitude: the question's voice ends at its last louder sample
# an agent packet of this many payload bytes or more is audible: Opus codes digital silence
# in a few bytes (DTX: 1), speech in tens (bench/caller/onset)
AUDIBLE_BYTES = 12
GO_TARBALL = Path("/usr/local/go/bin/go")  # the official tarball's place, often not on PATH


class CallerBuildFailed(RuntimeError):
    """Go is missing or the build failed; the message says which and what to do."""


def go_binary() -> str:
    found = shutil.which("go") or (str(GO_TARBALL) if GO_TARBALL.is_file() else None)
    if found is None:
        raise CallerBuildFailed(
            "Go 1.26+ is needed to build the bench's caller (bench/caller), as for "
            "livekit-server (https://go.dev/dl); or run the Python callers: --caller python"
        )
    return found


def source_key() -> str:
    """sha256 of go.mod, go.sum and every .go file: a new binary whenever any of them change."""
    digest = hashlib.sha256()
    paths = sorted([SOURCE / "go.mod", SOURCE / "go.sum", *SOURCE.rglob("*.go")])
    for path in paths:
        digest.update(str(path.relative_to(SOURCE)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def build(*, offline: bool = True, timeout_s: float = 1200) -> Path:
    """The caller binary for the current sources, built if missing (atomically). ``offline``:
    only from the module cache (the bench never downloads; `make install` fills the cache)."""
    target = CACHE / source_key() / "caller"
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, GOFLAGS="-mod=readonly", CGO_ENABLED="0")
    if offline:
        env["GOPROXY"] = "off"
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        out = Path(tmp) / "caller"
        result = subprocess.run(
            [go_binary(), "build", "-trimpath", "-buildvcs=false", "-o", str(out), "."],
            cwd=SOURCE,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout_s,
        )
        if result.returncode != 0:
            hint = " (run `make install`: it fills the Go module cache)" if offline else ""
            raise CallerBuildFailed(f"go build of bench/caller failed{hint}:\n{result.stderr}")
        out.replace(target)
    for stale in CACHE.iterdir():  # binaries of earlier sources
        if stale != target.parent and stale.is_dir():
            shutil.rmtree(stale, ignore_errors=True)
    return target


def encode_ogg(pcm: np.ndarray, path: Path) -> None:
    """int16 mono 48 kHz to Ogg/Opus, 20 ms packets (what a browser's microphone sends)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w", format="ogg") as container:
        stream = container.add_stream("libopus", rate=RATE, layout="mono")
        stream.bit_rate = 32000
        frame = av.AudioFrame.from_ndarray(
            pcm.astype(np.int16).reshape(1, -1), format="s16", layout="mono"
        )
        frame.sample_rate = RATE
        for packet in (*stream.encode(frame), *stream.encode(None)):
            container.mux(packet)


def last_voice_s(pcm: np.ndarray) -> float:
    voiced = np.flatnonzero(np.abs(pcm) > VOICED)
    return float((voiced[-1] + 1) if voiced.size else len(pcm)) / RATE


@dataclass(frozen=True, slots=True)
class CallerScript:
    """One caller's part: (pause before asking in s, question) per turn."""

    index: int
    turns: Sequence[tuple[float, str]]


def write_plan(
    folder: Path,
    backend: str,
    callers: Iterable[CallerScript],
    prompts: dict[str, np.ndarray],
    *,
    metrics_topic: str = "va.metrics",
) -> Path:
    """Encode the prompts (once per text) and write the plan the Go caller reads."""
    files = {}
    for question, pcm in prompts.items():
        ogg = folder / f"{hashlib.sha256(pcm.tobytes()).hexdigest()[:16]}.ogg"
        if not ogg.is_file():
            encode_ogg(pcm, ogg)
        files[question] = {"ogg": str(ogg), "last_voice_s": last_voice_s(pcm)}
    silence = folder / "silence.ogg"
    if not silence.is_file():
        encode_ogg(np.zeros(RATE // 5, dtype=np.int16), silence)
    plan = {
        "backend": backend,
        "callers": [
            {"index": c.index, "turns": [{"pause_s": p, "question": q} for p, q in c.turns]}
            for c in callers
        ],
        "prompts": files,
        "silence_ogg": str(silence),
        "audible_bytes": AUDIBLE_BYTES,
        "greeting_timeout_s": 120,
        "turn_timeout_s": 30,
        "quiet_s": 0.8,
        "metrics_topic": metrics_topic,
    }
    path = folder / "plan.json"
    path.write_text(json.dumps(plan, indent=1))
    return path


@dataclass(slots=True)
class Turn:
    caller: int
    turn: int
    question: str
    latency_s: float | None  # None: no answer within the timeout
    agent_e2e_s: float | None
    user_text: str = ""
    agent_text: str = ""
    error: str = ""


@dataclass(slots=True)
class Outcome:
    """What the callers of one rung reported."""

    served: set[int] = field(default_factory=set)
    refused: set[int] = field(default_factory=set)
    no_greeting: set[int] = field(default_factory=set)
    errors: dict[int, str] = field(default_factory=dict)
    turns: list[Turn] = field(default_factory=list)


def read_line(line: str, outcome: Outcome) -> str:
    """Fold one JSON line of the caller's output into ``outcome``; return it as a log line.
    A line that is not the caller's JSON raises ValueError (a broken caller must not pass as
    a quiet one)."""
    record: dict[str, Any] = json.loads(line)
    caller = int(record["caller"])
    if "event" in record:
        event = record["event"]
        if event == "served":
            outcome.served.add(caller)
        elif event == "refused":
            outcome.refused.add(caller)
            return f"caller {caller}: refused (every agent busy)"
        elif event == "no_greeting":
            outcome.no_greeting.add(caller)
            return f"caller {caller}: NO GREETING ({record.get('error', '')})"
        elif event == "error":
            outcome.errors[caller] = str(record.get("error", ""))
            return f"caller {caller}: ERROR {outcome.errors[caller]}"
        elif event != "done":
            raise ValueError(f"unknown caller event {event!r}")
        return ""
    turn = Turn(
        caller=caller,
        turn=int(record["turn"]),
        question=str(record["question"]),
        latency_s=_seconds(record.get("latency_s")),
        agent_e2e_s=_seconds(record.get("agent_e2e_s")),
        user_text=str(record.get("user_text") or ""),
        agent_text=str(record.get("agent_text") or ""),
        error=str(record.get("error") or ""),
    )
    outcome.turns.append(turn)
    shown = f"{turn.latency_s:.3f}s" if turn.latency_s is not None else "NO ANSWER"
    return f"caller {caller} turn {turn.turn}: {shown}" + (f" ({turn.error})" if turn.error else "")


def _seconds(value: object) -> float | None:
    if value is None:
        return None
    if not isinstance(value, int | float) or value < 0:
        raise ValueError(f"not a duration: {value!r}")
    return float(value)
