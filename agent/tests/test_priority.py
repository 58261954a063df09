"""Warm-up niceness: lowered for every thread, then restored for the job."""

from __future__ import annotations

import os
import threading

import pytest
from voice_agent import priority

pytestmark = pytest.mark.unit


def _nice_of_all_threads() -> set[tuple[int, int]]:
    """(scheduling policy, niceness) of every thread."""
    return {
        (os.sched_getscheduler(int(t)), os.getpriority(os.PRIO_PROCESS, int(t)))
        for t in os.listdir("/proc/self/task")
    }


def test_lower_then_restore_covers_threads_made_in_between() -> None:
    if not priority._can_restore():  # noqa: SLF001
        assert priority.lower_for_warmup() is False
        assert not priority.is_background()
        return
    # run in a child process: niceness is per process tree and must not leak to the suite
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        ok = priority.lower_for_warmup()
        stop = threading.Event()
        worker = threading.Thread(target=stop.wait)  # like a model's thread pool
        worker.start()
        lowered = _nice_of_all_threads()
        priority.restore()
        restored = _nice_of_all_threads()
        stop.set()
        worker.join()
        idle = {(os.SCHED_IDLE, priority.WARMUP_NICE)}
        normal = {(os.SCHED_OTHER, 0)}
        os._exit(0 if ok and lowered == idle and restored == normal else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0


def test_restore_is_a_no_op_at_normal_priority() -> None:
    before = _nice_of_all_threads()
    priority.restore()
    assert _nice_of_all_threads() == before


def test_a_job_can_run_ahead_of_other_programs() -> None:
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        allowed = priority._may_set(-5)  # noqa: SLF001
        priority.lower_for_warmup()
        priority.restore(-5)
        expected = {(os.SCHED_OTHER, -5 if allowed else 0)}
        os._exit(0 if _nice_of_all_threads() == expected else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
