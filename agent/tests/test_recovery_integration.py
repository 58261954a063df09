"""A call survives its agent: kill -9 of the job process mid-call, through the real stack.

The worker sees the job process die while the caller is still in the room and dispatches the
agent again; the new agent reloads the history, says one line that shows it remembers, and
answers the next question. Two crashes in one call, each timed from the kill to the new
agent's first audio at the client. And the transcript survives its backend: turns spoken
while the backend is stopped (SIGSTOP) wait in the worker's journal and are all stored, in
order, once it runs again.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "bench"), str(ROOT / "bench" / "latency")]

from speech import speak, with_silence  # noqa: E402
from stack_runner import free_stack_ports, running_stack, stack_env  # noqa: E402
from voice_client import VoiceClient  # noqa: E402

KEYWORDS = ("France", "Italy", "week")  # one per question in TURNS
TURNS = [
    ("What is the capital of France?", ("paris",)),
    ("What is the capital of Italy?", ("rome",)),
    ("How many days are in a week?", ("seven", "7")),
]


# issue 13: "SIGSTOP the backend for 30 s across two turns, then SIGCONT"
BACKEND_STOP_S = 30.0

PORTS = free_stack_ports()
BACKEND = f"http://127.0.0.1:{PORTS['BACKEND_PORT']}"


@pytest.fixture(scope="module")
def state_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    state = tmp_path_factory.mktemp("stack")
    env = stack_env(state, PORTS)
    with running_stack(env):
        yield state


def job_pids(state: Path, room: str) -> list[int]:
    """The job processes that served ``room`` (from the agent's JSON log), oldest first."""
    pids: list[int] = []
    for line in (state / "logs" / "agent.log").read_text().splitlines():
        try:
            record: dict[str, Any] = json.loads(line)
        except ValueError:
            continue
        if record.get("room") == room and record.get("job_id") and record["pid"] not in pids:
            pids.append(record["pid"])
    return pids


def assert_asked_in_order(users: list[str]) -> None:
    """Each question is among the stored user turns, in the order asked (found by a word the
    recogniser keeps: it may write "into a week" for "in a week")."""
    found = [next((i for i, u in enumerate(users) if k in u), None) for k in KEYWORDS]
    assert None not in found and found == sorted(found), users


def stored_messages(room: str) -> list[tuple[str, str]]:
    url = f"{BACKEND}/api/conversations?limit=50"
    with urllib.request.urlopen(url, timeout=10) as r:
        items = json.loads(r.read())["items"]
    [conversation] = [c for c in items if c["room_name"] == room]
    with urllib.request.urlopen(
        f"{BACKEND}/api/conversations/{conversation['id']}", timeout=10
    ) as r:
        detail = json.loads(r.read())
    return [(m["role"], m["text"]) for m in detail["messages"]]


async def ask(client: VoiceClient, question: str, expected: tuple[str, ...]) -> None:
    result = await client.turn(question, with_silence(speak(question), 0.3, 0.0), timeout=90)
    assert result.latency_s is not None, f"no spoken answer to {question!r}"
    assert any(w in result.agent_text.lower() for w in expected), result.agent_text


async def kill_and_hear_back(
    client: VoiceClient, kill: Callable[[], None], timeout_s: float
) -> tuple[float, str]:
    """Run ``kill``; the seconds until an agent is heard again, and its first line."""
    n_figures = len(client.turn_figures)
    client.first_audible_after = None
    client._mark = time.monotonic()  # any agent audio from now on counts
    killed_at = time.monotonic()
    kill()
    deadline = killed_at + timeout_s
    while client.first_audible_after is None and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    assert client.first_audible_after is not None, "no agent came back"
    while len(client.turn_figures) == n_figures and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    figures = client.turn_figures[n_figures:]
    line = figures[0].get("agent_text", "") if figures else ""
    return client.first_audible_after - killed_at, line


async def crash_and_recover(client: VoiceClient, state: Path) -> tuple[float, str]:
    """kill -9 the room's job process, and hear the new agent."""
    room = client.room.name
    [*_, pid] = job_pids(state, room)
    result = await kill_and_hear_back(client, lambda: os.kill(pid, signal.SIGKILL), 60)
    assert job_pids(state, room)[-1] != pid, "the same process cannot have come back"
    return result


def test_a_killed_job_process_is_replaced_and_the_call_goes_on(state_dir: Path) -> None:
    async def call() -> tuple[list[float], list[str], str]:
        client = VoiceClient()
        await client.connect(BACKEND)
        times: list[float] = []
        lines: list[str] = []
        try:
            await client.wait_greeting(timeout=120)
            await ask(client, *TURNS[0])
            for question, expected in TURNS[1:]:
                seconds, line = await crash_and_recover(client, state_dir)
                times.append(seconds)
                lines.append(line)
                await client.wait_quiet(timeout=30)
                await ask(client, question, expected)
            return times, lines, client.room.name
        finally:
            await client.close()

    times, lines, room = asyncio.run(call())
    print(f"recovery: kill -9 to the new agent's first audio: {[round(t, 2) for t in times]} s")
    # each new agent remembered what was said before it
    assert "France" in lines[0], lines[0]
    assert "Italy" in lines[1], lines[1]
    messages = stored_messages(room)
    users = [text for role, text in messages if role == "user"]
    # nothing said before a crash was lost: every question is stored, in order
    assert_asked_in_order(users)


def stack_process(state: Path, command: list[str]) -> psutil.Process:
    """The stack's process whose command line ends with ``command``."""
    [process] = [
        p
        for p in psutil.process_iter(["cmdline"])
        if (p.info["cmdline"] or [])[-len(command) :] == command
        and str(state) in (p.environ().get("VA_STATE_DIR") or "")
    ]
    return process


def journaled(state: Path) -> int:
    """Writes in the worker's journal that the backend has not acknowledged."""
    path = state / "agent-journal" / "journal.sqlite3"
    with sqlite3.connect(path, timeout=10) as db:
        return int(db.execute("SELECT count(*) FROM writes").fetchone()[0])


def wait_stored(room: str, questions: list[str], timeout_s: float) -> list[tuple[str, str]]:
    """The room's messages once every question and an answer after the last are stored."""
    deadline = time.monotonic() + timeout_s
    while True:
        messages = stored_messages(room)
        users = [text for role, text in messages if role == "user"]
        if len(users) >= len(questions) and messages[-1][0] == "assistant":
            return messages
        assert time.monotonic() < deadline, f"not stored after the backend resumed: {messages}"
        time.sleep(0.5)


def test_turns_while_the_backend_is_stopped_are_all_stored_in_order(state_dir: Path) -> None:
    async def call() -> tuple[str, int]:
        client = VoiceClient()
        await client.connect(BACKEND)
        try:
            await client.wait_greeting(timeout=120)
            await ask(client, *TURNS[0])
            await client.wait_quiet(timeout=30)
            backend = stack_process(state_dir, ["-m", "app"])
            backend.suspend()
            stopped_at = time.monotonic()
            try:
                for question, expected in TURNS[1:]:
                    await ask(client, question, expected)
                    await client.wait_quiet(timeout=30)
                held = journaled(state_dir)
                await asyncio.sleep(max(0.0, BACKEND_STOP_S - (time.monotonic() - stopped_at)))
            finally:
                backend.resume()
            return client.room.name, held
        finally:
            await client.close()

    room, held = asyncio.run(call())
    print(f"durable writes: {held} writes held in the journal while the backend was stopped")
    assert held >= 4, "the two turns' messages were not waiting in the journal"
    messages = wait_stored(room, [q for q, _ in TURNS], timeout_s=60)
    users = [text for role, text in messages if role == "user"]
    # every question, the two asked while the backend was stopped too, once each and in order
    assert_asked_in_order(users)
    assert len(users) == len(set(users)), users
    roles = [role for role, _ in messages]
    assert roles.count("assistant") >= len(TURNS) + 1  # the greeting and every answer
    deadline = time.monotonic() + 30
    while journaled(state_dir) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert journaled(state_dir) == 0, "writes left in the journal after the backend came back"


def test_a_killed_worker_is_restarted_and_the_call_goes_on(state_dir: Path) -> None:
    async def call() -> tuple[float, str]:
        client = VoiceClient()
        await client.connect(BACKEND)
        try:
            await client.wait_greeting(timeout=120)
            await ask(client, *TURNS[0])
            worker = stack_process(state_dir, ["-m", "voice_agent.main", "start"])
            # the worker and, with it, the call's job
            seconds, line = await kill_and_hear_back(client, worker.kill, 90)
            await client.wait_quiet(timeout=30)
            await ask(client, *TURNS[1])
            return seconds, line
        finally:
            await client.close()

    seconds, line = asyncio.run(call())
    print(f"recovery: worker kill -9 to the new agent's first audio: {seconds:.2f} s")
    assert "France" in line, line
