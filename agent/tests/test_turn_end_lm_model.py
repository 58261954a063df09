"""``AGENT_TURN__DETECTOR=lm`` with the real Qwen 0.5B: sentences cut where a sentence could
end are held, finished ones (short answers included) end the turn, and the reply reuses the
prompt the judgement read. The sentences are not the bench's (bench/quality/turns.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from livekit.agents import llm
from voice_agent.local_models import LlamaCppLLM
from voice_agent.local_models.llm import build_request
from voice_agent.providers.local import llama_engine
from voice_agent.settings import AgentSettings, TurnSettings
from voice_agent.turn_end_lm import TurnEndJudge, turn_end_judge

pytestmark = pytest.mark.models

GREETING = "Hi! I'm your voice assistant. How can I help?"
CUT = [
    "Could you find me",
    "I'd love to hear",
    "What's the population",
    "Please call",
]
FINISHED = [
    "What's the population of Japan?",
    "Please call my sister.",
    "Tell me a joke.",
    "How tall is the Eiffel Tower?",
]
# (the assistant's question, the caller's short answer)
ANSWERS = [
    ("What is your name?", "Maria."),
    ("Would you like me to set a reminder?", "Yes, please."),
]


SETTINGS = AgentSettings(llm={"n_ctx": 1024}, turn=TurnSettings(detector="lm"))


@pytest.fixture(scope="module")
def model(model_dir: Path) -> LlamaCppLLM:
    return LlamaCppLLM(engine=llama_engine(SETTINGS.model_copy(update={"model_dir": model_dir})))


@pytest.fixture(scope="module")
def detector(model: LlamaCppLLM) -> TurnEndJudge:
    found = turn_end_judge(SETTINGS, model)
    assert found is not None
    # a first load can be slow on a busy box; the judgement's own timeout is for calls
    found._timeout_s = 60
    return found


def chat(*turns: tuple[str, str]) -> llm.ChatContext:
    ctx = llm.ChatContext()
    ctx.add_message(role="system", content=SETTINGS.instructions)
    for role, text in turns:
        ctx.add_message(role=role, content=text)  # type: ignore[arg-type]
    return ctx


async def p_end(detector: TurnEndJudge, previous: str, text: str) -> float:
    return await detector.probability(chat(("assistant", previous), ("user", text)))


async def test_a_sentence_cut_where_one_could_end_is_held(
    detector: TurnEndJudge,
) -> None:
    threshold = detector.threshold
    held = [t for t in CUT if await p_end(detector, GREETING, t) < threshold]
    assert held == CUT


async def test_finished_sentences_and_short_answers_end_the_turn(
    detector: TurnEndJudge,
) -> None:
    threshold = detector.threshold
    held = [t for t in FINISHED if await p_end(detector, GREETING, t) < threshold]
    held += [a for q, a in ANSWERS if await p_end(detector, q, a) < threshold]
    assert held == []


async def test_the_reply_reads_only_what_the_judgement_did_not(
    detector: TurnEndJudge, model: LlamaCppLLM
) -> None:
    ctx = chat(("assistant", GREETING), ("user", "How far away is the moon?"))
    await p_end(detector, GREETING, "How far away is the moon?")
    timings: list[dict[str, float]] = []

    def keep(chunk: dict[str, object]) -> bool:
        if isinstance(found := chunk.get("timings"), dict):
            timings.append(found)
        return False

    request = build_request(ctx, [], model.engine.options)
    request["max_tokens"] = 1
    model.engine.complete(request, keep)
    # the conversation and the user's words came from the cache: only the final mark and
    # the template's few tokens that open the reply were read
    assert timings[-1]["cache_n"] > 40
    assert timings[-1]["prompt_n"] <= 8
