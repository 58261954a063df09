"""Prefilling the local model's prompt cache with a room's own persona and greeting."""

from __future__ import annotations

from typing import Any

import pytest
from livekit.agents import llm
from voice_agent.local_models import LlamaCppLLM
from voice_agent.local_models.llm import build_request
from voice_agent.providers.local import Providers

pytestmark = pytest.mark.models

PERSONA = (
    "You are a patient tutor who explains things simply, one idea at a time, in short "
    "spoken sentences. Never use lists or markdown."
)
GREETING = "Hi, I am your tutor. What shall we learn today?"


def timings_of(engine: Any, ctx: llm.ChatContext) -> dict[str, Any]:
    """llama.cpp's own counts for one request: cache_n tokens reused, prompt_n evaluated."""
    request = build_request(ctx, [], engine.options)
    request["max_tokens"] = 2
    last: dict[str, Any] = {}

    def keep(chunk: dict[str, Any]) -> bool:
        last.update(chunk)
        return False

    engine.complete(request, keep)
    timings: dict[str, Any] = last["timings"]
    return timings


def conversation(question: str) -> llm.ChatContext:
    ctx = llm.ChatContext()
    ctx.add_message(role="system", content=PERSONA)
    ctx.add_message(role="assistant", content=GREETING)
    ctx.add_message(role="user", content=question)
    return ctx


async def test_after_a_prefill_the_first_reply_evaluates_only_the_new_words(
    providers: Providers,
) -> None:
    local = providers.llm
    assert isinstance(local, LlamaCppLLM)
    engine = local.engine

    cold = timings_of(engine, conversation("Why is the sky blue?"))
    # the persona is new to the cache (the process warmed up with the default instructions)
    assert cold["prompt_n"] > 30

    opening = llm.ChatContext()
    opening.add_message(role="system", content=PERSONA + " Be brief.")
    opening.add_message(role="assistant", content=GREETING)
    await local.prefill(opening)
    after = conversation("Why is the sky blue?")
    after.items[0] = llm.ChatMessage(role="system", content=[PERSONA + " Be brief."])
    warm = timings_of(engine, after)
    assert warm["prompt_n"] < 20  # the question and the chat template's turn markers
    assert warm["cache_n"] > 40  # persona and greeting came from the cache
