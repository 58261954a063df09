"""A long conversation never outgrows the LLM's context: the assistant fits every request and
every prefill to the window, a rejoin reloads at most a window of history, and a request the
model refuses for its length does not make every later one fail."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from backend_helpers import in_process_client, new_room
from livekit.agents import DEFAULT_API_CONNECT_OPTIONS, AgentSession, APIStatusError, llm
from test_session import ScriptedLLM, _ScriptedStream
from voice_agent.assistant import Assistant
from voice_agent.context_window import ContextWindow, prompt_tokens
from voice_agent.persistence import load_history
from voice_agent.settings import AgentSettings
from voice_agent.tools import MemoryNotes

pytestmark = pytest.mark.unit

PERSONA = "You are a patient tutor. Answer in one or two short spoken sentences."
T0 = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)


def _question(i: int) -> str:
    return f"Question {i}: what else should I know about the planets and the moons around them?"


def _answer(i: int) -> str:
    return f"Answer {i}: the outer planets have many moons, and some of them may hold water."


def hundred_turns() -> llm.ChatContext:
    ctx = llm.ChatContext.empty()
    for i in range(100):
        ctx.add_message(role="user", content=_question(i), created_at=1000.0 + 2 * i)
        ctx.add_message(role="assistant", content=_answer(i), created_at=1001.0 + 2 * i)
    return ctx


def budget(settings: AgentSettings) -> int:
    window = ContextWindow.from_settings(settings)
    return window.tokens - window.reply_tokens


async def _start(session: AgentSession, agent: Assistant) -> None:
    await session.start(agent)
    if session.current_speech is not None:  # the greeting
        await session.current_speech.wait_for_playout()


async def test_a_hundred_turns_of_history_still_get_an_answer_within_the_window() -> None:
    settings = AgentSettings(instructions=PERSONA, llm={"n_ctx": 1024})
    notes = MemoryNotes()
    await notes.add("my cat is called Tom")
    scripted = ScriptedLLM("Mars has two small moons.")
    history = hundred_turns()
    assert prompt_tokens(history) > 4 * settings.llm.n_ctx  # far more than the model holds
    async with AgentSession(llm=scripted) as session:
        await _start(session, Assistant(settings, chat_ctx=history, notes=notes))
        result = await session.run(user_input="How many moons does Mars have?")
    assert result.events[-1].item.text_content.strip() == "Mars has two small moons."
    [seen] = scripted.seen
    assert prompt_tokens(seen) <= budget(settings)
    texts = [m.text_content or "" for m in seen.messages()]
    assert texts[0] == PERSONA
    assert "my cat is called Tom" in texts[-2]  # the notes line, just before the question
    assert texts[-1] == "How many moons does Mars have?"
    assert _answer(99) in texts and _question(0) not in texts


async def test_typed_and_spoken_turns_alike_stay_within_the_window() -> None:
    settings = AgentSettings(llm={"n_ctx": 1024})
    scripted = ScriptedLLM("Sure, " + "and so on " * 30)
    async with AgentSession(llm=scripted) as session:
        await _start(session, Assistant(settings))
        for i in range(40):  # session.run is the path typed text takes (no turn hook)
            await session.run(user_input=_question(i))
    assert all(prompt_tokens(ctx) <= budget(settings) for ctx in scripted.seen)
    assert len(scripted.seen[-1].items) < len(session.history.items)  # old turns went


class PrefillingLLM(ScriptedLLM):
    """Logs, in order, the contexts the assistant prefills (as the local LLM would cache
    them) and those it asks for replies."""

    def __init__(self, reply: str) -> None:
        super().__init__(reply)
        self.log: list[tuple[str, llm.ChatContext]] = []

    async def prefill(self, chat_ctx: llm.ChatContext, tools: list[llm.Tool] | None = None) -> None:
        self.log.append(("prefill", chat_ctx.copy()))

    def chat(self, *, chat_ctx: llm.ChatContext, **kwargs: Any):  # type: ignore[no-untyped-def, override]
        self.log.append(("chat", chat_ctx.copy()))
        return super().chat(chat_ctx=chat_ctx, **kwargs)


def _texts(ctx: llm.ChatContext) -> list[tuple[str, str]]:
    return [(m.role, (m.text_content or "").strip()) for m in ctx.messages()]


async def test_the_prefill_after_a_reply_is_the_start_of_the_next_request() -> None:
    settings = AgentSettings(llm={"n_ctx": 1024})
    model = PrefillingLLM("The rings are made of ice and rock.")
    async with AgentSession(llm=model) as session:
        agent = Assistant(settings, chat_ctx=hundred_turns())
        await _start(session, agent)
        for i in range(12):
            if agent._prefill_task is not None:
                await agent._prefill_task  # as a user takes a moment to answer
            await session.run(user_input=f"Tell me about ring number {i}.")
    pairs = [
        (before, after)
        for (kind, before), (next_kind, after) in zip(model.log, model.log[1:], strict=False)
        if (kind, next_kind) == ("prefill", "chat")
    ]
    assert len(pairs) == 12  # the greeting's, then one after each reply
    for prefilled, request in pairs:
        # the request is the prefilled context and the user's new words, cut at one place
        assert _texts(request)[:-1] == _texts(prefilled)
        assert prompt_tokens(request) <= budget(settings)
    # and the cut did move while the conversation grew (in chunks, not every turn)
    firsts = {_texts(request)[1] for _, request in pairs}
    assert 1 < len(firsts) < 12


async def test_a_rejoin_after_a_hundred_turns_reloads_a_window_and_answers(
    backend_app: Any,
) -> None:
    settings = AgentSettings(llm={"n_ctx": 1024})
    client = in_process_client(backend_app)
    room = await new_room(backend_app)
    for i in range(100):
        at = T0 + dt.timedelta(seconds=10 * i)
        await client.put_message(room, f"u{i}", role="user", text=_question(i), created_at=at)
        later = at + dt.timedelta(seconds=5)
        await client.put_message(room, f"a{i}", role="assistant", text=_answer(i), created_at=later)
    history = await load_history(client, room, keep_tokens=settings.llm.context_window)
    assert history is not None
    assert prompt_tokens(history) <= settings.llm.context_window + 16
    assert history.messages()[-1].text_content == _answer(99)
    scripted = ScriptedLLM("Welcome back; Jupiter has the most moons.")
    async with AgentSession(llm=scripted) as session:
        await _start(session, Assistant(settings, chat_ctx=history))
        result = await session.run(user_input="Which planet has the most moons?")
    assert "Jupiter" in result.events[-1].item.text_content
    [seen] = scripted.seen
    assert prompt_tokens(seen) <= budget(settings)


class ShortWindowLLM(ScriptedLLM):
    """A model whose real window is smaller than the estimate allows (as llama.cpp refuses a
    prompt longer than its context: HTTP 400, not retried)."""

    def __init__(self, reply: str, *, refuse_over: int) -> None:
        super().__init__(reply)
        self.refuse_over = refuse_over

    def chat(self, *, chat_ctx: llm.ChatContext, tools=None, conn_options=None, **_: object):  # type: ignore[no-untyped-def, override]
        self.seen.append(chat_ctx.copy())
        if prompt_tokens(chat_ctx) > self.refuse_over:
            raise APIStatusError("request exceeds the available context size", status_code=400)
        return _ScriptedStream(
            self, chat_ctx=chat_ctx, tools=tools or [], conn_options=DEFAULT_API_CONNECT_OPTIONS
        )


async def test_a_request_refused_for_its_length_does_not_fail_every_later_turn() -> None:
    settings = AgentSettings(instructions=PERSONA)
    # a model that holds less than the estimate lets through
    model = ShortWindowLLM("Saturn has the most known moons.", refuse_over=1500)
    async with AgentSession(llm=model) as session:
        await _start(session, Assistant(settings, chat_ctx=hundred_turns()))
        first = await session.run(user_input="Which planet has the most moons?")
        second = await session.run(user_input="Which planet has the most moons?")
        third = await session.run(user_input="And the largest moon?")
    assert prompt_tokens(model.seen[0]) > model.refuse_over
    assert first.events[-1].item.text_content.strip() == settings.apology
    assert "Saturn" in second.events[-1].item.text_content
    assert "Saturn" in third.events[-1].item.text_content
    # the persona and the newest turns are still sent after the window shrank
    texts = [m.text_content or "" for m in model.seen[-1].messages()]
    assert texts[0] == PERSONA and texts[-1] == "And the largest moon?"
