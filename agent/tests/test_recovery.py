"""Re-dispatch after a job process died (recovery.py), without a server: the dispatch
metadata, the new agent's first line, and the framework hook it relies on."""

from __future__ import annotations

import inspect
import json

import pytest
from livekit.agents import AgentServer, llm, utils
from livekit.agents.ipc.proc_pool import ProcPool
from voice_agent.assistant import Assistant
from voice_agent.recovery import is_resume, resume_metadata
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
