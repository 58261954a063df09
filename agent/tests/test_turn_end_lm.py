"""``AGENT_TURN__DETECTOR=lm``: the prompt (the reply's own, stopped on the user's words),
the probability read from it, the judge's answers, the reply's hold, and the assistant asking
the judgement just before the reply, with a scripted engine standing in for the model
(test_turn_end_lm_model.py asks the real one)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterable, AsyncIterator
from typing import Any

import pytest
from livekit import rtc
from livekit.agents import AgentSession, llm
from voice_agent.assistant import Assistant
from voice_agent.local_models import LlamaCppLLM, LlamaOptions
from voice_agent.local_models.chat_prompt import open_user_turn
from voice_agent.settings import AgentSettings, TurnSettings
from voice_agent.turn_detection import turn_detection
from voice_agent.turn_end_lm import ReplyHold, TurnEndJudge, end_probability, turn_end_judge
from voice_agent.unfinished_words import UnfinishedWordsDetector

pytestmark = pytest.mark.unit

SYSTEM = "You are a friendly voice assistant."


class ScriptedEngine:
    """Scores every prompt with ``tokens`` and answers every request with ``reply``;
    remembers both, in order."""

    def __init__(
        self, tokens: dict[str, float], *, delay_s: float = 0.0, reply: str = "Sure."
    ) -> None:
        self.options = LlamaOptions()
        self.tokens = tokens
        self.reply = reply
        self.delay = threading.Event()
        self.delay_s = delay_s
        self.calls: list[tuple[str, Any]] = []

    def complete(self, request: dict[str, Any], on_chunk: Any) -> None:
        self.calls.append(("chat", request))
        on_chunk({"choices": [{"delta": {"content": self.reply}}]})

    def next_tokens(self, prompt: str, n: int) -> dict[str, float]:
        self.calls.append(("score", prompt))
        self.delay.wait(self.delay_s)
        return self.tokens

    @property
    def prompts(self) -> list[str]:
        return [prompt for kind, prompt in self.calls if kind == "score"]


def judge(engine: ScriptedEngine, timeout_s: float = 1.0) -> TurnEndJudge:
    return TurnEndJudge(LlamaCppLLM(engine=engine), threshold=0.01, timeout_s=timeout_s)


def chat(*turns: tuple[str, str]) -> llm.ChatContext:
    ctx = llm.ChatContext()
    ctx.add_message(role="system", content=SYSTEM)
    for role, text in turns:
        ctx.add_message(role=role, content=text)  # type: ignore[arg-type]
    return ctx


def test_the_prompt_is_the_conversation_stopped_on_the_users_words() -> None:
    messages = [
        {"role": "system", "content": SYSTEM},
        {"role": "assistant", "content": "What is your name?"},
        {"role": "user", "content": "John."},
    ]
    assert open_user_turn(messages) == (
        f"<|im_start|>system\n{SYSTEM}<|im_end|>\n"
        "<|im_start|>assistant\nWhat is your name?<|im_end|>\n"
        "<|im_start|>user\nJohn"
    )
    messages[-1]["content"] = "What is the capital of? "
    assert (open_user_turn(messages) or "").endswith("user\nWhat is the capital of")


@pytest.mark.parametrize(
    "messages",
    [
        [],
        [{"role": "user", "content": "Hi"}],  # no system prompt: the template adds its own
        [{"role": "system", "content": SYSTEM}, {"role": "assistant", "content": "Hi"}],
        [{"role": "system", "content": SYSTEM}, {"role": "user", "content": " ?"}],
        [
            {"role": "system", "content": SYSTEM},
            {"role": "assistant", "content": None, "tool_calls": [{"id": "1"}]},
            {"role": "tool", "content": "It's noon.", "tool_call_id": "1"},
            {"role": "user", "content": "Thanks"},
        ],
        [
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]},
        ],
    ],
)
def test_what_is_not_plain_text_or_has_no_words_is_not_rendered(
    messages: list[dict[str, Any]],
) -> None:
    assert open_user_turn(messages) is None


def test_the_end_is_the_message_ending_or_a_sentence_mark_next() -> None:
    tokens = {"?": 0.5, "?\n": 0.2, "<|im_end|>": 0.1, " France": 0.1, "...": 0.05}
    assert end_probability(tokens) == pytest.approx(0.8)
    assert end_probability({" France": 0.9}) == 0.0


async def test_a_likely_end_is_finished_and_an_unlikely_one_is_not() -> None:
    ends = judge(ScriptedEngine({"?": 0.87}))
    goes_on = judge(ScriptedEngine({" more": 0.6, ".": 0.004}))
    ctx = chat(("assistant", "Hi! How can I help?"), ("user", "I would like to know."))

    assert await ends.probability(ctx) == pytest.approx(0.87)
    assert await goes_on.probability(ctx) < goes_on.threshold


async def test_words_that_cannot_end_a_sentence_are_unfinished_without_the_model() -> None:
    engine = ScriptedEngine({"?": 0.9})
    assert await judge(engine).probability(chat(("user", "What is the capital of?"))) == 0
    assert engine.calls == []


async def test_a_slow_or_failing_model_leaves_the_turn_finished() -> None:
    slow = ScriptedEngine({" more": 1.0}, delay_s=2.0)
    assert await judge(slow, timeout_s=0.05).probability(chat(("user", "I want"))) == 1.0
    slow.delay.set()

    class Broken(ScriptedEngine):
        def next_tokens(self, prompt: str, n: int) -> dict[str, float]:
            raise ConnectionError("host gone")

    assert await judge(Broken({})).probability(chat(("user", "I want"))) == 1.0


async def test_no_user_words_or_no_plain_text_is_finished_without_the_model() -> None:
    engine = ScriptedEngine({" more": 1.0})
    assert await judge(engine).probability(chat(("assistant", "Hi"))) == 1.0
    assert await judge(engine).probability(chat(("user", "  "))) == 1.0
    no_system = llm.ChatContext()
    no_system.add_message(role="user", content="I want")
    assert await judge(engine).probability(no_system) == 1.0
    assert engine.calls == []


def test_the_judge_needs_the_local_llm_without_tools_english_and_the_lm_detector() -> None:
    settings = AgentSettings(turn=TurnSettings(detector="lm", lm_threshold=0.02))
    local = LlamaCppLLM(engine=ScriptedEngine({}))
    found = turn_end_judge(settings, local)
    assert found is not None and found.threshold == 0.02
    assert turn_end_judge(settings, local, "en-GB") is not None
    assert turn_end_judge(settings, local, "de") is None
    assert turn_end_judge(settings, None) is None
    assert turn_end_judge(AgentSettings(turn=TurnSettings(detector="words")), local) is None
    # offered tools are written into the reply's prompt, which the judgement must match
    with_tools = settings.model_copy(
        update={"llm": settings.llm.model_copy(update={"offer_tools": True})}
    )
    assert turn_end_judge(with_tools, local) is None
    # the turn itself ends as with words
    assert isinstance(turn_detection(settings), UnfinishedWordsDetector)


async def frames(n: int) -> AsyncIterator[rtc.AudioFrame]:
    for _ in range(n):
        yield rtc.AudioFrame.create(16000, 1, 160)


def user(text: str, stopped_at: float) -> llm.ChatMessage:
    message = llm.ChatMessage(role="user", content=[text])
    message.metrics = {"stopped_speaking_at": stopped_at}
    return message


async def _collect(iterable: AsyncIterable[rtc.AudioFrame]) -> list[rtc.AudioFrame]:
    return [f async for f in iterable]


async def test_a_reply_to_unfinished_words_waits_until_the_user_was_silent_max_delay() -> None:
    hold = ReplyHold(judge(ScriptedEngine({" more": 0.9})), max_delay_s=0.4)
    stopped = time.time()
    said = user("I would like to know.", stopped)
    hold.turn_completed(said)
    gated = hold.gate(frames(3))  # the reply's audio path may open before its text is asked
    await hold.decide(chat(("assistant", "Hi!"), ("user", "I would like to know.")))
    out = await _collect(gated)
    assert len(out) == 3  # every frame, none dropped
    assert time.time() - stopped >= 0.4


async def test_a_reply_to_finished_words_or_of_no_model_is_not_held() -> None:
    hold = ReplyHold(judge(ScriptedEngine({"?": 0.9})), max_delay_s=30)
    hold.turn_completed(user("What is the capital of France?", time.time()))
    await hold.decide(chat(("user", "What is the capital of France?")))
    assert len(await asyncio.wait_for(_collect(hold.gate(frames(2))), 5)) == 2

    unsure = ReplyHold(judge(ScriptedEngine({" more": 0.9})), max_delay_s=30)
    unsure.turn_completed(user("What time is it", time.time()))
    await unsure.decide(None)  # answered from the clock, not by the model
    assert len(await asyncio.wait_for(_collect(unsure.gate(frames(1))), 5)) == 1


async def test_only_the_reply_after_a_voice_turn_is_held_and_never_waits_undecided() -> None:
    engine = ScriptedEngine({" more": 0.9})
    hold = ReplyHold(judge(engine), max_delay_s=30)
    # the greeting or a typed message's reply has no voice turn before it
    await hold.decide(chat(("user", "I want to know")))
    assert engine.calls == []
    assert len(await asyncio.wait_for(_collect(hold.gate(frames(2))), 5)) == 2
    # audio that starts before any verdict is not the judged reply's: it plays
    hold.turn_completed(user("I want to know", time.time()))
    assert len(await asyncio.wait_for(_collect(hold.gate(frames(1))), 5)) == 1


async def test_a_turn_whose_reply_never_came_does_not_hold_the_next() -> None:
    hold = ReplyHold(judge(ScriptedEngine({"?": 0.9})), max_delay_s=30)
    hold.turn_completed(user("I would like", time.time()))
    first = hold.gate(frames(1))
    hold.turn_completed(user("I would like to know the weather.", time.time()))
    assert len(await asyncio.wait_for(_collect(first), 5)) == 1  # released, not left waiting
    await hold.decide(chat(("user", "I would like to know the weather.")))
    assert len(await asyncio.wait_for(_collect(hold.gate(frames(1))), 5)) == 1


async def test_the_assistant_judges_the_replys_own_prompt_just_before_asking_it() -> None:
    settings = AgentSettings(instructions=SYSTEM, turn=TurnSettings(detector="lm"))
    engine = ScriptedEngine({" more": 0.9}, reply="Sure, what would you like to know?")
    agent = Assistant(settings)
    async with AgentSession(llm=LlamaCppLLM(engine=engine)) as session:
        await session.start(agent)
        if session.current_speech is not None:  # the greeting
            await session.current_speech.wait_for_playout()
        assert agent._reply_hold is not None
        # as the framework does at the end of a voice turn (long silent already: no wait)
        agent._reply_hold.turn_completed(user("I would like to know.", time.time() - 60))
        await session.run(user_input="I would like to know.")

    scored = [i for i, (kind, _) in enumerate(engine.calls) if kind == "score"]
    assert len(scored) == 1
    prompt = engine.calls[scored[0]][1]
    kind, request = engine.calls[scored[0] + 1]  # the reply, asked right after
    assert kind == "chat" and request["max_tokens"] > 1
    # the reply's prompt begins with the judgement's: llama.cpp reuses it from the cache
    assert prompt == open_user_turn(request["messages"])
    assert prompt.endswith("<|im_start|>user\nI would like to know")
