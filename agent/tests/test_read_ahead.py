"""Reading the user's words into the local LLM's cache while they talk (read_ahead.py): the
read prompt is the reply's own up to those words, one read at a time with the newest words
next, none after the final transcript; a scripted engine stands in for the model."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import pytest
from livekit.agents import AgentSession, UserInputTranscribedEvent, llm
from voice_agent.assistant import Assistant
from voice_agent.local_models import LlamaCppLLM, LlamaOptions
from voice_agent.local_models.chat_prompt import open_user_turn
from voice_agent.read_ahead import ReadAhead
from voice_agent.settings import AgentSettings, LlmSettings, TurnSettings

pytestmark = pytest.mark.unit

SYSTEM = "You are a friendly voice assistant."


class Engine:
    """Remembers what it reads and is asked; ``gate`` (set) lets a read finish."""

    def __init__(self) -> None:
        self.options = LlamaOptions()
        self.read: list[str] = []
        self.requests: list[dict[str, Any]] = []
        self.gate = threading.Event()
        self.gate.set()
        self.fail = False
        self.tokens = {"<|im_end|>": 1.0}

    def complete(self, request: dict[str, Any], on_chunk: Any) -> None:
        self.requests.append(request)
        on_chunk({"choices": [{"delta": {"content": "Sure."}}]})

    def next_tokens(self, prompt: str, n: int) -> dict[str, float]:
        self.read.append(prompt)
        self.gate.wait(5)
        if self.fail:
            raise RuntimeError("model host gone")
        return self.tokens


async def _request(heard: str) -> llm.ChatContext:
    ctx = llm.ChatContext()
    ctx.add_message(role="system", content=SYSTEM)
    ctx.add_message(role="user", content=heard)
    return ctx


async def _settled(engine: Engine, reads: int) -> None:
    for _ in range(200):
        if len(engine.read) >= reads:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{reads} reads expected, got {engine.read}")


async def test_one_read_at_a_time_the_newest_words_next_none_after_the_final() -> None:
    engine = Engine()
    ahead = ReadAhead(LlamaCppLLM(engine=engine), _request)
    engine.gate.clear()  # the first read takes a while
    ahead.heard("What is", final=False)
    await _settled(engine, 1)
    ahead.heard("What is the", final=False)
    ahead.heard("What is the capital", final=False)  # replaces the one above
    engine.gate.set()
    await _settled(engine, 2)
    await asyncio.sleep(0.05)
    assert [p.rsplit("\n", 1)[-1] for p in engine.read] == ["What is", "What is the capital"]

    engine.gate.clear()
    ahead.heard("What is the capital of", final=False)
    await _settled(engine, 3)
    ahead.heard("What is the capital of France", final=False)
    ahead.heard("What is the capital of France?", final=True)  # the reply reads it itself
    engine.gate.set()
    await asyncio.sleep(0.1)
    assert len(engine.read) == 3
    ahead.heard("  ", final=False)  # nothing heard: nothing read
    await asyncio.sleep(0.05)
    assert len(engine.read) == 3
    await ahead.aclose()


async def test_words_read_already_are_not_read_again() -> None:
    engine = Engine()
    ahead = ReadAhead(LlamaCppLLM(engine=engine), _request)
    ahead.heard("What is the capital of France", final=False)  # while the user talks
    await _settled(engine, 1)
    await asyncio.sleep(0.05)
    ahead.heard("What is the capital of France?", final=False)  # the pause's guess
    await asyncio.sleep(0.05)
    assert len(engine.read) == 1
    assert await ahead.next_tokens(engine.read[0]) == engine.tokens  # for the judgement
    ahead.heard("What is the capital of Spain?", final=False)  # other words: read
    await _settled(engine, 2)
    await ahead.aclose()


async def test_a_failed_read_is_dropped_and_the_next_one_made() -> None:
    engine = Engine()
    engine.fail = True
    ahead = ReadAhead(LlamaCppLLM(engine=engine), _request)
    ahead.heard("Tell me", final=False)
    await _settled(engine, 1)
    await asyncio.sleep(0.05)
    engine.fail = False
    ahead.heard("Tell me.", final=False)  # the same words: read again, the last read failed
    await _settled(engine, 2)
    await ahead.aclose()


async def _greeted_then_heard(session: AgentSession, engine: Engine, words: str) -> None:
    """Past the greeting, then an interim transcript of ``words`` read ahead."""
    if session.current_speech is not None:
        await session.current_speech.wait_for_playout()
    session.emit(
        "user_input_transcribed", UserInputTranscribedEvent(transcript=words, is_final=False)
    )
    await _settled(engine, 1)


async def test_the_assistant_reads_the_words_as_its_reply_will_begin() -> None:
    engine = Engine()
    agent = Assistant(AgentSettings(instructions=SYSTEM))
    async with AgentSession(llm=LlamaCppLLM(engine=engine)) as session:
        await session.start(agent)
        # as the speculative STT's interim transcript arrives, while the user talks
        await _greeted_then_heard(session, engine, "What is the capital of")
        await session.run(user_input="What is the capital of France?")

    reply = next(r for r in engine.requests if r["max_tokens"] > 1)
    # the reply's prompt begins with what was read: llama.cpp reuses it from the cache
    whole = open_user_turn(reply["messages"])
    assert whole is not None and whole.startswith(engine.read[0])
    assert engine.read[0].endswith("<|im_start|>user\nWhat is the capital of")
    assert SYSTEM in engine.read[0] and agent.greeting in engine.read[0]


async def test_no_read_ahead_with_tools_offered() -> None:
    engine = Engine()
    settings = AgentSettings(instructions=SYSTEM, llm=LlmSettings(offer_tools=True))
    agent = Assistant(settings)
    async with AgentSession(llm=LlamaCppLLM(engine=engine)) as session:
        await session.start(agent)
        assert agent._read_ahead is None  # the tools' schema is in the reply's prompt


async def test_the_last_reads_next_tokens_are_kept_for_its_prompt_only() -> None:
    engine = Engine()
    ahead = ReadAhead(LlamaCppLLM(engine=engine), _request)
    engine.gate.clear()
    ahead.heard("What is the capital of France?", final=False)
    await _settled(engine, 1)
    prompt = engine.read[0]
    waiting = asyncio.create_task(ahead.next_tokens(prompt))  # while it is being read
    await asyncio.sleep(0.05)
    assert not waiting.done()
    engine.gate.set()
    assert await waiting == engine.tokens
    assert await ahead.next_tokens(prompt + " please") is None  # not what was read
    engine.fail = True
    ahead.heard("What is the capital of Spain?", final=False)
    await _settled(engine, 2)
    assert await ahead.next_tokens(engine.read[1]) is None  # a failed read: ask the model
    assert await ahead.next_tokens(prompt) is None  # no longer the last one
    await ahead.aclose()


async def test_the_judgement_of_words_read_ahead_asks_the_model_nothing_more() -> None:
    engine = Engine()
    engine.tokens = {" more": 0.9, "<|im_end|>": 0.001}  # the words go on: the reply is held
    agent = Assistant(AgentSettings(instructions=SYSTEM, turn=TurnSettings(detector="lm")))
    async with AgentSession(llm=LlamaCppLLM(engine=engine)) as session:
        await session.start(agent)
        # the guess made in the user's pause, then the same words as the turn's transcript
        await _greeted_then_heard(session, engine, "I would like to know.")
        assert agent._reply_hold is not None
        message = llm.ChatMessage(role="user", content=["I would like to know."])
        message.metrics = {"stopped_speaking_at": time.time()}
        agent._reply_hold.turn_completed(message)
        await session.run(user_input="I would like to know.")
        held = agent._reply_hold._until

    assert len(engine.read) == 1  # the judgement read nothing itself
    assert held is not None and held.done() and held.result() is not None  # judged unfinished
