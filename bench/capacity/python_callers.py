"""The capacity bench's callers in this Python process (the livekit rtc SDK:
bench/latency/voice_client.py), as before the Go caller: `run.py --caller python`. Their CPU
lands in the bench's own process, together with its memory sampler."""

from __future__ import annotations

import asyncio
import sys
import urllib.error
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "bench" / "latency"), str(ROOT / "bench" / "capacity")]

from go_caller import CallerScript, Outcome, Turn  # noqa: E402
from voice_client import VoiceClient  # noqa: E402


async def call(
    script: CallerScript, backend: str, prompts: dict[str, np.ndarray], outcome: Outcome
) -> None:
    index = script.index
    client = VoiceClient()
    try:
        await client.connect(backend)
    except urllib.error.HTTPError as e:
        if e.code == 503:
            outcome.refused.add(index)
            print(f"  caller {index}: refused (every agent busy)", flush=True)
            return
        raise
    outcome.served.add(index)
    try:
        try:
            await client.wait_greeting(timeout=120)
        except TimeoutError:  # never greeted: every turn of this call is a failure
            outcome.no_greeting.add(index)
            print(f"  caller {index}: NO GREETING", flush=True)
            return
        for t, (pause_s, question) in enumerate(script.turns, start=1):
            await asyncio.sleep(pause_s)  # a person thinks before asking
            try:
                result = await client.turn(question, prompts[question])
                latency = result.latency_s
                on_agent = result.figures.get("e2e_latency") if latency is not None else None
                texts = (result.user_transcript, result.agent_text)
            except TimeoutError:
                latency = on_agent = None
                texts = ("", "")
            outcome.turns.append(Turn(index, t, question, latency, on_agent, *texts))
            shown = f"{latency:.3f}s" if latency is not None else "NO ANSWER"
            print(f"  caller {index} turn {t}: {shown}", flush=True)
    finally:
        await client.close()


async def run_callers(
    scripts: list[CallerScript], backend: str, prompts: dict[str, np.ndarray]
) -> Outcome:
    outcome = Outcome()
    await asyncio.gather(*(call(s, backend, prompts, outcome) for s in scripts))
    return outcome
