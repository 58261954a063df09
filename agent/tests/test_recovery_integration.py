"""A call survives its agent: kill -9 of the job process mid-call, through the real stack.

The worker sees the job process die while the caller is still in the room and dispatches the
agent again; the new agent reloads the history, says one line that shows it remembers (the
user's last words), and answers the next question. Ten crashes in one call (issue 13: 10 of
10), each timed from the kill to the new agent's first audio at the client. And the transcript
survives its backend: turns spoken while the backend is stopped (SIGSTOP) wait in the worker's
journal and are all stored, in order, once it runs again.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "bench" / d) for d in ("", "latency", "recovery")]

from job_kill import Question, hear_back, kill_trial  # noqa: E402
from recovery_report import Trial, asked_in_order  # noqa: E402
from stack_runner import free_stack_ports, running_stack, stack_env  # noqa: E402
from stack_state import journaled, stack_process, stored_messages  # noqa: E402
from voice_client import VoiceClient  # noqa: E402

KEYWORDS = ("France", "Italy", "week")  # one per question in TURNS
TURNS = [
    ("What is the capital of France?", ("paris",)),
    ("What is the capital of Italy?", ("rome",)),
    ("How many days are in a week?", ("seven", "7")),
]

# issue 13: "kill -9 the job process mid-call ... in 10 of 10 trials"
KILLS = 10
FACT = Question("My favourite colour is green.", "colo", ())
# asked after each kill, the last one answered only from what was said before the first
AFTER_KILLS = [
    Question("What is the capital of France?", "France", ("paris",)),
    Question("What is the capital of Italy?", "Italy", ("rome",)),
    Question("How many days are in a week?", "week", ("seven", "7")),
    Question("What do bees make?", "bees", ("honey",)),
    Question("How many wheels does a bicycle have?", "bicycle", ("two", "2")),
    Question("How many legs does a spider have?", "spider", ("eight", "8")),
    Question("What is the largest ocean?", "ocean", ("pacific",)),
    Question("What language is spoken in Spain?", "Spain", ("spanish",)),
    Question("What season comes after winter?", "winter", ("spring",)),
    Question("What is my favourite colour?", "colo", ("green",)),
]
assert len(AFTER_KILLS) == KILLS

# issue 13: "SIGSTOP the backend for 30 s across two turns, then SIGCONT"
BACKEND_STOP_S = 30.0

PORTS = free_stack_ports()
BACKEND = f"http://127.0.0.1:{PORTS['BACKEND_PORT']}"


@pytest.fixture(scope="module")
def state_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    state = tmp_path_factory.mktemp("stack")
    # one room loses its job KILLS times (the default gives up after 3 in 5 minutes)
    env = stack_env(state, PORTS, AGENT_RECOVERY__MAX_ATTEMPTS=str(KILLS))
    with running_stack(env):
        yield state


def assert_asked_in_order(users: list[str]) -> None:
    """Each question is among the stored user turns, in the order asked (found by a word the
    recogniser keeps: it may write "into a week" for "in a week")."""
    assert asked_in_order(users, KEYWORDS), users


async def ask(client: VoiceClient, question: str, expected: tuple[str, ...]) -> None:
    answer = await client.ask(question)
    assert any(w in answer for w in expected), answer


def test_a_killed_job_process_is_replaced_and_the_call_goes_on_ten_times(
    state_dir: Path,
) -> None:
    async def call() -> tuple[list[Trial], str]:
        client = VoiceClient()
        await client.connect(BACKEND)
        trials: list[Trial] = []
        killed: set[int] = set()
        try:
            await client.wait_greeting(timeout=120)
            await client.turn(FACT.text, FACT.pcm(), timeout=90)
            said_last = FACT
            for question in AFTER_KILLS:
                trial = await kill_trial(
                    client,
                    state_dir,
                    said_last=said_last,
                    then_ask=question,
                    killed=killed,
                    recover_timeout_s=60,
                    answer_timeout_s=90,
                )
                trials.append(trial)
                said_last = question
                if not (trial.recovered and trial.answered):
                    break  # the call is lost: the assertions below say how
            return trials, client.room.name
        finally:
            await client.close()

    trials, room = asyncio.run(call())
    took = [t.kill_to_speech_s for t in trials]
    shown = ", ".join("never" if t is None else f"{t:.2f}" for t in took)
    print(f"recovery: kill -9 to the new agent's first audio: {shown} s")
    for t in trials:
        print(f"  first line {t.first_line!r}; answer {t.answer!r}")
    assert len(trials) == KILLS and all(t.recovered for t in trials), took
    for t in trials:
        # each new agent remembered what was said before it, and answered the next question
        assert t.history_kept, t.first_line
        assert t.answered, t
    # the last answer needs what was said before the first crash (the small local model's
    # general knowledge is not under test here: "the closest planet to the sun is Mars")
    assert trials[-1].on_topic, trials[-1].answer
    # nothing said before a crash was lost: every question is stored, in order
    asked = [FACT.keyword, *(q.keyword for q in AFTER_KILLS)]
    deadline = time.monotonic() + 15  # the last turn's write may still be on its way
    while True:
        users = [text for role, text in stored_messages(BACKEND, room) if role == "user"]
        if asked_in_order(users, asked) or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert asked_in_order(users, asked), users


def wait_stored(room: str, questions: list[str], timeout_s: float) -> list[tuple[str, str]]:
    """The room's messages once every question and an answer after the last are stored."""
    deadline = time.monotonic() + timeout_s
    while True:
        messages = stored_messages(BACKEND, room)
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
            took, line = await hear_back(client, worker.kill, 90)
            assert took is not None, "no agent came back"
            seconds = took
            await client.wait_quiet(timeout=30)
            await ask(client, *TURNS[1])
            return seconds, line
        finally:
            await client.close()

    seconds, line = asyncio.run(call())
    print(f"recovery: worker kill -9 to the new agent's first audio: {seconds:.2f} s")
    assert "France" in line, line
