"""``AGENT_TURN__DETECTOR=lm``: the prompt, the probability read from it, the judge's answers
and the reply's hold, with a scripted engine standing in for the model
(test_turn_end_lm_model.py asks the real one)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterable, AsyncIterator
from typing import Any

import pytest
from livekit import rtc
from livekit.agents import llm, stt
from voice_agent.local_models import LlamaCppLLM, LlamaOptions
from voice_agent.settings import AgentSettings, TurnSettings
from voice_agent.turn_detection import turn_detection
from voice_agent.turn_end_lm import (
    ReplyHold,
    TurnEndJudge,
    end_probability,
    judge_early,
    scoring_prompt,
    turn_end_judge,
)
from voice_agent.unfinished_words import UnfinishedWordsDetector

pytestmark = pytest.mark.unit


class ScriptedScorer:
    """Answers every prompt with ``tokens``; remembers the prompts."""

    def __init__(self, tokens: dict[str, float], *, delay_s: float = 0.0) -> None:
        self.options = LlamaOptions(scoring_slot=True)
        self.tokens = tokens
        self.delay = threading.Event()
        self.delay_s = delay_s
        self.prompts: list[str] = []

    def complete(self, request: dict[str, Any], on_chunk: Any) -> None:
        raise AssertionError("the detector never asks for a reply")

    def next_tokens(self, prompt: str, n: int) -> dict[str, float]:
        self.prompts.append(prompt)
        self.delay.wait(self.delay_s)
        return self.tokens


def detector(scorer: ScriptedScorer, timeout_s: float = 1.0) -> TurnEndJudge:
    return TurnEndJudge(scorer, threshold=0.01, timeout_s=timeout_s)


def chat(*turns: tuple[str, str]) -> llm.ChatContext:
    ctx = llm.ChatContext()
    for role, text in turns:
        ctx.add_message(role=role, content=text)  # type: ignore[arg-type]
    return ctx


def test_the_prompt_stops_on_the_users_words_without_their_final_mark() -> None:
    prompt = scoring_prompt("Sure. What is your name?", "John.")
    assert prompt.endswith(
        "<|im_start|>assistant\nWhat is your name?<|im_end|>\n<|im_start|>user\nJohn"
    )
    assert "Sure." not in prompt  # only the assistant's last sentence
    assert scoring_prompt(None, "What is the capital of? ").endswith("user\nWhat is the capital of")
    assert "<|im_start|>assistant" not in scoring_prompt(None, "Hi")


def test_the_end_is_the_message_ending_or_a_sentence_mark_next() -> None:
    tokens = {"?": 0.5, "?\n": 0.2, "<|im_end|>": 0.1, " France": 0.1, "...": 0.05}
    assert end_probability(tokens) == pytest.approx(0.8)
    assert end_probability({" France": 0.9}) == 0.0


async def test_a_likely_end_ends_the_turn_and_an_unlikely_one_holds_it() -> None:
    ends = detector(ScriptedScorer({"?": 0.87}))
    goes_on = detector(ScriptedScorer({" more": 0.6, ".": 0.004}))
    ctx = chat(("assistant", "Hi! How can I help?"), ("user", "I would like to know."))

    assert await ends.probability(ctx) == pytest.approx(0.87)
    assert await goes_on.probability(ctx) < goes_on.threshold


async def test_words_that_cannot_end_a_sentence_hold_without_asking_the_model() -> None:
    scorer = ScriptedScorer({"?": 0.9})
    assert await detector(scorer).probability(chat(("user", "What is the capital of?"))) == 0
    assert scorer.prompts == []


async def test_a_cut_turn_left_unanswered_is_judged_with_the_words_after_it() -> None:
    scorer = ScriptedScorer({"?": 0.9})
    ctx = chat(
        ("assistant", "Hello there. How can I help?"),
        ("user", "I would like to know."),
        ("user", "The weather in Paris."),
    )
    await detector(scorer).probability(ctx)
    heard = "I would like to know The weather in Paris"
    assert scorer.prompts[-1].endswith(f"How can I help?<|im_end|>\n<|im_start|>user\n{heard}")


async def test_a_slow_or_failing_model_leaves_the_turn_to_silence() -> None:
    slow = ScriptedScorer({" more": 1.0}, delay_s=2.0)
    assert await detector(slow, timeout_s=0.05).probability(chat(("user", "I want"))) == 1.0
    slow.delay.set()

    class Broken(ScriptedScorer):
        def next_tokens(self, prompt: str, n: int) -> dict[str, float]:
            raise ConnectionError("host gone")

    assert await detector(Broken({})).probability(chat(("user", "I want"))) == 1.0


async def test_no_user_words_is_a_finished_turn() -> None:
    scorer = ScriptedScorer({" more": 1.0})
    assert await detector(scorer).probability(chat(("assistant", "Hi"))) == 1.0
    assert await detector(scorer).probability(chat(("user", "  "))) == 1.0
    assert scorer.prompts == []


def test_the_judge_needs_the_local_llm_english_and_the_lm_detector() -> None:
    settings = AgentSettings(turn=TurnSettings(detector="lm", lm_threshold=0.02))
    local = LlamaCppLLM(engine=ScriptedScorer({}))
    judge = turn_end_judge(settings, local)
    assert judge is not None and judge.threshold == 0.02
    assert turn_end_judge(settings, local, "en-GB") is not None
    assert turn_end_judge(settings, local, "de") is None
    assert turn_end_judge(settings, None) is None
    assert turn_end_judge(AgentSettings(turn=TurnSettings(detector="words")), local) is None
    no_slot = ScriptedScorer({})
    no_slot.options = LlamaOptions()
    assert turn_end_judge(settings, LlamaCppLLM(engine=no_slot)) is None
    # the turn itself ends as with words
    assert isinstance(turn_detection(settings), UnfinishedWordsDetector)


def test_the_lm_detector_gets_a_scoring_slot_and_others_do_not() -> None:
    from voice_agent.providers.local import llama_options

    assert llama_options(AgentSettings(turn=TurnSettings(detector="lm"))).scoring_slot
    assert llama_options(AgentSettings(turn=TurnSettings(detector="lm")), slots=3).parallel == 4
    assert not llama_options(AgentSettings(turn=TurnSettings(detector="words"))).scoring_slot


async def frames(n: int) -> AsyncIterator[rtc.AudioFrame]:
    for _ in range(n):
        yield rtc.AudioFrame.create(16000, 1, 160)


def user(text: str, stopped_at: float) -> llm.ChatMessage:
    message = llm.ChatMessage(role="user", content=[text])
    message.metrics = {"stopped_speaking_at": stopped_at}
    return message


async def test_a_reply_to_unfinished_words_waits_until_the_user_was_silent_max_delay() -> None:
    hold = ReplyHold(detector(ScriptedScorer({" more": 0.9})), max_delay_s=0.4)
    stopped = time.time()
    hold.turn_completed(chat(("assistant", "Hi!")), user("I would like to know.", stopped))
    out = [f async for f in hold.gate(frames(3))]
    assert len(out) == 3  # every frame, none dropped
    assert time.time() - stopped >= 0.4


async def test_a_reply_to_finished_words_is_not_held() -> None:
    hold = ReplyHold(detector(ScriptedScorer({"?": 0.9})), max_delay_s=30)
    hold.turn_completed(
        chat(("assistant", "Hi!")), user("What is the capital of France?", time.time())
    )
    out = await asyncio.wait_for(_collect(hold.gate(frames(2))), 5)
    assert len(out) == 2


async def test_only_the_reply_after_a_turn_is_held() -> None:
    # the greeting or a typed message's reply has no turn before it
    hold = ReplyHold(detector(ScriptedScorer({" more": 0.9})), max_delay_s=30)
    assert len(await asyncio.wait_for(_collect(hold.gate(frames(2))), 5)) == 2
    hold.turn_completed(chat(), user("I want to know", time.time() - 60))  # long silent already
    assert len(await asyncio.wait_for(_collect(hold.gate(frames(1))), 5)) == 1
    assert len(await asyncio.wait_for(_collect(hold.gate(frames(1))), 5)) == 1  # used once


async def _collect(iterable: AsyncIterable[rtc.AudioFrame]) -> list[rtc.AudioFrame]:
    return [f async for f in iterable]


def final(text: str) -> stt.SpeechEvent:
    return stt.SpeechEvent(
        type=stt.SpeechEventType.FINAL_TRANSCRIPT,
        alternatives=[stt.SpeechData(language="en", text=text)],  # type: ignore[arg-type]
    )


async def test_the_judgement_starts_with_the_transcript_and_the_decision_reuses_it() -> None:
    scorer = ScriptedScorer({"?": 0.9})
    lm = detector(scorer)
    history = chat(("assistant", "Hi! How can I help?"))

    async def heard() -> AsyncIterator[stt.SpeechEvent | str]:
        yield final("I would like to know.")
        yield final("The weather in Paris.")  # the same turn, held: joined as the framework does

    passed = [e async for e in judge_early(heard(), lm, lambda: history)]
    assert len(passed) == 2  # nothing dropped
    await asyncio.sleep(0.05)
    assert scorer.prompts[-1].endswith("user\nI would like to know. The weather in Paris")
    asked = len(scorer.prompts)
    decided = chat(
        ("assistant", "Hi! How can I help?"),
        ("user", "I would like to know. The weather in Paris."),
    )
    assert await lm.probability(decided) == pytest.approx(0.9)
    assert len(scorer.prompts) == asked  # answered from the judgement already made


async def test_a_committed_turn_starts_the_words_afresh() -> None:
    scorer = ScriptedScorer({"?": 0.9})
    lm = detector(scorer)
    history = chat(("assistant", "Hi!"))

    async def heard() -> AsyncIterator[stt.SpeechEvent | str]:
        yield final("Tell me a joke.")
        history.add_message(role="user", content="Tell me a joke.")
        history.add_message(role="assistant", content="Why did the chicken cross the road?")
        yield final("Why?")

    _ = [e async for e in judge_early(heard(), lm, lambda: history)]
    await asyncio.sleep(0.05)
    assert scorer.prompts[-1].endswith("cross the road?<|im_end|>\n<|im_start|>user\nWhy")
