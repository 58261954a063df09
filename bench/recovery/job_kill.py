"""kill -9 a call's job process and hear the agent that takes over: the steps shared by the
recovery bench (bench/recovery/run.py) and the fault test
(agent/tests/test_recovery_integration.py). Needs bench/, bench/latency and bench/recovery on
``sys.path``."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from recovery_report import Trial
from speech import speak, with_silence
from voice_client import VoiceClient


@dataclass(frozen=True, slots=True)
class Question:
    text: str
    # a word the recogniser keeps: finds the question in the stored transcript and in the
    # new agent's first line ("You were saying: …")
    keyword: str
    expected: tuple[str, ...]  # an on-topic answer holds one of these (lower case)

    def pcm(self) -> np.ndarray:
        return with_silence(speak(self.text), 0.3, 0.0)


def job_pids(state: Path, room: str) -> list[int]:
    """The job processes that served ``room`` (from the agent's JSON log), oldest first."""
    pids: list[int] = []
    for line in (state / "logs" / "agent.log").read_text(errors="replace").splitlines():
        try:
            record: dict[str, Any] = json.loads(line)
        except ValueError:
            continue
        if record.get("room") == room and record.get("job_id") and record["pid"] not in pids:
            pids.append(record["pid"])
    return pids


async def current_job(state: Path, room: str, *, not_in: set[int], timeout_s: float) -> int:
    """The pid of the job process serving ``room`` now (one not in ``not_in``)."""
    deadline = time.monotonic() + timeout_s
    while True:
        pids = job_pids(state, room)
        if pids and pids[-1] not in not_in:
            return pids[-1]
        if time.monotonic() > deadline:
            raise TimeoutError(f"no job process of room {room} has logged (seen {pids})")
        await asyncio.sleep(0.1)


async def hear_back(
    client: VoiceClient, kill: Callable[[], None], timeout_s: float
) -> tuple[float | None, str]:
    """Run ``kill``; the seconds until an agent is heard again (None: not within
    ``timeout_s``), and its first line."""
    n_figures = len(client.turn_figures)
    client.listen_from_now()
    killed_at = time.monotonic()
    kill()
    deadline = killed_at + timeout_s
    while client.first_audible_after is None and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    if client.first_audible_after is None:
        return None, ""
    took = client.first_audible_after - killed_at
    while len(client.turn_figures) == n_figures and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    figures = client.turn_figures[n_figures:]
    return took, figures[0].get("agent_text", "") if figures else ""


async def ask(client: VoiceClient, question: Question, timeout_s: float) -> tuple[bool, str]:
    """Whether ``question`` got a spoken answer, and its text."""
    try:
        result = await client.turn(question.text, question.pcm(), timeout=timeout_s)
    except TimeoutError:  # the agent never went quiet before it
        return False, ""
    return result.latency_s is not None, result.agent_text


async def kill_trial(
    client: VoiceClient,
    state: Path,
    *,
    said_last: Question,
    then_ask: Question,
    killed: set[int],
    recover_timeout_s: float = 30.0,
    answer_timeout_s: float = 60.0,
) -> Trial:
    """kill -9 the call's job process (``killed`` collects the pids), time the new agent's
    first audio, and ask ``then_ask``. The new agent's first line repeats the user's last
    words, so it holds ``said_last``'s keyword when the history survived."""
    room = client.room.name
    pid = await current_job(state, room, not_in=killed, timeout_s=30)
    killed.add(pid)
    took, first_line = await hear_back(
        client, lambda: os.kill(pid, signal.SIGKILL), recover_timeout_s
    )
    if took is None:
        return Trial(None, history_kept=False, answered=False, on_topic=False)
    answered, answer = await ask(client, then_ask, answer_timeout_s)
    return Trial(
        took,
        history_kept=said_last.keyword.lower() in first_line.lower(),
        answered=answered,
        on_topic=answered and any(w in answer.lower() for w in then_ask.expected),
        first_line=first_line,
        answer=answer,
    )
