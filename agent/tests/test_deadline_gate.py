"""The model host's voice gate: one run at a time, the soonest due first."""

from __future__ import annotations

import threading
import time

import pytest
from voice_agent.model_host.client import Playout
from voice_agent.model_host.deadline_gate import DeadlineGate

pytestmark = pytest.mark.unit


def test_waiting_requests_are_served_soonest_due_first() -> None:
    gate = DeadlineGate()
    served: list[str] = []
    release = threading.Event()

    def run(name: str, due_in_s: float) -> None:
        with gate.turn(due_in_s):
            served.append(name)

    def first() -> None:
        with gate.turn():
            served.append("running")
            release.wait(5)

    holder = threading.Thread(target=first)
    holder.start()
    while not served:
        time.sleep(0.001)
    waiters = []
    # a later clause of a long reply arrives first, then two replies' first clauses
    for name, due in (("later clause", 3.0), ("first clause a", 0.0), ("first clause b", 0.0)):
        waiters.append(threading.Thread(target=run, args=(name, due)))
        waiters[-1].start()
        time.sleep(0.02)  # arrival order
    release.set()
    for t in [holder, *waiters]:
        t.join(5)
    assert served == ["running", "first clause a", "first clause b", "later clause"]


def test_the_gate_never_idles_while_a_request_waits() -> None:
    gate = DeadlineGate()
    done = threading.Event()

    def later() -> None:
        with gate.turn(60.0):  # due in a minute, and nothing else waits: served at once
            done.set()

    threading.Thread(target=later).start()
    assert done.wait(2)


def test_an_exception_inside_a_turn_frees_the_gate() -> None:
    gate = DeadlineGate()
    with pytest.raises(RuntimeError), gate.turn():
        raise RuntimeError("model failed")
    with gate.turn():
        pass  # not stuck


def test_a_reply_s_later_clauses_are_due_as_its_audio_runs_out() -> None:
    playout = Playout(margin_s=1.0)
    assert playout.due_in_s() == 0.0  # the first clause: now
    playout.add(4.0)  # 4 s of audio made
    assert 2.5 < playout.due_in_s() <= 3.0  # due when it runs out, less the margin
    playout.add(2.0)
    assert 4.5 < playout.due_in_s() <= 5.0
    short = Playout(margin_s=1.0)
    short.add(0.5)
    assert short.due_in_s() == 0.0  # less audio ahead than the margin: now


def test_droppable_work_runs_only_when_it_delays_no_one() -> None:
    gate = DeadlineGate()
    with gate.turn_if_free() as free:
        assert free
        with gate.turn_if_free() as second:  # the model is busy: refused at once
            assert not second
    served: list[str] = []
    release = threading.Event()

    def hold() -> None:
        with gate.turn():
            served.append("running")
            release.wait(5)

    def final() -> None:
        with gate.turn():
            served.append("final")

    holder = threading.Thread(target=hold)
    holder.start()
    while not served:
        time.sleep(0.001)
    waiter = threading.Thread(target=final)
    waiter.start()
    time.sleep(0.05)
    with gate.turn_if_free() as free:
        assert not free
    release.set()
    for t in (holder, waiter):
        t.join(5)
    assert served == ["running", "final"]
    with gate.turn_if_free() as free:  # free again once everyone is served
        assert free
