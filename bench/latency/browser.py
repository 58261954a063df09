"""Voice-to-voice latency in a real browser: the web page in Debian's Chromium, on this box.

    uv run python bench/latency/browser.py [--questions 10] [--gap-s 15] [--no-record]
                                           [--allow-dirty]

Starts the stack on the bench's ports (as bench/latency/run.py does), writes a fake-microphone
WAV with the questions said by espeak-ng voices (not the agent's own Piper voice), each
followed by silence for the answer, and runs web/e2e/bench/browser-latency.bench.ts
(Playwright, /usr/bin/chromium): it clicks Connect and records the page while the call runs.
Per question: the page's own "You felt" figure, the agent's figures (its clock), and the agent
audio's jitter buffer and playout delay from getStats(); over the run, the CPU of Chromium's
processes and of the stack's, and the load average. A question with no reply counts as an
infinite latency. Prints the tables and appends them to docs/benchmarks.md (clean tree only,
unless --allow-dirty, which the record says).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "bench"), str(ROOT / "bench" / "latency")]

from browser_report import (  # noqa: E402
    audio_context_note,
    build_turns,
    cpu_table,
    summary_table,
    turns_detail,
)
from machine import add_record_options, append_record, may_record  # noqa: E402
from proc_cpu import CpuSampler  # noqa: E402
from speech import EVERYDAY_QUESTIONS, RATE, espeak, with_silence, write_wav  # noqa: E402
from stack_runner import BENCH_BACKEND_URL, start_bench_stack, stop_stack  # noqa: E402

# Callers unlike the agent (Piper "joe"): espeak-ng's American, British, Scottish, and a
# female American variant
VOICES = ("en-us", "en-gb", "en-gb-scotland", "en-us+f3")
# Questions the Python latency bench does not ask (its prompts are the first ten)
QUESTIONS = EVERYDAY_QUESTIONS[10:] + EVERYDAY_QUESTIONS[:10]
STATE = ROOT / ".run" / "bench"


def questions_wav(
    path: Path, n: int, lead_s: float, gap_s: float
) -> tuple[list[tuple[str, str]], float]:
    """The microphone's WAV: ``lead_s`` of silence (join, greeting), then each question
    followed by ``gap_s`` of silence; returns ((question, voice) in order, its length in s)."""
    asked = [(QUESTIONS[i % len(QUESTIONS)], VOICES[i % len(VOICES)]) for i in range(n)]
    parts = [np.zeros(int(lead_s * RATE), dtype=np.int16)]
    parts += [with_silence(espeak(text, voice), 0.0, gap_s) for text, voice in asked]
    pcm = np.concatenate(parts)
    write_wav(path, pcm)
    return asked, len(pcm) / RATE


def run_page(
    backend_url: str,
    wav: Path,
    duration_s: float,
    out: Path,
    sampler: CpuSampler,
    jitter_target_ms: float | None = None,
) -> None:
    """The Playwright side, its process tree sampled for CPU as "chromium"."""
    env = {
        **os.environ,
        "BENCH_BASE_URL": backend_url,
        "BENCH_WAV": str(wav),
        "BENCH_OUT": str(out),
        "BENCH_DURATION_S": f"{duration_s:.0f}",
    }
    if jitter_target_ms is not None:
        env["BENCH_JITTER_TARGET_MS"] = f"{jitter_target_ms:g}"
    proc = subprocess.Popen(
        ["npx", "playwright", "test", "-c", "playwright.bench.config.ts"],
        cwd=ROOT / "web",
        env=env,
        start_new_session=True,
    )
    sampler.roots[proc.pid] = "chromium"
    try:
        code = proc.wait(timeout=duration_s + 180)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        raise SystemExit("bench: the browser run did not finish") from None
    if code != 0 or not out.exists():
        raise SystemExit(f"bench: the browser run failed (exit {code})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=int, default=10)
    parser.add_argument("--lead-s", type=float, default=8.0, help="silence before the first")
    parser.add_argument("--gap-s", type=float, default=15.0, help="silence after each question")
    parser.add_argument("--backend-url", help="a stack already running (else one is started)")
    parser.add_argument(
        "--jitter-target-ms",
        type=float,
        help="try a jitterBufferTarget on the agent audio's receiver (the record says so)",
    )
    add_record_options(parser)
    args = parser.parse_args()
    if args.questions < 1:
        raise SystemExit("bench: --questions must be at least 1")
    if args.jitter_target_ms is not None and not 0 <= args.jitter_target_ms <= 4000:
        raise SystemExit("bench: --jitter-target-ms must be 0 to 4000 (the browser's range)")
    clean = may_record(args)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    STATE.mkdir(parents=True, exist_ok=True)
    wav, out = STATE / "browser-questions.wav", STATE / "browser-latency.json"
    out.unlink(missing_ok=True)
    asked, wav_s = questions_wav(wav, args.questions, args.lead_s, args.gap_s)
    stack = None
    backend_url = args.backend_url
    if not backend_url:
        stack = start_bench_stack(STATE)
        backend_url = BENCH_BACKEND_URL
    sampler = CpuSampler()
    if stack is not None:
        sampler.roots[stack.pid] = "stack"
    try:
        sampler.start()
        run_page(backend_url, wav, wav_s + 5, out, sampler, args.jitter_target_ms)
        cpu = sampler.stop()
    finally:
        if stack is not None:
            stop_stack(stack)
    recording = json.loads(out.read_text())
    turns = build_turns(recording, asked)
    summary, detail = summary_table(turns), turns_detail(turns)
    resources = cpu_table(cpu) + "\n\n" + audio_context_note(recording)
    print(f"\n{summary}\n\n{detail}\n\n{resources}", flush=True)
    if recording.get("consoleErrors"):
        print("page console errors:\n" + "\n".join(recording["consoleErrors"][:10]))
    if not args.no_record:
        voices = ", ".join(dict.fromkeys(v for _, v in asked))
        append_record(
            "Voice-to-voice latency in the browser",
            f"Questions: {len(asked)} (bench/latency/browser.py: the web page in headless "
            f"Chromium with a fake microphone, espeak-ng voices {voices}; the stack on the "
            "same cores)."
            + (
                f" Tried: jitterBufferTarget {args.jitter_target_ms:g} ms on the agent's audio."
                if args.jitter_target_ms is not None
                else ""
            ),
            f"{summary}\n\n{resources}\n\n<details><summary>turns</summary>\n\n{detail}"
            "\n\n</details>",
            clean=clean,
        )
    if sum(not t.answered for t in turns) > len(turns) // 2:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
