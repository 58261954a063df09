"""Warm models at low CPU priority, serve conversations at normal priority.

When a job takes the idle process, the worker starts the next idle process at once, and its
model warm-up (a few CPU-seconds) lands on the new conversation's first turn. On 2 cores
that doubled the first reply's latency. So a process warms up niced, and is restored to
normal priority when it takes a job. Restoring needs the right to lower niceness (root or
RLIMIT_NICE); without it nothing is changed at all, so a job never runs niced.
"""

from __future__ import annotations

import logging
import os
import resource

logger = logging.getLogger("voice_agent.priority")

WARMUP_NICE = 10


def _can_restore() -> bool:
    return os.geteuid() == 0 or resource.getrlimit(resource.RLIMIT_NICE)[0] >= 20


def _set_all_threads(nice: int) -> None:
    # On Linux, niceness is per thread; threads made later inherit their creator's.
    for tid in os.listdir("/proc/self/task"):
        try:
            os.setpriority(os.PRIO_PROCESS, int(tid), nice)
        except (ProcessLookupError, PermissionError):
            continue


def lower_for_warmup() -> bool:
    """Nice this process (every thread) if it can be restored later; True if done."""
    if not _can_restore() or not os.path.isdir("/proc/self/task"):
        return False
    _set_all_threads(WARMUP_NICE)
    return True


def restore() -> None:
    """Back to normal priority for every thread (no-op when it was never lowered)."""
    if os.path.isdir("/proc/self/task") and os.getpriority(os.PRIO_PROCESS, 0) > 0:
        if _can_restore():
            _set_all_threads(0)
        else:
            logger.warning("cannot restore normal CPU priority for this job")
