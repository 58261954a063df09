"""How many calls this worker takes, its load, and the reports that let the backend turn a
caller away at once (503) instead of leaving them in a silent room.

- The cap: ``AGENT_MAX_SESSIONS``, the box's, checked against what the host can do. With
  the shared model host it defaults to the host's LLM slots (and may not exceed them); with
  each job loading its own local models, 2; with remote providers only, 6 per CPU core (a
  call then costs the worker only VAD, audio and orchestration: 10-14 % of a core for the
  length of a call in the cloud capacity bench, so 6 a core keep it under ~80 % busy).
  Several worker processes on one box (``AGENT_WORKERS``: ``VA_AGENT_WORKERS`` under the
  stack) split it: each takes its share, and the shares add up to the box's cap.
- The load (what LiveKit balances on, and what the backend reads): the share of the cap in
  use, or the CPU busy over the last ``CPU_WINDOW_S`` seconds (cgroup-aware) if larger. CPU
  counts by default only without local models (``AGENT_LOAD_CPU``): their replies saturate
  the cores by design, and the slots are what limits them.
- The report: every ``REPORT_INTERVAL_S`` seconds the worker PUTs its cap, rooms, load and
  whether it drains to the backend (``/api/agent/workers/{id}``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import threading
import time
from collections import deque
from typing import Any

import httpx
from livekit.agents import AgentServer, JobExecutorType
from livekit.agents.utils.hw import get_cpu_monitor

from .drain import DrainingServer
from .http_clients import async_client
from .model_host import HostInfo, ModelHostUnavailable, host_info
from .settings import AgentSettings

logger = logging.getLogger("voice_agent.capacity")

REPORT_INTERVAL_S = 2.5
CPU_WINDOW_S = 15.0
IN_PROCESS_SESSIONS = 2  # each job holds its own models (~1.3 GB): two fit beside the rest
REMOTE_SESSIONS_PER_CORE = 6  # see the module doc; AGENT_MAX_SESSIONS overrides it


class CapacityError(ValueError):
    """The configured cap does not fit the host; the message names the setting."""


def uses_local_llm(settings: AgentSettings) -> bool:
    return any(c.provider == "local" for c in (settings.llm, *settings.llm.fallback))


def uses_local_models(settings: AgentSettings) -> bool:
    sections = (settings.stt, settings.llm, settings.tts)
    return any(c.provider == "local" for s in sections for c in (s, *s.fallback))


def job_executor(settings: AgentSettings) -> JobExecutorType:
    """``AGENT_JOB_EXECUTOR``, or a process per call. Threads of the worker process cost ~4x
    less memory per call with remote providers (16-19 against 70 MiB PSS) but no less CPU
    once every call's per-frame Python waits on one interpreter lock: 10 calls as threads of
    one worker answered 29 of 30 turns at v2v p50 5.4 s, of two workers 30/30 at 1.9 s, as
    processes 30/30 at 1.6 s, each ~11 % of a core a call (docs/benchmarks.md, "jobs as
    threads, again")."""
    if settings.job_executor is not None:
        return JobExecutorType(settings.job_executor)
    return JobExecutorType.PROCESS


def resolve_max_sessions(settings: AgentSettings, *, wait_s: float = 120.0) -> int:
    """This worker's cap on concurrent calls: its share of the box's (see the module doc).
    With the model host it waits up to ``wait_s`` for the host to answer (it loads its
    models first)."""
    return worker_share(box_max_sessions(settings, wait_s=wait_s), settings)


def worker_share(box_cap: int, settings: AgentSettings) -> int:
    """Worker ``worker_index`` of ``workers``'s part of the box's cap: an equal share, the
    remainder one each to the first workers, so that the shares add up to ``box_cap``. A
    worker that would get no call at all is refused."""
    workers = settings.workers
    if box_cap < workers:
        limit = " (with the model host, at most its AGENT_MODEL_HOST__SLOTS)"
        hosted = settings.model_host.url is not None and uses_local_llm(settings)
        raise CapacityError(
            f"AGENT_WORKERS={workers} worker processes share this box's cap of {box_cap} "
            f"calls (AGENT_MAX_SESSIONS, or what the host can do): one would take none. Run "
            f"at most {box_cap} workers (VA_AGENT_WORKERS under the stack), or raise "
            f"AGENT_MAX_SESSIONS{limit if hosted else ''}"
        )
    share, remainder = divmod(box_cap, workers)
    return share + (1 if settings.worker_index <= remainder else 0)


def box_max_sessions(settings: AgentSettings, *, wait_s: float = 120.0) -> int:
    """The box's cap on concurrent calls, all its workers together (the module doc)."""
    configured = settings.max_sessions
    if uses_local_models(settings) and settings.model_host.url is None:
        return configured or IN_PROCESS_SESSIONS
    if not uses_local_llm(settings) and not uses_local_models(settings):
        return configured or REMOTE_SESSIONS_PER_CORE * (os.cpu_count() or 1)
    url = settings.model_host.url
    assert url is not None
    slots = _wait_for_host(url, wait_s).slots
    if configured is not None and configured > slots and uses_local_llm(settings):
        raise CapacityError(
            f"AGENT_MAX_SESSIONS={configured} is more than the model host's {slots} LLM slots: "
            f"lower it, or raise AGENT_MODEL_HOST__SLOTS on the host"
        )
    return configured or slots


def _wait_for_host(url: str, wait_s: float) -> HostInfo:
    deadline = time.monotonic() + wait_s
    while True:
        try:
            return host_info(url)
        except ModelHostUnavailable:
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.5)


