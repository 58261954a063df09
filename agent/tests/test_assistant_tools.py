"""The assistant's tools in a session: deterministic answers, per-reply context, tool calls,
and the terminal console, with scripted LLMs instead of the model."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import httpx
import pytest
from backend_helpers import BASE, in_process_client
from livekit.agents import DEFAULT_API_CONNECT_OPTIONS, AgentSession, llm
from test_session import ScriptedLLM
from voice_agent import console
from voice_agent.assistant import Assistant
from voice_agent.settings import AgentSettings
from voice_agent.tools import BackendNotes, MemoryNotes, NotesUnavailable

pytestmark = pytest.mark.unit

NOW = dt.datetime(2026, 1, 2, 15, 4, tzinfo=dt.UTC)


def _clock() -> dt.datetime:
    return NOW


class ToolCallingLLM(llm.LLM):
    """Answers every request with the given tool calls (no text), and records the requests."""

    def __init__(self, *calls: tuple[str, str]) -> None:
        super().__init__()
        self.calls = calls
        self.seen: list[llm.ChatContext] = []
        self.offered: list[list[str]] = []

    def chat(self, *, chat_ctx: llm.ChatContext, tools=None, conn_options=None, **_: object):  # type: ignore[no-untyped-def, override]
        self.seen.append(chat_ctx.copy())
        self.offered.append(sorted(llm.ToolContext(tools or []).function_tools))
        return _CallStream(
            self, chat_ctx=chat_ctx, tools=tools or [], conn_options=DEFAULT_API_CONNECT_OPTIONS
        )


class _CallStream(llm.LLMStream):
    async def _run(self) -> None:
        assert isinstance(self._llm, ToolCallingLLM)
        calls = [
            llm.FunctionToolCall(name=name, arguments=args, call_id=f"call_{i}")
            for i, (name, args) in enumerate(self._llm.calls)
        ]
        self._event_ch.send_nowait(
            llm.ChatChunk(id="r", delta=llm.ChoiceDelta(role="assistant", tool_calls=calls))
        )


async def _started(session: AgentSession, agent: Assistant) -> None:
    await session.start(agent)
    if session.current_speech is not None:
        await session.current_speech.wait_for_playout()


def _said(result: Any) -> str:
    return " ".join(e.item.text_content for e in result.events if e.type == "message").strip()


async def test_remember_then_recall_without_the_llm() -> None:
    scripted = ScriptedLLM("unused")
    async with AgentSession(llm=scripted) as session:
        await _started(session, Assistant(AgentSettings(), clock=_clock))
        saved = await session.run(user_input="Remember that my cat is called Tom")
        recalled = await session.run(user_input="What did I ask you to remember?")
        time = await session.run(user_input="What time is it?")
        date = await session.run(user_input="What's the date?")
    saved.expect.next_event().is_message(role="assistant")
    saved.expect.no_more_events()
    assert "only until this session ends" in _said(saved)
    assert "Tom" in _said(recalled)
    assert _said(time) == "It's 3:04 PM."
    assert _said(date) == "Today is Friday, January 2, 2026."
    assert scripted.seen == []  # answered by the tools, no model call


async def test_notes_go_to_the_rooms_user_in_the_backend(backend_app: Any) -> None:
    client = in_process_client(backend_app)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=backend_app), base_url=BASE
    ) as c:
        room = (await c.post("/api/token", json={})).json()["room_name"]
    async with AgentSession(llm=ScriptedLLM("unused")) as session:
        await _started(session, Assistant(AgentSettings(), notes=BackendNotes(client, room)))
        saved = await session.run(user_input="Remember that my cat is called Tom.")
    assert _said(saved) == "Okay, I'll remember that your cat is called Tom."
    user = (await client.get_conversation(room)).user_id
    assert [n.text for n in await client.list_notes(user)] == ["my cat is called Tom"]

    # the next session (a rejoin) recalls it from the backend
    async with AgentSession(llm=ScriptedLLM("unused")) as session:
        await _started(session, Assistant(AgentSettings(), notes=BackendNotes(client, room)))
        recalled = await session.run(user_input="What did I ask you to remember?")
    assert _said(recalled) == "You asked me to remember that your cat is called Tom."


async def test_no_context_is_added_when_there_is_nothing_to_add() -> None:
    scripted = ScriptedLLM("Sure.")
    async with AgentSession(llm=scripted) as session:
        await _started(session, Assistant(AgentSettings(), clock=_clock))
        await session.run(user_input="Tell me about cats.")
    (seen,) = scripted.seen
    assert [m.role for m in seen.messages()][-2:] == ["assistant", "user"]


async def test_the_llm_gets_time_and_notes_for_this_reply_only() -> None:
    notes = MemoryNotes()
    for i in range(8):
        await notes.add(f"note number {i}")
    scripted = ScriptedLLM("Sure.")
    settings = AgentSettings(context_notes=3)
    async with AgentSession(llm=scripted) as session:
        agent = Assistant(settings, notes=notes, clock=_clock)
        await _started(session, agent)
        await session.run(user_input="Tell me a joke about today.")
        await session.run(user_input="Another one for this morning.")
        await session.run(user_input="Tell me about cats.")
    first, second, third = scripted.seen
    messages = first.messages()
    assert (messages[-1].role, messages[-1].text_content) == ("user", "Tell me a joke about today.")
    context = messages[-2]
    assert context.role == "system"
    assert "3:04 PM on Friday, January 2, 2026" in (context.text_content or "")
    assert "note number 7; note number 6; note number 5." in (context.text_content or "")
    assert "note number 4" not in (context.text_content or "")
    # the next reply gets a fresh one; the earlier one was not kept in the conversation
    contexts = [
        m for m in second.messages() if m.role == "system" and "It is now" in (m.text_content or "")
    ]
    assert len(contexts) == 1
    assert not any("It is now" in (m.text_content or "") for m in agent.chat_ctx.messages())
    # no time words: no time line (it would cost prompt tokens every turn), notes still there
    last_context = third.messages()[-2]
    assert last_context.role == "system"
    assert "It is now" not in (last_context.text_content or "")
    assert "note number 7" in (last_context.text_content or "")
    # the tools are offered to the model
    assert {"get_current_time", "remember_note", "recall_notes"} <= set(
        llm.ToolContext(agent.tools).function_tools
    )


def _offering() -> AgentSettings:
    return AgentSettings(llm={"offer_tools": True})


async def test_tools_are_not_offered_to_the_local_model_by_default() -> None:
    model = ToolCallingLLM()
    async with AgentSession(llm=model) as session:
        await _started(session, Assistant(AgentSettings(), clock=_clock))
        await session.run(user_input="What is the capital of France?")
    assert model.offered == [[]]


async def test_a_tool_call_is_run_and_its_output_said_without_a_second_llm_call() -> None:
    model = ToolCallingLLM(("get_current_time", "{}"))
    async with AgentSession(llm=model) as session:
        await _started(session, Assistant(_offering(), clock=_clock))
        result = await session.run(user_input="How late is it?")
    result.expect.next_event().is_function_call(name="get_current_time")
    result.expect.next_event().is_function_call_output(
        output="It's 3:04 PM on Friday, January 2, 2026."
    )
    result.expect.next_event().is_message(role="assistant")
    result.expect.no_more_events()
    assert _said(result) == "It's 3:04 PM on Friday, January 2, 2026."
    assert len(model.seen) == 1
    assert model.offered[0] == ["get_current_time", "recall_notes", "remember_note"]


async def test_only_the_first_of_several_calls_runs() -> None:
    model = ToolCallingLLM(("recall_notes", "{}"), ("remember_note", '{"text": "junk"}'))
    notes = MemoryNotes()
    async with AgentSession(llm=model) as session:
        await _started(session, Assistant(_offering(), notes=notes))
        result = await session.run(user_input="Anything saved?")
    result.expect.next_event().is_function_call(name="recall_notes")
    result.expect.next_event().is_function_call_output()
    result.expect.next_event().is_message(role="assistant")
    result.expect.no_more_events()
    assert await notes.list() == []


class _BrokenNotes:
    durable = True

    async def add(self, text: str) -> None:
        raise NotesUnavailable("I couldn't save that note right now.")

    async def list(self) -> list[str]:
        raise NotesUnavailable("I can't reach my notes right now.")


async def test_tool_errors_become_a_short_spoken_message() -> None:
    model = ToolCallingLLM(("remember_note", '{"text": "buy milk"}'))
    async with AgentSession(llm=model) as session:
        await _started(session, Assistant(_offering(), notes=_BrokenNotes()))
        result = await session.run(user_input="Put milk on my list")
        direct = await session.run(user_input="What did I ask you to remember?")
    result.expect.next_event().is_function_call(name="remember_note")
    result.expect.next_event().is_function_call_output(
        output="I couldn't save that note right now.", is_error=True
    )
    assert _said(result) == "I couldn't save that note right now."
    assert _said(direct) == "I can't reach my notes right now."


async def test_console_chats_over_stdin_and_stdout() -> None:
    stdin = io.StringIO(
        "Remember that my cat is called Tom\nWhat did I ask you to remember?\nHi\n\n"
    )
    stdout = io.StringIO()
    settings = AgentSettings(greeting="Hello from the console.")
    await console.chat(settings, ScriptedLLM("Hello, human."), stdin, stdout)
    lines = [line for line in stdout.getvalue().splitlines() if line.strip()]
    assert lines[0] == "assistant> Hello from the console."
    assert lines[1].startswith("you> assistant> Okay, I'll remember that your cat is called Tom")
    assert lines[2] == "you> assistant> You asked me to remember that your cat is called Tom."
    assert lines[3] == "you> assistant> Hello, human."


class _FakeJob:
    def __init__(self, room: str) -> None:
        self.room = type("Room", (), {"name": room})()
        self.job = type("Job", (), {"metadata": ""})()
        self.callbacks: list[Any] = []

    def add_shutdown_callback(self, callback: Any) -> None:
        self.callbacks.append(callback)


async def test_entrypoint_notes_use_the_backend_when_configured(
    backend_app: Any, backend_token: str
) -> None:
    from voice_agent import main

    off = _FakeJob("room-1")
    assert isinstance(main.start_notes(off, AgentSettings(backend_url=None)), MemoryNotes)  # type: ignore[arg-type]
    assert off.callbacks == []

    job = _FakeJob("room-2")
    settings = AgentSettings(backend_url=BASE, service_token=backend_token)
    notes = main.start_notes(
        job,  # type: ignore[arg-type]
        settings,
        transport=httpx.ASGITransport(app=backend_app),
    )
    assert isinstance(notes, BackendNotes) and notes.durable
    [close] = job.callbacks
    await close("job_shutdown")


@pytest.mark.parametrize(
    ("text", "timely"),
    [
        ("What is on today?", True),
        ("What day is it tomorrow?", True),
        ("Any plans for this weekend?", True),
        ("Is it late now?", True),
        ("What color is the sky on a clear day?", False),
        ("How many days are in a week?", False),
        ("Tell me a fun fact about cats.", False),
    ],
)
async def test_only_questions_about_the_present_get_the_time(text: str, timely: bool) -> None:
    agent = Assistant(AgentSettings(), clock=_clock)
    assert ("It is now" in await agent.reply_context(text)) is timely
