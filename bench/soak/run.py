"""Soak: several scripted callers talk without pause for minutes; does anything leak or fail?

    uv run python bench/soak/run.py [--minutes 10] [--callers 3] [--no-record]

It starts its own stack (scripts/stack.py on free ports, state in .run/bench-soak:
livekit-server, backend, the model host with the offline models, the agent worker). Each
caller joins its own room through the token endpoint and WebRTC, is greeted, and then asks
Piper-voiced questions (a different order per caller) one after the other: the next as soon
as the agent is quiet again. A turn with no answer within 30 s is a failure, never dropped.

Prints the memory (RSS and PSS) of every process of the stack (supervisor, livekit-server,
backend, model host, agent worker, its forkserver and each job process) once every caller has
been answered once (the start: models warm), every 30 s, and at the end (while every call is
still up); the log lines at WARNING and above in each service's log since the stack was
ready; turns asked and answered; voice-to-voice p50/p95 over all turns and over the first
and the last tenth of them. The model host's RSS would also grow while llama.cpp's
host-memory prompt cache fills (AGENT_MODEL_HOST__CACHE_RAM_MIB, 0 by default since each
conversation keeps its own slot; see docs/benchmarks.md).
Targets: RSS growth at most 10 % (the stack's total and each process), no unanswered turn;
the exit status is 1 when one is missed. Appends the tables to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import sys
import time
import urllib.error
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import psutil

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "bench" / d) for d in ("", "latency", "soak")]

from machine import add_record_options, append_record, may_record  # noqa: E402
from soak_report import (  # noqa: E402
    Memory,
    count_levels,
    growth,
    levels_table,
    memory_table,
    misses,
    timeline_table,
    turns_table,
)
from speech import EVERYDAY_QUESTIONS as QUESTIONS  # noqa: E402
from speech import speak, with_silence  # noqa: E402
from stack_runner import (  # noqa: E402
    StackFailed,
    free_stack_ports,
    stack_env,
    start_stack,
    stop_stack,
)
from voice_client import VoiceClient  # noqa: E402

STATE = ROOT / ".run" / "bench-soak"
TURN_TIMEOUT_S = 30.0


@dataclass(frozen=True, slots=True)
class Turn:
    asked_at: float
    caller: int
    question: str
    latency_s: float | None


@dataclass
class Soak:
    callers: int
    minutes: float
    turns: list[Turn]
    problems: list[str]  # callers refused, or that broke off
    samples: list[tuple[float, dict[str, Memory]]] = field(default_factory=list)


# -- the stack's processes ---------------------------------------------------------------


def role(proc: psutil.Process, worker_pids: set[int]) -> str:
    """A stable name for a process of the stack (with its pid where there can be several)."""
    cmd = " ".join(proc.cmdline())
    if "livekit-server" in cmd:
        return "livekit-server"
    if "voice_agent.model_host" in cmd:
        return "model host"
    if "voice_agent.main" in cmd:
        return "agent worker"
    if " -m app" in cmd or cmd.endswith("-m app"):
        return "backend"
    if "scripts/stack.py" in cmd:
        return "supervisor"
    if proc.ppid() in worker_pids:  # job processes are forked by the forkserver, below it
        if "forkserver" in cmd:
            return "forkserver"
        if "resource_tracker" in cmd:
            return "resource tracker"
    if any(p.pid in worker_pids for p in proc.parents()):
        return f"job process {proc.pid}"
    return f"{proc.name()} {proc.pid}"


def snapshot(stack_pid: int) -> dict[str, Memory]:
    """RSS and PSS of the supervisor and every process under it."""
    root = psutil.Process(stack_pid)
    procs = [root, *root.children(recursive=True)]
    workers = set()
    for p in procs:
        try:
            if "voice_agent.main" in " ".join(p.cmdline()):
                workers.add(p.pid)
        except psutil.Error:
            continue
    out: dict[str, Memory] = {}
    for p in procs:
        try:
            name = role(p, workers)
            name = f"{name} {p.pid}" if name in out else name
            try:
                full = p.memory_full_info()
                out[name] = Memory(rss=full.rss, pss=getattr(full, "pss", None))
            except psutil.AccessDenied:
                out[name] = Memory(rss=p.memory_info().rss)
        except psutil.NoSuchProcess:
            continue
    return out


def log_offsets(folder: Path) -> dict[str, int]:
    return {p.stem: p.stat().st_size for p in sorted(folder.glob("*.log"))}


def new_log_levels(folder: Path, offsets: dict[str, int]) -> dict[str, Counter[str]]:
    """Lines at WARNING and above each service logged since ``offsets``."""
    out: dict[str, Counter[str]] = {}
    for path in sorted(folder.glob("*.log")):
        with path.open("rb") as f:
            f.seek(offsets.get(path.stem, 0))
            text = f.read().decode(errors="replace")
        out[path.stem] = count_levels(text.splitlines())
    return out


# -- the callers -------------------------------------------------------------------------


async def caller(
    index: int,
    backend: str,
    deadline: float,
    prompts: dict[str, np.ndarray],
    soak: Soak,
    answered_once: asyncio.Event,
    first_turns: list[int],
) -> None:
    client = VoiceClient()
    try:
        await client.connect(backend)
    except urllib.error.HTTPError as e:
        soak.problems.append(f"caller {index}: no call (HTTP {e.code})")
        return
    order = list(QUESTIONS)
    random.Random(index).shuffle(order)
    n = 0
    try:
        await client.wait_greeting(timeout=180)
        while time.monotonic() < deadline:
            question = order[n % len(order)]
            asked_at = time.monotonic()
            try:
                result = await client.turn(question, prompts[question], timeout=TURN_TIMEOUT_S)
                latency = result.latency_s
            except TimeoutError:  # the agent never went quiet: the turn was not served
                latency = None
            soak.turns.append(Turn(asked_at, index, question, latency))
            n += 1
            shown = f"{latency:.3f}s" if latency is not None else "NO ANSWER"
            print(f"  caller {index} turn {n}: {shown}", flush=True)
            if n == 1:
                first_turns.append(index)
                if len(first_turns) == soak.callers:
                    answered_once.set()
    except Exception as e:  # noqa: BLE001 - a caller that breaks off is a finding, not a crash
        soak.problems.append(f"caller {index}: broke off after {n} turns ({e!r})")
    finally:
        await client.close()


async def run_soak(
    args: argparse.Namespace, backend: str, stack_pid: int
) -> tuple[Soak, dict[str, Memory], dict[str, Memory]]:
    prompts = {q: with_silence(speak(q), 0.3, 0.0) for q in QUESTIONS}
    soak = Soak(args.callers, args.minutes, [], [])
    deadline = time.monotonic() + args.minutes * 60
    answered_once = asyncio.Event()
    first_turns: list[int] = []
    tasks = [
        asyncio.create_task(caller(i, backend, deadline, prompts, soak, answered_once, first_turns))
        for i in range(args.callers)
    ]
    everyone = asyncio.gather(*tasks)
    waiter = asyncio.create_task(answered_once.wait())
    await asyncio.wait([waiter, everyone], return_when=asyncio.FIRST_COMPLETED)
    waiter.cancel()
    start = snapshot(stack_pid)
    began = time.monotonic()
    print("bench: every caller answered once; memory now (RSS, MiB):", flush=True)
    for name, memory in start.items():
        print(f"  {name}: {memory.rss / 2**20:.0f}", flush=True)
    soak.samples.append((0.0, start))
    # sampled until the deadline, while every call is still up (a call whose caller hung up
    # has no job process left to measure)
    while (left := deadline - time.monotonic()) > 0 and not everyone.done():
        await asyncio.sleep(min(left, args.sample_s))
        soak.samples.append((time.monotonic() - began, snapshot(stack_pid)))
    end = soak.samples[-1][1]
    await everyone
    soak.turns.sort(key=lambda t: t.asked_at)
    return soak, start, end


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--callers", type=int, default=3)
    parser.add_argument("--max-growth", type=float, default=0.10, help="RSS growth target")
    parser.add_argument("--sample-s", type=float, default=30.0, help="memory sampled this often")
    add_record_options(parser)
    args = parser.parse_args()
    clean = may_record(args)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    ports = free_stack_ports()
    backend = f"http://127.0.0.1:{ports['BACKEND_PORT']}"
    env = stack_env(
        STATE,
        ports,
        BACKEND_MAX_CALLS_PER_USER="64",  # one local user places every call
        AGENT_LIMITS__MAX_CALL_S=str(max(3600.0, args.minutes * 60 + 600)),
    )
    load_start = os.getloadavg()
    try:
        stack = start_stack(env, echo=True, timeout_s=600)
    except StackFailed as e:
        raise SystemExit(f"bench: {e}") from None
    offsets = log_offsets(STATE / "logs")
    try:
        soak, start, end = asyncio.run(run_soak(args, backend, stack.pid))
        levels = new_log_levels(STATE / "logs", offsets)
    finally:
        stop_stack(stack)
    latencies = [t.latency_s for t in soak.turns]
    rows = growth(start, end)
    missed = misses(rows, latencies, max_growth=args.max_growth) + soak.problems
    body = "\n\n".join(
        [
            memory_table(rows),
            "RSS over the soak (MiB):\n\n" + timeline_table(soak.samples),
            turns_table(latencies),
            "Log lines at WARNING and above since the stack was ready:\n\n" + levels_table(levels),
            "Targets: " + ("every one met." if not missed else "missed: " + "; ".join(missed)),
        ]
    )
    print("\n" + body + "\n", flush=True)
    if not args.no_record:
        load = ", ".join(f"{v:.1f}" for v in load_start)
        append_record(
            "Soak",
            f"bench/soak/run.py: {args.callers} callers for {args.minutes:g} minutes, each in "
            "its own room, asking Piper-voiced questions without pause; the callers run on "
            f"the same box. Load average at the start: {load}. Memory at the start = once "
            "every caller had been answered once; growth is RSS (PSS splits shared pages).",
            body,
            clean=clean,
        )
    os._exit(1 if missed else 0)  # livekit's FFI runtime can abort on interpreter teardown


if __name__ == "__main__":
    main()
