"""Where a rung's CPU goes, per process: livekit-server, the worker's main process, its job
processes, the backend, the stack's supervisor, the callers, the fake cloud, the bench process
and the rest of the box (other work on a shared machine), each as a share of every core.

The stack's processes are read from /proc (psutil) every ``SAMPLE_S`` over the rung: a
process seen first after the rung began counts from zero (a job process started for a call),
one that exits counts up to its last sample (a job process after its call: its last half
second is lost, a few ms of CPU).
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass, field

import psutil

SAMPLE_S = 0.5
# the roles in the table's order; "rest of the box" = busy - everything named
ROLES = (
    "livekit-server",
    "agent jobs",
    "agent worker",
    "backend",
    "supervisor",
    "model host",
    "other (stack)",
)


def role(proc: psutil.Process, worker_pids: set[int]) -> str:
    """The stack's process ``proc`` by what it runs. A descendant of the worker is a job
    process (or the forkserver that starts them, idle after: its command line names the
    modules it preloads, voice_agent.main among them)."""
    if any(p.pid in worker_pids for p in proc.parents()):
        return "agent jobs"
    argv = proc.cmdline()
    cmd = " ".join(argv)
    if "livekit-server" in cmd:
        return "livekit-server"
    if argv[1:3] == ["-m", "voice_agent.main"]:
        return "agent worker"
    if "voice_agent.model_host" in cmd:
        return "model host"
    if argv[1:3] == ["-m", "app"]:
        return "backend"
    if "scripts/stack.py" in cmd or "scripts/cluster.py" in cmd:
        return "supervisor"
    return "other (stack)"


def _cpu_s(proc: psutil.Process) -> float:
    t = proc.cpu_times()
    return t.user + t.system


@dataclass
class StackCpu:
    """CPU seconds per role of the stack under ``stack_pid`` since ``start()``."""

    stack_pid: int
    _base: dict[int, float] = field(default_factory=dict)
    _last: dict[int, float] = field(default_factory=dict)
    _roles: dict[int, str] = field(default_factory=dict)
    _jobs_seen: set[int] = field(default_factory=set)

    def _walk(self) -> list[psutil.Process]:
        try:
            root = psutil.Process(self.stack_pid)
            return [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def sample(self, *, baseline: bool = False) -> None:
        procs = self._walk()
        workers = {
            p.pid for p in procs if p.pid in self._roles and self._roles[p.pid] == "agent worker"
        }
        for proc in procs:
            try:
                if proc.pid not in self._roles:
                    self._roles[proc.pid] = role(proc, workers)
                    if self._roles[proc.pid] == "agent worker":
                        workers.add(proc.pid)
                used = _cpu_s(proc)
            except (psutil.NoSuchProcess, psutil.ZombieProcess, psutil.AccessDenied):
                continue
            if baseline:
                self._base[proc.pid] = used
            self._base.setdefault(proc.pid, 0.0)
            self._last[proc.pid] = used
            if self._roles[proc.pid] == "agent jobs" and used - self._base[proc.pid] > 0.05:
                self._jobs_seen.add(proc.pid)

    def start(self) -> None:
        self._base.clear()
        self._last.clear()
        self._jobs_seen.clear()
        self.sample(baseline=True)

    async def run(self) -> None:
        """Samples until cancelled."""
        while True:
            await asyncio.sleep(SAMPLE_S)
            await asyncio.to_thread(self.sample)

    def seconds(self) -> dict[str, float]:
        out = dict.fromkeys(ROLES, 0.0)
        for pid, last in self._last.items():
            out[self._roles[pid]] += last - self._base[pid]
        return out

    @property
    def busy_jobs(self) -> int:
        """Job processes that did work during the rung (a call each, or a warm idle one)."""
        return len(self._jobs_seen)


def split(
    stack_s: dict[str, float],
    outside_s: dict[str, float],
    busy_share: float,
    wall_s: float,
) -> dict[str, float]:
    """Every role as a share of all cores over ``wall_s``; the box's busy share minus all of
    them is "rest of the box"."""
    cores = os.cpu_count() or 1
    shares = {k: v / wall_s / cores for k, v in {**stack_s, **outside_s}.items()}
    shares["rest of the box"] = max(0.0, busy_share - sum(shares.values()))
    return shares


def table(rows: list[tuple[int, int, dict[str, float]]]) -> str:
    """One row per rung: (callers, calls served, shares of the box by role), then what a call
    served costs livekit-server and the agent's processes, in share of one core."""
    cores = os.cpu_count() or 1
    roles = [k for k in rows[0][2] if any(r[2].get(k, 0) >= 0.0005 for r in rows)]
    head = ["callers", *roles, "agent per call (of a core)", "livekit-server per call (of a core)"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for callers, served, shares in rows:
        agent = shares.get("agent jobs", 0) + shares.get("agent worker", 0)
        cells = [str(callers), *(f"{shares.get(k, 0):.1%}" for k in roles)]
        for x in (agent, shares.get("livekit-server", 0)):
            cells.append(f"{x * cores / served:.1%}" if served else "-")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