class CpuLoad:
    """CPU busy (0..1 of the cores this process may use), averaged over ``window_s``."""

    def __init__(self, *, window_s: float = CPU_WINDOW_S, sample_s: float = 0.5) -> None:
        self._samples: deque[float] = deque(maxlen=max(1, int(window_s / sample_s)))
        self._sample_s = sample_s
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="cpu-load", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        monitor = get_cpu_monitor()
        while True:
            busy = monitor.cpu_percent(interval=self._sample_s)
            with self._lock:
                self._samples.append(busy)

    def average(self) -> float:
        with self._lock:
            return sum(self._samples) / len(self._samples) if self._samples else 0.0


class WorkerLoad:
    """The worker's ``load_fnc``: full (1.0) at the cap, or when the CPU (if counted) has
    been busy."""

    def __init__(self, max_sessions: int, cpu: CpuLoad | None = None) -> None:
        self.max_sessions = max_sessions
        self.cpu = cpu
        if cpu is not None:
            cpu.start()

    @classmethod
    def from_settings(cls, settings: AgentSettings, max_sessions: int) -> WorkerLoad:
        count_cpu = settings.load_cpu
        if count_cpu is None:
            count_cpu = not uses_local_models(settings)
        return cls(max_sessions, CpuLoad() if count_cpu else None)

    def __call__(self, server: AgentServer) -> float:
        sessions = len(server.active_jobs) / self.max_sessions
        cpu = self.cpu.average() if self.cpu is not None else 0.0
        return min(1.0, max(sessions, cpu))


class CallServer(DrainingServer):
    """The worker: a ``DrainingServer`` that counts a call it has accepted but not launched
    yet as one call of the cap while none runs. livekit-agents 1.8.9 counts it as
    ``load_threshold / num_idle_processes`` then: a fresh worker (2 idle processes,
    threshold 1.0) answered the 3rd or 4th of 4 callers arriving together "not available",
    and LiveKit dropped that call's dispatch (make bench-capacity, 2026-11-30). Once a call
    runs, the framework's own estimate (the load over the running calls) is right."""

    def _get_effective_load(self) -> float:
        load = self._load_fnc
        if self.active_jobs or not isinstance(load, WorkerLoad):
            return super()._get_effective_load()
        return self._worker_load + self._reserved_slots / load.max_sessions


class CapacityReporter:
    """Reports the worker's capacity to the backend while it runs (started once the worker
    is registered with LiveKit, in the worker's event loop); a failed report is logged once
    per outage and retried at the next interval."""

    def __init__(
        self,
        server: AgentServer,
        settings: AgentSettings,
        load: WorkerLoad,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        interval_s: float = REPORT_INTERVAL_S,
    ) -> None:
        assert settings.backend_url and settings.service_token
        self._server = server
        self._settings = settings
        self._load = load
        self._interval_s = interval_s
        self._client = async_client(
            base_url=settings.backend_url,
            headers={"Authorization": f"Bearer {settings.service_token.get_secret_value()}"},
            timeout=settings.backend_timeout_s,
            transport=transport,
        )
        self._task: asyncio.Task[None] | None = None
        self._failing = False
        self._reported = False

    def start(self, *_event: object) -> None:
        """Also the ``worker_registered`` handler: a re-registration keeps the one task."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="capacity-reporter")

    async def aclose(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._client.aclose()

    def report(self) -> dict[str, Any]:
        server = self._server
        return {
            "agent_name": self._settings.name,
            "max_sessions": self._load.max_sessions,
            "rooms": [j.job.room.name for j in server.active_jobs],
            "load": round(self._load(server), 3),
            "draining": server.draining,
        }

    async def send(self) -> None:
        worker_id = self._server.id
        if worker_id == "unregistered":
            return  # not yet registered with LiveKit: nothing can be dispatched to it
        try:
            response = await self._client.put(f"/api/agent/workers/{worker_id}", json=self.report())
            response.raise_for_status()
        except httpx.HTTPError as e:
            if not self._failing:
                logger.warning("capacity report failed", extra={"error": str(e)})
            self._failing = True
            return
        if not self._reported:
            logger.info("capacity reported to the backend", extra=self.report())
        elif self._failing:
            logger.info("capacity reports reach the backend again")
        self._reported = True
        self._failing = False

    async def _run(self) -> None:
        while True:
            await self.send()
            await asyncio.sleep(self._interval_s)
