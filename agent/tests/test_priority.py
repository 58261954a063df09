"""Warm-up niceness: lowered for every thread, then restored for the job."""

from __future__ import annotations

import os
import pwd
import resource
import threading
from collections.abc import Callable

import pytest
from voice_agent import priority

pytestmark = pytest.mark.unit


def _nice_of_all_threads() -> set[tuple[int, int]]:
    """(scheduling policy, niceness) of every thread."""
    return {
        (os.sched_getscheduler(int(t)), os.getpriority(os.PRIO_PROCESS, int(t)))
        for t in os.listdir("/proc/self/task")
    }


def _in_child(check: Callable[[], bool]) -> None:
    """Run ``check`` in a forked child: niceness and privileges are per process and must not
    leak to the suite."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        try:
            ok = check()
        except BaseException:
            ok = False
        os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0


def test_lower_then_restore_covers_threads_made_in_between() -> None:
    assert priority._can_restore(), (
        "this test needs the right to restore priority (root, or RLIMIT_NICE of 20 or more: "
        "`ulimit -e 20`)"
    )

    def check() -> bool:
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
        return ok and lowered == idle and restored == normal

    _in_child(check)


def test_without_the_right_to_restore_nothing_is_lowered() -> None:
    def check() -> bool:
        if os.geteuid() == 0:  # give up root for good, as an ordinary account
            os.setgid(pwd.getpwnam("nobody").pw_gid)
            os.setuid(pwd.getpwnam("nobody").pw_uid)
        resource.setrlimit(resource.RLIMIT_NICE, (0, 0))
        before = _nice_of_all_threads()
        return (
            not priority._can_restore()
            and priority.lower_for_warmup() is False
            and not priority.is_background()
            and _nice_of_all_threads() == before
        )

    _in_child(check)


def test_restore_is_a_no_op_at_normal_priority() -> None:
    before = _nice_of_all_threads()
    priority.restore()
    assert _nice_of_all_threads() == before


def test_a_job_can_run_ahead_of_other_programs() -> None:
    def check() -> bool:
        allowed = priority._may_set(-5)
        priority.lower_for_warmup()
        priority.restore(-5)
        return _nice_of_all_threads() == {(os.SCHED_OTHER, -5 if allowed else 0)}

    _in_child(check)
