"""Voice-to-voice latency through the real stack.

    uv run python bench/latency/run.py [--turns 10] [--backend-url URL] [--no-record]
                                       [--allow-dirty]

Without --backend-url it starts its own stack (scripts/stack.py on spare ports). Each turn
speaks a Piper-voiced prompt into a LiveKit room and measures, at the client, the end of the
user's speech to the first audible agent audio frame; the agent's own stage figures come
over the `va.metrics` data topic. Prints a table and appends it to docs/benchmarks.md: only
from a clean tree (the figures belong to the commit named), unless --allow-dirty, which the
record then says. A turn with no reply (or no figure) counts as an infinite latency: it stays
in the percentiles and in the "no reply" column.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "bench" / "latency"))

from machine import add_record_options, append_record, may_record  # noqa: E402
from speech import speak, with_silence  # noqa: E402
from stack_runner import BENCH_BACKEND_URL, start_bench_stack, stop_stack  # noqa: E402
from stats import percentile_row as row  # noqa: E402
from voice_client import RATE, TurnResult, VoiceClient  # noqa: E402

PROMPTS = [
    "What is the capital of France?",
    "Give me one tip for sleeping better.",
    "What color is the sky on a clear day?",
    "How many days are in a week?",
    "Tell me a fun fact about cats.",
    "What is two plus two?",
    "Name a famous museum in Paris.",
    "What is the opposite of hot?",
    "Which planet is closest to the sun?",
    "Say hello to my friend Anna.",
    "What do bees make?",
    "How many legs does a spider have?",
]

STAGES = [
    ("end_of_turn_delay", "end of turn wait"),
    ("transcription_delay", "STT (transcript ready)"),
    ("llm_node_ttft", "LLM first token"),
    ("tts_node_ttfb", "TTS first byte"),
    ("e2e_latency", "agent e2e (agent clock)"),
]


def table(results: list[TurnResult]) -> str:
    rows = [
        "| measure | p50 (s) | p95 (s) | turns | no reply |",
        "|---|---|---|---|---|",
        row(
            "**end of user speech → first agent audio (client)**",
            [r.latency_s for r in results],
        ),
    ]
    rows += [row(label, [r.figures.get(key) for r in results]) for key, label in STAGES]
    return "\n".join(rows)


def turns_detail(results: list[TurnResult]) -> str:
    lines = ["| # | prompt | heard (STT) | latency (s) | reply |", "|---|---|---|---|---|"]
    for i, r in enumerate(results, 1):
        latency = f"{r.latency_s:.3f}" if r.latency_s is not None else "no reply"
        reply = r.agent_text.replace("|", "/").replace("\n", " ")[:70]
        lines.append(f"| {i} | {r.prompt} | {r.user_transcript} | {latency} | {reply} |")
    return "\n".join(lines)


async def run(backend_url: str, n_turns: int) -> list[TurnResult]:
    client = VoiceClient()
    await client.connect(backend_url)
    results: list[TurnResult] = []
    try:
        await client.wait_greeting(timeout=120)
        for i in range(n_turns):
            prompt = PROMPTS[i % len(PROMPTS)]
            pcm = with_silence(speak(prompt), 0.3, 0.0)
            result = await client.turn(prompt, pcm)
            results.append(result)
            shown = f"{result.latency_s:.3f}s" if result.latency_s is not None else "no reply"
            print(f"turn {i + 1}: {shown}  heard={result.user_transcript!r}", flush=True)
    finally:
        await client.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=10)
    parser.add_argument("--backend-url")
    add_record_options(parser)
    args = parser.parse_args()
    clean = may_record(args)
    # a plain `kill` must still stop the stack this run started (the finally below)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    stack = None
    backend_url = args.backend_url
    if not backend_url:
        stack = start_bench_stack(Path(".run/bench"))
        backend_url = BENCH_BACKEND_URL
    code = 0
    try:
        results = asyncio.run(run(backend_url, args.turns))
        summary = table(results)
        print("\n" + summary + "\n\n" + turns_detail(results), flush=True)
        if not args.no_record:
            record(summary, turns_detail(results), len(results), clean=clean)
        if sum(r.latency_s is None for r in results) > len(results) // 2:
            code = 1
    finally:
        if stack is not None:
            stop_stack(stack)
    os._exit(code)  # livekit's FFI runtime can abort on interpreter teardown


def record(summary: str, detail: str, n: int, *, clean: bool) -> None:
    append_record(
        "Voice-to-voice latency",
        f"Turns: {n} (bench/latency/run.py, {RATE // 1000} kHz Piper-voiced prompts).",
        f"{summary}\n\n<details><summary>turns</summary>\n\n{detail}\n\n</details>",
        clean=clean,
    )


if __name__ == "__main__":
    main()
