"""Warm models at low CPU priority, serve conversations at normal or higher priority.

When a job takes the idle process, the worker starts the next idle process at once, and its
model warm-up (5-10 CPU-seconds) lands on the new conversation's first turn. On 2 cores that
doubled the first reply's latency, and nice 10 was not enough (the warm-up runs several
threads). So a process warms up under SCHED_IDLE (it runs only on otherwise idle CPU), and
goes back to normal scheduling when it takes a job. Going back needs the right to (root or
RLIMIT_NICE); without it nothing is changed at all, so a job never runs deprioritised.

A job may also run ahead of other programs (``AGENT_JOB_NICE``, default -5): a conversation
is real-time work, and on a box shared with a browser or a busy neighbour the LLM's threads
otherwise wait behind them. Without the right to, the job runs at nice 0.
"""

from __future__ import annotations

import logging
import os
import resource

logger = logging.getLogger("voice_agent.priority")

WARMUP_NICE = 10


def _may_set(nice: int) -> bool:
    """Whether this process may set its threads to ``nice`` (RLIMIT_NICE allows 20 - limit)."""
    return os.geteuid() == 0 or resource.getrlimit(resource.RLIMIT_NICE)[0] >= 20 - nice


def _can_restore() -> bool:
    return _may_set(0)


def _set_all_threads(*, background: bool, nice: int = 0) -> None:
    # On Linux, policy and niceness are per thread; threads made later inherit their creator's.
    policy = os.SCHED_IDLE if background else os.SCHED_OTHER
    for tid in os.listdir("/proc/self/task"):
        try:
            os.sched_setscheduler(int(tid), policy, os.sched_param(0))
            os.setpriority(os.PRIO_PROCESS, int(tid), WARMUP_NICE if background else nice)
        except (ProcessLookupError, PermissionError):
            continue


def is_background() -> bool:
    return os.sched_getscheduler(0) == os.SCHED_IDLE or os.getpriority(os.PRIO_PROCESS, 0) > 0


def lower_for_warmup() -> bool:
    """Nice this process (every thread) if it can be restored later; True if done."""
    if not _can_restore() or not os.path.isdir("/proc/self/task"):
        return False
    _set_all_threads(background=True)
    return True


def restore(nice: int = 0) -> None:
    """Normal scheduling at ``nice`` for every thread; 0 when a negative ``nice`` is not
    allowed. A no-op when nothing would change."""
    if not os.path.isdir("/proc/self/task"):
        return
    if nice < 0 and not _may_set(nice):
        nice = 0
    if not is_background() and os.getpriority(os.PRIO_PROCESS, 0) == nice:
        return
    if _may_set(nice):
        _set_all_threads(background=False, nice=nice)
    else:
        logger.warning("cannot restore normal CPU priority for this job")
