"""The reconcile's choice for a room no worker reports (app.core.redispatch: next_step, and
which agents listed there are ghosts of a dead worker), and the wake-up a route uses to cut
its wait short (app.core.wakeup)."""

from __future__ import annotations

import asyncio
import threading

import pytest
from livekit import api

from app.core.redispatch import Step, ghosts, next_step
from app.core.wakeup import Wakeup

pytestmark = pytest.mark.unit

AGENT = api.ParticipantInfo.Kind.AGENT
USER = api.ParticipantInfo.Kind.STANDARD


@pytest.mark.parametrize(
    ("kinds", "attempts", "step"),
    [
        ([AGENT], 0, Step.WAIT),  # a dead agent lingers, or a new one is there
        ([USER, AGENT], 0, Step.WAIT),
        ([USER, AGENT], 9, Step.WAIT),
        ([], 0, Step.HOLD),  # the user is away: they may rejoin
        ([], 9, Step.HOLD),
        ([USER], 0, Step.DISPATCH),
        ([USER, USER], 2, Step.DISPATCH),  # a rejoin beside a lingering old connection
        ([USER], 3, Step.GIVE_UP),
    ],
)
def test_next_step(kinds: list[int], attempts: int, step: Step) -> None:
    assert next_step(kinds, attempts=attempts, max_attempts=3) is step


def test_a_wakeup_from_another_thread_ends_the_wait() -> None:
    wakeup = Wakeup()

    async def waits() -> tuple[bool, bool]:
        woken = asyncio.create_task(wakeup.wait(30))
        await asyncio.sleep(0)  # the wait has begun
        threading.Thread(target=wakeup.set).start()
        first = await woken
        return first, await wakeup.wait(0.05)  # the wake-up was used up

    assert asyncio.run(waits()) == (True, False)


def test_a_wakeup_before_any_wait_is_not_kept() -> None:
    wakeup = Wakeup()
    wakeup.set()
    assert asyncio.run(wakeup.wait(0.05)) is False


NAME = "voice-assistant"


def _agent(identity: str, joined_at: int, name: str | None = NAME) -> api.ParticipantInfo:
    attributes = {} if name is None else {"lk.agent.name": name}
    return api.ParticipantInfo(
        identity=identity, kind=AGENT, joined_at=joined_at, attributes=attributes
    )


def test_agents_listed_long_enough_are_ghosts() -> None:
    listed = [api.ParticipantInfo(identity="u", kind=USER), _agent("a1", 100), _agent("a2", 80)]
    assert ghosts(listed, agent_name=NAME, now=111, min_age_s=10) == ["a1", "a2"]


@pytest.mark.parametrize(
    "agent",
    [
        _agent("new", 105),  # just joined: its worker may not have reported its room yet
        _agent("other", 50, name="another-agent"),  # not ours
        _agent("unnamed", 50, name=None),
        _agent("unknown", 0),  # no join time
    ],
)
def test_no_ghosts_while_one_agent_may_be_alive(agent: api.ParticipantInfo) -> None:
    listed = [api.ParticipantInfo(identity="u", kind=USER), _agent("old", 50), agent]
    assert ghosts(listed, agent_name=NAME, now=111, min_age_s=10) == []
