"""Re-dispatch after a job process died (recovery.py), without a server: the dispatch
metadata, the new agent's first line, and the framework hook it relies on."""

from __future__ import annotations

import asyncio
import inspect
import json
from types import SimpleNamespace

import pytest
from livekit.agents import AgentServer, llm, utils
from livekit.agents.ipc.job_executor import JobStatus
from livekit.agents.ipc.proc_pool import ProcPool
from voice_agent.assistant import Assistant
from voice_agent.recovery import JobRecovery, is_resume, replaced_agents, resume_metadata
from voice_agent.settings import AgentSettings

pytestmark = pytest.mark.unit


def test_the_resumed_dispatch_keeps_the_old_metadata() -> None:
    old = json.dumps({"conversation_id": "c1", "persona": "tutor"})
    assert json.loads(resume_metadata(old)) == {
        "conversation_id": "c1",
        "persona": "tutor",
        "resume": True,
    }
    assert is_resume(resume_metadata(old))
    assert json.loads(resume_metadata(None)) == {"resume": True}
    assert json.loads(resume_metadata("not json")) == {"resume": True}


@pytest.mark.parametrize("metadata", [None, "", "{}", '{"resume": "yes"}', "[1]", "oops"])
def test_only_a_marked_dispatch_is_a_resumption(metadata: str | None) -> None:
    assert not is_resume(metadata)


def _history(*user_lines: str) -> llm.ChatContext:
    ctx = llm.ChatContext()
    for line in user_lines:
        ctx.add_message(role="user", content=line)
        ctx.add_message(role="assistant", content="Sure.")
    return ctx


def test_the_new_agent_says_it_lost_the_user_and_what_they_said() -> None:
    settings = AgentSettings()
    agent = Assistant(
        settings, chat_ctx=_history("Hi", "What is the capital of France?"), resumed=True
    )
    assert (
        agent.greeting
        == "Sorry, I lost you for a moment. You were saying: What is the capital of France?"
    )
    long = Assistant(settings, chat_ctx=_history(" ".join(["word"] * 30)), resumed=True)
    assert long.greeting.endswith(" ".join(["word"] * 12) + "…")
    fresh = Assistant(settings, resumed=True)
    assert fresh.greeting == settings.resume_greeting_no_history
    assert Assistant(settings, chat_ctx=_history("Hi")).greeting == settings.returning_greeting


def test_a_resume_template_with_other_placeholders_is_refused() -> None:
    with pytest.raises(ValueError, match=r"only the placeholder \{last\}"):
        AgentSettings(resume_greeting="Sorry {name}")


def test_the_framework_still_has_the_process_closed_hook() -> None:
    # livekit-agents 1.8.9 has no public "job ended" event: recovery listens on the pool the
    # server makes when it runs. An upgrade that moves it must fail here, not silently stop
    # recovering calls.
    assert "self._proc_pool = ipc.proc_pool.ProcPool(" in inspect.getsource(AgentServer.run)
    assert issubclass(ProcPool, utils.EventEmitter)
    assert 'self.emit("process_closed", proc)' in inspect.getsource(ProcPool)


class _Dispatches:
    def __init__(self) -> None:
        self.rooms: list[str] = []

    async def create_dispatch(self, request: object) -> None:
        self.rooms.append(request.room)  # type: ignore[attr-defined]


def test_a_room_is_recovered_at_most_the_configured_times_then_the_user_is_told(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AGENT_RECOVERY__MAX_ATTEMPTS", "4")
    settings = AgentSettings()
    recovery = JobRecovery(AgentServer(), settings)
    dispatches = _Dispatches()
    told: list[str] = []

    async def present(_room: str) -> bool:
        return True

    async def tell(room: str) -> None:
        told.append(room)

    monkeypatch.setattr(recovery, "_user_present", present)
    monkeypatch.setattr(recovery, "_tell_user", tell)
    monkeypatch.setattr(recovery, "_client", lambda: type("C", (), {"agent_dispatch": dispatches}))

    async def crashes() -> list[bool]:
        return [await recovery.redispatch("r1", "{}") for _ in range(5)]

    assert asyncio.run(crashes()) == [True, True, True, True, False]
    assert dispatches.rooms == ["r1"] * 4 and told == ["r1"]
    assert asyncio.run(recovery.redispatch("r2", None))  # another room has its own count


class _Proc:
    def __init__(self, status: JobStatus) -> None:
        self.status = status
        job = SimpleNamespace(room=SimpleNamespace(name="r1"), metadata="{}")
        accepted = SimpleNamespace(identity="agent-AJ_dead")
        self.running_job = SimpleNamespace(fake_job=False, job=job, accept_arguments=accepted)


async def test_only_a_failed_job_process_is_replaced(monkeypatch: pytest.MonkeyPatch) -> None:
    # a job that left its room to another agent (single_agent.py) exits normally: SUCCESS
    recovery = JobRecovery(AgentServer(), AgentSettings())
    rooms: list[str] = []

    async def redispatch(room: str, _metadata: str | None, *, replaces: str | None) -> bool:
        assert replaces == "agent-AJ_dead"  # the new job must not yield to its ghost
        rooms.append(room)
        return True

    monkeypatch.setattr(recovery, "redispatch", redispatch)
    recovery._on_process_closed(_Proc(JobStatus.SUCCESS))  # type: ignore[arg-type]
    recovery._on_process_closed(_Proc(JobStatus.FAILED))  # type: ignore[arg-type]
    await asyncio.sleep(0)
    assert rooms == ["r1"]


def test_a_resumption_names_the_dead_agents_it_replaces() -> None:
    first = resume_metadata('{"conversation": "c1"}', "agent-AJ_1")
    assert replaced_agents(first) == {"agent-AJ_1"}
    # the replacement dies too, before LiveKit dropped the first ghost: both are named
    second = resume_metadata(first, "agent-AJ_2")
    assert replaced_agents(second) == {"agent-AJ_1", "agent-AJ_2"}
    assert json.loads(second)["conversation"] == "c1" and is_resume(second)
    assert replaced_agents(None) == frozenset()
    assert replaced_agents('{"replaces": "not a list"}') == frozenset()
