"""CPU time of the processes a bench started, by group, read from /proc (Linux).

A `CpuSampler` reads every process once a second: its parent, command line and CPU ticks
(user + system). Each process is put in a group by the tree it belongs to (a root given by
pid and the name the bench gives it: "chromium", "stack") and, inside it, by what it is
(`process_kind`: Chromium's renderer, audio service; the stack's agent, livekit-server). At
the end: CPU seconds per group over the run, the whole box's busy share, and load averages.
A process that starts during the run counts from zero; one that ends keeps its last reading.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

PROC = Path("/proc")
TICK_S = 1.0 / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True, slots=True)
class ProcInfo:
    pid: int
    ppid: int
    cmdline: str
    ticks: int


def parse_stat(text: str) -> tuple[int, int]:
    """(parent pid, user + system ticks) from /proc/<pid>/stat: the name in parentheses may
    hold spaces and parentheses, so fields are counted from its last ')'."""
    fields = text[text.rindex(")") + 2 :].split()
    # after the name: state(0) ppid(1) ... utime(11) stime(12)
    return int(fields[1]), int(fields[11]) + int(fields[12])


def read_processes(proc: Path = PROC) -> dict[int, ProcInfo]:
    out: dict[int, ProcInfo] = {}
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, ValueError, IndexError):
            ppid, ticks = parse_stat((entry / "stat").read_text())
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            out[int(entry.name)] = ProcInfo(int(entry.name), ppid, cmdline.strip(), ticks)
    return out


def process_kind(cmdline: str) -> str:
    """What a process of a bench's tree is, from its command line."""
    if "--type=" in cmdline:
        if "--utility-sub-type=audio" in cmdline:
            return "audio service"
        if "--utility-sub-type=network" in cmdline:
            return "network service"
        kind = cmdline.split("--type=", 1)[1].split()[0]
        return {"gpu-process": "gpu process"}.get(kind, kind)
    if "chrom" in cmdline.split(" ", 1)[0]:
        return "browser"
    for needle, kind in (
        ("livekit-server", "livekit-server"),
        ("voice_agent.model_host", "model host (STT, LLM, TTS)"),
        ("voice_agent", "agent (worker, jobs)"),
        ("-m app", "backend"),
        ("scripts/stack.py", "supervisor"),
        ("playwright", "playwright driver"),
    ):
        if needle in cmdline:
            return kind
    return "other"


def group_of(pid: int, procs: dict[int, ProcInfo], roots: dict[int, str]) -> str | None:
    """The root name of the tree ``pid`` is in, or None for a process of no tree."""
    seen = 0
    while pid in procs and seen < 64:
        if pid in roots:
            return roots[pid]
        pid, seen = procs[pid].ppid, seen + 1
    return roots.get(pid)


def cpu_seconds(first: dict[int, int], last: dict[int, tuple[str, int]]) -> dict[str, float]:
    """CPU seconds per label between two readings: ``first`` maps pid to ticks at the start,
    ``last`` pid to (label, ticks) as last seen; a pid not in ``first`` started since."""
    out: dict[str, float] = {}
    for pid, (label, ticks) in last.items():
        used = max(0, ticks - first.get(pid, 0)) * TICK_S
        out[label] = out.get(label, 0.0) + used
    return out


def box_ticks(stat: str) -> tuple[int, int]:
    """(busy, total) ticks of all CPUs from /proc/stat's first line."""
    values = [int(v) for v in stat.splitlines()[0].split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    return sum(values) - idle, sum(values)


@dataclass(slots=True)
class CpuReport:
    seconds: float
    by_label: dict[str, float]
    box_busy: float  # share of all cores, 0..1
    load_start: tuple[float, float, float]
    load_end: tuple[float, float, float]
    load_1min_mean: float


@dataclass(slots=True)
class CpuSampler:
    """Samples in a thread between `start()` and `stop()`; `roots` may grow while it runs."""

    roots: dict[int, str] = field(default_factory=dict)
    interval_s: float = 1.0
    _first: dict[int, int] = field(default_factory=dict)
    _last: dict[int, tuple[str, int]] = field(default_factory=dict)
    _loads: list[float] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _t0: float = 0.0
    _box0: tuple[int, int] = (0, 0)
    _load0: tuple[float, float, float] = (0.0, 0.0, 0.0)

    def start(self) -> None:
        self._t0 = time.monotonic()
        self._box0 = box_ticks((PROC / "stat").read_text())
        self._load0 = os.getloadavg()
        self._first = {p.pid: p.ticks for p in read_processes().values()}
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        procs = read_processes()
        for p in procs.values():
            group = group_of(p.pid, procs, self.roots)
            if group is not None:
                self._last[p.pid] = (f"{group}: {process_kind(p.cmdline)}", p.ticks)
        self._loads.append(os.getloadavg()[0])

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            self._sample()

    def stop(self) -> CpuReport:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self._sample()
        busy1, total1 = box_ticks((PROC / "stat").read_text())
        busy = (busy1 - self._box0[0]) / max(1, total1 - self._box0[1])
        return CpuReport(
            seconds=time.monotonic() - self._t0,
            by_label=cpu_seconds(self._first, self._last),
            box_busy=busy,
            load_start=self._load0,
            load_end=os.getloadavg(),
            load_1min_mean=sum(self._loads) / max(1, len(self._loads)),
        )
