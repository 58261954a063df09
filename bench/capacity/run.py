"""How many calls one box serves at once: a ladder of N scripted callers through the real stack.

    uv run python bench/capacity/run.py [--ladder 1,2,4,6] [--turns 3] [--caller go|python]
    uv run python bench/capacity/run.py --cloud [--executor thread|process] [--workers N]
        [--ladder 1,10,20,30]

It starts its own stack (scripts/stack.py on spare ports: livekit-server, backend, the model
host with the offline models, the agent worker). With ``--cloud`` the agent's STT, LLM and
TTS are the ``openai`` provider pointed at bench/fake_cloud.py (a stand-in for a cloud API
with its delays, in its own process), there is no model host, and each rung also shows the
agent's own added latency (voice-to-voice on the agent's clock minus the providers' delays
and the endpointing wait: bench/capacity/cloud.py), the gap between the client's and the
agent's clocks, and the fake provider's CPU.

At each rung N callers join at once, each in its own room through the token endpoint and
WebRTC (by default all of them in one Go process, bench/caller, so that they take little of
the box; `--caller python`: the livekit rtc SDK in this process, as before), are greeted,
and then talk as a person would: a pause of 1-3 s, a Piper-voiced question (a different one
per caller), the answer, again. Every turn is timed at the client
(end of the user's speech to the first audible agent audio); a turn with no answer within
30 s is a failure, never dropped, and a caller refused a token (503: every agent busy) is a
call not served. The Go caller times the answer at the first audible RTP packet (payload
above a few bytes: bench/caller/onset), the Python caller at the first decoded 10 ms frame
above an RMS threshold, after the SDK's jitter buffer. Between rungs it waits until every
agent worker is idle (bench/capacity/idle.py).

Per rung it prints calls served, turns answered, voice-to-voice p50/p95 (interpolated),
the box's CPU busy, the callers' own CPU (the Go process; with `--caller python` this
process), the bench process's own (its memory sampler), the agent side's memory (PSS of the
model host, worker and job processes) and its growth per call over the idle stack, and
where the box's CPU went by process (livekit-server, the agent's jobs and worker, the
backend, the callers, the fake cloud, other work: bench/capacity/process_cpu.py), then
appends both tables to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import random
import resource
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import psutil

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [
    str(ROOT / "bench"),
    str(ROOT / "bench" / "latency"),
    str(ROOT / "bench" / "capacity"),
]

import go_caller  # noqa: E402
import idle  # noqa: E402
import process_cpu  # noqa: E402
import python_callers  # noqa: E402
from cloud import FakeCloudProcess, agent_env, cpu_share, pipeline_floor_s  # noqa: E402
from go_caller import CallerBuildFailed, CallerScript, Outcome  # noqa: E402
from machine import add_record_options, append_record, may_record  # noqa: E402
from speech import EVERYDAY_QUESTIONS, speak, with_silence  # noqa: E402
from stack_runner import BENCH_PORTS, StackFailed, start_stack, stop_stack  # noqa: E402
from stats import quantile  # noqa: E402

PORTS = BENCH_PORTS
BACKEND = f"http://127.0.0.1:{PORTS['BACKEND_PORT']}"
QUESTIONS = EVERYDAY_QUESTIONS[:10]
AGENT_SIDE = ("voice_agent.model_host", "voice_agent.main")


@dataclass
class Rung:
    callers: int
    served: int = 0
    turns: int = 0
    latencies: list[float | None] = field(default_factory=list)
    # the same turns on the agent's clock (its e2e_latency figure: the VAD's end of speech to
    # its first audio frame out), None where the turn had no answer or no figure
    agent_latencies: list[float | None] = field(default_factory=list)
    cpu_busy: float = 0.0
    callers_cpu: float = 0.0
    # the bench process itself (its memory sampler) when the callers run apart (the Go caller)
    bench_cpu: float | None = None
    pss_mib: float = 0.0
    idle_pss_mib: float = 0.0
    # cloud-style rungs: the providers' share of each turn, and the fake provider's CPU
    floor_s: float | None = None
    provider_cpu: float | None = None
    # where the box's CPU went, by process (bench/capacity/process_cpu.py)
    shares: dict[str, float] = field(default_factory=dict)

    @property
    def answered(self) -> list[float]:
        return [x for x in self.latencies if x is not None]

    def pct(self, q: float) -> float:
        """Over every turn: one with no answer counts as infinitely slow, never dropped."""
        return quantile([math.inf if x is None else x for x in self.latencies], q / 100)

    def added_ms(self, q: float) -> float:
        """The agent's own added latency at percentile ``q``: its clock's voice-to-voice minus
        the floor (bench/capacity/cloud.py). The floor is the same for every turn, so the
        percentile of the differences is the difference of the percentile."""
        assert self.floor_s is not None
        turns = [math.inf if x is None else x for x in self.agent_latencies]
        return (quantile(turns, q / 100) - self.floor_s) * 1000

    def transport_ms(self) -> float:
        """Median of client minus agent clock: WebRTC in and out through livekit-server, the
        VAD's decay and the client's buffers (the same with any provider)."""
        pairs = zip(self.latencies, self.agent_latencies, strict=True)
        gaps = [c - a for c, a in pairs if c is not None and a is not None]
        return quantile(gaps, 0.5) * 1000 if gaps else math.nan

    @property
    def pss_per_call(self) -> float:
        return (self.pss_mib - self.idle_pss_mib) / self.served if self.served else float("nan")


def agent_pss_mib(stack_pid: int) -> float:
    """Memory of the model host, the worker and its job processes (the parts that grow with
    calls), summed as PSS: pages shared between them (the forkserver's preloaded modules)
    are counted once, split between their sharers."""
    total = 0
    for proc in psutil.Process(stack_pid).children(recursive=True):
        try:
            if any(part in " ".join(proc.cmdline()) for part in AGENT_SIDE) or _is_job(proc):
                total += proc.memory_full_info().pss
        except psutil.NoSuchProcess:
            continue
    return total / 2**20


def _is_job(proc: psutil.Process) -> bool:
    # job processes are forkserver children of the worker: "python -c from multiprocessing..."
    parent = proc.parent()
    while parent is not None:
        if "voice_agent.main" in " ".join(parent.cmdline()):
            return True
        parent = parent.parent()
    return False


def cpu_times() -> tuple[float, float]:
    t = psutil.cpu_times()
    idle = t.idle + getattr(t, "iowait", 0.0)
    return sum(t) - idle, sum(t)


PROMPTS: dict[str, np.ndarray] = {}
PROMPT_DIR = ROOT / ".run" / "bench-capacity" / "caller"


def prompt(question: str) -> np.ndarray:
    """The question spoken (Piper, synthesised once: not on the callers' event loop)."""
    if question not in PROMPTS:
        PROMPTS[question] = with_silence(speak(question), 0.3, 0.0)
    return PROMPTS[question]


def caller_scripts(n: int, turns: int, rng: random.Random) -> list[CallerScript]:
    """Each caller's pauses (1-3 s: a person thinks before asking) and questions (a different
    one per caller)."""
    scripts = []
    for i in range(n):
        own = random.Random(rng.random())
        asks = [
            (own.uniform(1.0, 3.0), QUESTIONS[(i + t * 3) % len(QUESTIONS)]) for t in range(turns)
        ]
        scripts.append(CallerScript(i, asks))
    return scripts


def fold(outcome: Outcome, turns: int, rung: Rung) -> None:
    """The callers' reports into the rung: a call never greeted counts all its turns as
    failures; a caller that could not join (not refused) is a call not served."""
    rung.served += len(outcome.served)
    for turn in sorted(outcome.turns, key=lambda t: (t.caller, t.turn)):
        rung.turns += 1
        rung.latencies.append(turn.latency_s)
        rung.agent_latencies.append(turn.agent_e2e_s if turn.latency_s is not None else None)
    for _ in outcome.no_greeting:
        rung.turns += turns
        rung.latencies += [None] * turns
        rung.agent_latencies += [None] * turns


async def run_go_callers(binary: Path, plan: Path) -> tuple[Outcome, float]:
    """The callers as one Go process; its outcome and its CPU seconds."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    log = plan.with_suffix(".log")
    with log.open("w") as stderr:
        proc = await asyncio.create_subprocess_exec(
            str(binary), str(plan), stdout=asyncio.subprocess.PIPE, stderr=stderr
        )
        assert proc.stdout is not None
        outcome = Outcome()
        async for raw in proc.stdout:
            shown = go_caller.read_line(raw.decode(), outcome)
            if shown:
                print(f"  {shown}", flush=True)
        code = await proc.wait()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if code != 0:
        tail = log.read_text()[-2000:]
        raise SystemExit(f"bench: the Go caller exited with {code}:\n{tail}")
    used = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return outcome, used


async def run_rung(
    n: int,
    turns: int,
    stack_pid: int,
    seed: int,
    cloud: FakeCloudProcess | None,
    binary: Path | None,
) -> Rung:
    """One rung: `binary` is the Go caller, or None for the Python callers."""
    rung = Rung(callers=n, idle_pss_mib=agent_pss_mib(stack_pid))
    scripts = caller_scripts(n, turns, random.Random(seed))
    plan = None
    if binary is not None:
        plan = go_caller.write_plan(PROMPT_DIR, BACKEND, scripts, PROMPTS)
    provider0 = cloud.cpu_seconds() if cloud is not None else 0.0
    busy0, total0 = cpu_times()
    self0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.monotonic()
    peak = 0.0
    stack_cpu = process_cpu.StackCpu(stack_pid)
    stack_cpu.start()

    async def sample_memory() -> None:
        nonlocal peak
        while True:
            peak = max(peak, agent_pss_mib(stack_pid))
            await asyncio.sleep(1)

    samplers = [asyncio.create_task(sample_memory()), asyncio.create_task(stack_cpu.run())]
    callers_s = 0.0
    try:
        if binary is not None and plan is not None:
            outcome, callers_s = await run_go_callers(binary, plan)
        else:
            outcome = await python_callers.run_callers(scripts, BACKEND, PROMPTS)
    finally:
        for sampler in samplers:
            sampler.cancel()
    stack_cpu.sample()
    fold(outcome, turns, rung)
    wall = time.monotonic() - t0
    busy1, total1 = cpu_times()
    self1 = resource.getrusage(resource.RUSAGE_SELF)
    rung.cpu_busy = (busy1 - busy0) / (total1 - total0)
    cores = os.cpu_count() or 1
    used = (self1.ru_utime - self0.ru_utime) + (self1.ru_stime - self0.ru_stime)
    if binary is not None:
        rung.callers_cpu = callers_s / wall / cores
        rung.bench_cpu = used / wall / cores
    else:
        rung.callers_cpu = used / wall / cores
    rung.pss_mib = peak
    outside = {"callers": callers_s, "bench process": used}
    if binary is None:  # the Python callers run in this process
        outside = {"callers (bench process)": used}
    if cloud is not None:
        rung.floor_s = pipeline_floor_s()
        provider_s = cloud.cpu_seconds() - provider0
        rung.provider_cpu = cpu_share(provider_s, wall)
        outside["fake cloud"] = provider_s
    rung.shares = process_cpu.split(stack_cpu.seconds(), outside, rung.cpu_busy, wall)
    return rung


async def run_ladder(
    ladder: list[int],
    turns: int,
    stack_pid: int,
    seed: int,
    cloud: FakeCloudProcess | None,
    binary: Path | None,
    workers: int,
) -> list[Rung]:
    for question in QUESTIONS:
        prompt(question)
    urls = idle.worker_urls(int(PORTS["AGENT_HEALTH_PORT"]), workers)
    rungs = []
    for n in ladder:
        print(f"bench: {n} caller(s) at once", flush=True)
        rungs.append(await run_rung(n, turns, stack_pid, seed + n, cloud, binary))
        busy = await idle.wait_idle(urls)
        if busy:
            print(f"bench: still busy, the next rung starts anyway: {', '.join(busy)}", flush=True)
    return rungs


def table(rungs: list[Rung]) -> str:
    cloud = any(r.floor_s is not None for r in rungs)
    head = ["callers", "calls served", "turns answered", "v2v p50 (s)", "v2v p95 (s)"]
    if cloud:
        head += [
            "agent's added p50 (ms)",
            "agent's added p95 (ms)",
            "client - agent clock p50 (ms)",
        ]
    apart = any(r.bench_cpu is not None for r in rungs)
    head += ["CPU busy", "callers' own CPU"]
    if apart:
        head.append("bench process CPU")
    if cloud:
        head.append("fake provider's CPU")
    head += ["agent-side memory peak (PSS, MiB)", "memory per call (MiB)"]
    rows = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rungs:
        cells = [
            str(r.callers),
            f"{r.served}/{r.callers}",
            f"{len(r.answered)}/{r.turns}",
            f"{r.pct(50):.3f}",
            f"{r.pct(95):.3f}",
        ]
        if cloud:
            cells += [f"{r.added_ms(50):.0f}", f"{r.added_ms(95):.0f}", f"{r.transport_ms():.0f}"]
        cells += [f"{r.cpu_busy:.0%}", f"{r.callers_cpu:.0%}"]
        if apart:
            cells.append("-" if r.bench_cpu is None else f"{r.bench_cpu:.0%}")
        if cloud:
            cells.append(f"{r.provider_cpu or 0:.0%}")
        cells += [f"{r.pss_mib:.0f}", f"{r.pss_per_call:.0f}"]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def record(summary: str, turns: int, caller: str, *, clean: bool, cloud: str | None = None) -> None:
    callers = (
        "one Go process (bench/caller; answers timed at the first audible RTP packet), its "
        "CPU apart from the bench process's (the memory sampler)"
        if caller == "go"
        else "the Python livekit rtc SDK in the bench process (their CPU includes the memory "
        "sampler; answers timed at the first decoded frame above an RMS threshold)"
    )
    description = (
        f"bench/capacity/run.py: each caller in its own room, {turns} spoken turns with 1-3 s "
        f"pauses; the callers run on the same box: {callers}. Memory is "
        "PSS (shared pages split between the processes that share them); per call = (peak "
        "during the rung - idle stack) / calls served."
    )
    if cloud is not None:
        description += " " + cloud
    title = "Capacity, cloud-style providers" if cloud else "Capacity, offline default"
    append_record(title, description, summary, clean=clean)


def cloud_note(executor: str, workers: int, cap: str | None) -> str:
    jobs = "threads" if executor == "thread" else "processes"
    where = "one worker" if workers == 1 else f"{workers} worker processes"
    cap_note = f"AGENT_MAX_SESSIONS={cap}" if cap else "the default cap, 6 a core"
    if workers > 1:
        cap_note += " shared between them"
    return (
        f"`--cloud`: STT, LLM and TTS are the openai provider at bench/fake_cloud.py (its own "
        f"process; STT 150 ms, first token 300 ms then 20 ms a word, TTS first byte 100 ms), "
        f"no model host, jobs as {jobs} of {where} ({cap_note}), the load from its calls "
        f"only (AGENT_LOAD_CPU=false: other work on this shared box would mark it full). The "
        f"agent's added latency = v2v on the agent's clock (its e2e_latency figure) - "
        f"{pipeline_floor_s():.2f} s (the endpointing wait and the providers' delays before "
        f"the first audio: bench/capacity/cloud.py); client - agent clock is the WebRTC path "
        f"both ways, the VAD's decay and the client's buffers."
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ladder", help="callers per rung (default 1,2,4,6; --cloud 1,10,20,30)")
    parser.add_argument("--cloud", action="store_true", help="remote providers: a fake cloud")
    parser.add_argument(
        "--executor", choices=("thread", "process"), help="AGENT_JOB_EXECUTOR (default: auto)"
    )
    parser.add_argument(
        "--workers", type=int, default=1, help="agent worker processes (VA_AGENT_WORKERS)"
    )
    parser.add_argument("--turns", type=int, default=3)
    parser.add_argument(
        "--caller", choices=("go", "python"), default="go", help="who places the calls"
    )
    parser.add_argument("--seed", type=int, default=7)
    add_record_options(parser)
    args = parser.parse_args()
    clean = may_record(args)
    ladder = [
        int(n) for n in (args.ladder or ("1,10,20,30" if args.cloud else "1,2,4,6")).split(",")
    ]
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:  # before the stack: a missing Go fails in seconds, not after the stack's start
        binary = go_caller.build() if args.caller == "go" else None
    except CallerBuildFailed as e:
        raise SystemExit(f"bench: {e}") from None

    # one local user places every call: lift the per-user limit so the agents' is what counts
    env = dict(os.environ, **PORTS, BACKEND_MAX_CALLS_PER_USER="64")
    env.update(VA_STATE_DIR=".run/bench-capacity", VA_DATA_DIR=".run/bench-capacity")
    if args.executor:
        env["AGENT_JOB_EXECUTOR"] = args.executor
    env["VA_AGENT_WORKERS"] = str(args.workers)
    cloud = FakeCloudProcess() if args.cloud else None
    if cloud is not None:
        env.update(agent_env(cloud.base_url))
    try:
        stack = start_stack(env, echo=True)
    except StackFailed as e:
        if cloud is not None:
            cloud.stop()
        raise SystemExit(f"bench: {e}") from None
    code = 0
    try:
        rungs = asyncio.run(
            run_ladder(ladder, args.turns, stack.pid, args.seed, cloud, binary, args.workers)
        )
        split = process_cpu.table([(r.callers, r.served, r.shares) for r in rungs])
        summary = f"{table(rungs)}\n\nWhere the box's CPU went, by process (share of every core):"
        summary += f"\n\n{split}"
        print("\n" + summary + "\n", flush=True)
        cap = os.environ.get("AGENT_MAX_SESSIONS")
        executor = args.executor or "process"
        note = cloud_note(executor, args.workers, cap) if cloud is not None else None
        if not args.no_record:
            record(summary, args.turns, args.caller, clean=clean, cloud=note)
    finally:
        stop_stack(stack)
        if cloud is not None:
            print(cloud.stop(), flush=True)
    os._exit(code)  # livekit's FFI runtime can abort on interpreter teardown


if __name__ == "__main__":
    main()
