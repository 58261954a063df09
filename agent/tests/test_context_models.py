"""The bounded context with the real local model (Qwen2.5 0.5B on llama.cpp): the token
estimate is an upper bound of its own counts, a conversation far longer than its window is
still answered, and so is the question after a 20,000-character typed message.

The model runs here with a 1,024-token window: the same code as 4,096, a quarter of the
prompt to evaluate on a shared 2-core box."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from livekit.agents import AgentSession, llm, room_io
from test_typed_input import said, settle
from voice_agent.assistant import Assistant
from voice_agent.context_window import ContextWindow, prompt_tokens
from voice_agent.local_models import LlamaCppLLM
from voice_agent.local_models.llm import build_request
from voice_agent.providers.local import llama_engine
from voice_agent.settings import AgentSettings
from voice_agent.typed_input import TypedInputGuard

pytestmark = pytest.mark.models

N_CTX = 1024


@pytest.fixture(scope="module")
def small_settings(model_dir: Path) -> AgentSettings:
    return AgentSettings(model_dir=model_dir, llm={"n_ctx": N_CTX})


@pytest.fixture(scope="module")
def local_llm(small_settings: AgentSettings) -> LlamaCppLLM:
    return LlamaCppLLM(engine=llama_engine(small_settings))


def prompt_usage(local: LlamaCppLLM, ctx: llm.ChatContext) -> dict[str, Any]:
    """llama.cpp's usage for the prompt ``ctx`` makes (one token generated)."""
    request = build_request(ctx, [], local.engine.options)
    request["max_tokens"] = 1
    usage: dict[str, Any] = {}

    def keep(chunk: dict[str, Any]) -> bool:
        usage.update(chunk.get("usage") or {})
        return False

    local.engine.complete(request, keep)
    return usage


def real_prompt_tokens(local: LlamaCppLLM, ctx: llm.ChatContext) -> int:
    """llama.cpp's own count of the prompt ``ctx`` makes."""
    return int(prompt_usage(local, ctx)["prompt_tokens"])


SAMPLES = [
    "Honestly, I have been thinking about learning the guitar, but I never find the time. "
    "Do you think thirty minutes a day would be enough to make progress within a few months?",
    "Call me at 555 123 4567 or 555-987-6543. Order #48213, total $1,249.99, PIN 0176.",
    "Grüße aus München! Die Straßenbahn fährt über die Brücke, während Jürgen Spätzle isst.",
    "我们今天去公园散步吧。天气很好，阳光明媚。你想吃什么？",
    "Great job 😀🎉👍🏽 see you 🚀🌍 tomorrow ❤️",
    "def f(x):\n    return {'a': [1, 2, 3], \"b\": x ** 2}  # comment\n\tif x != y: pass",
    "0x7fff5fbff8a8 deadbeefcafebabe SGVsbG8gV29ybGQhIFRoaXMgaXMgYSB0ZXN0IG9mIGJhc2U2NA==",
    "hahahahahahahaha that was so funny, OK OK, iPhone vs. GitHub vs. YouTube?",
]


@pytest.mark.parametrize("text", SAMPLES, ids=range(len(SAMPLES)))
def test_the_estimate_is_at_least_the_models_own_count(local_llm: LlamaCppLLM, text: str) -> None:
    ctx = llm.ChatContext.empty()
    ctx.add_message(role="system", content="You are a friendly voice assistant.")
    ctx.add_message(role="user", content=text)
    assert prompt_tokens(ctx) >= real_prompt_tokens(local_llm, ctx)


def _long_history() -> llm.ChatContext:
    ctx = llm.ChatContext.empty()
    for i in range(100):
        ctx.add_message(role="user", content=f"Tell me fact number {i} about the ocean, please.")
        ctx.add_message(
            role="assistant",
            content=f"Fact {i}: the ocean covers most of the planet and holds many living things.",
        )
    return ctx


def test_after_the_window_drops_the_oldest_turns_the_rest_comes_from_the_cache(
    small_settings: AgentSettings, local_llm: LlamaCppLLM
) -> None:
    """The cut changes the prompt right after the system prompt; llama.cpp shifts the cached
    turns that stay into place (``AGENT_LLM__CACHE_REUSE_TOKENS``) instead of evaluating the
    whole history again (8 s on 2 cores at 4,096 tokens, and 3 calls cutting at once
    stalled the soak for 35 s)."""
    window = ContextWindow.from_settings(small_settings)
    history = llm.ChatContext.empty()
    history.add_message(role="system", content="You are a friendly voice assistant.")
    fitted: list[llm.ChatContext] = []
    for i in range(100):
        history.add_message(role="user", content=f"Tell me fact number {i} about the ocean.")
        fitted.append(window.fit(history))
        if len(fitted) > 1 and len(fitted[-1].items) < len(fitted[-2].items):
            break
        history.add_message(role="assistant", content=f"Fact {i}: the ocean holds many fish.")
    before, after = fitted[-2:]
    assert len(after.items) < len(before.items), "the history never outgrew the window"
    assert after.items[1].id != before.items[1].id  # the oldest turns went
    prompt_usage(local_llm, before)
    usage = prompt_usage(local_llm, after)
    cached = usage["prompt_tokens_details"]["cached_tokens"]
    assert cached >= 0.7 * usage["prompt_tokens"], usage


async def test_a_hundred_turns_of_history_still_get_an_answer(
    small_settings: AgentSettings, local_llm: LlamaCppLLM
) -> None:
    history = _long_history()
    assert prompt_tokens(history) > 4 * N_CTX  # the whole of it would not fit the model
    async with AgentSession(llm=local_llm) as session:
        await session.start(Assistant(small_settings, chat_ctx=history))
        await settle(session)  # the greeting (and the prefill of the cut history behind it)
        result = await session.run(user_input="What is the capital of France?")
    reply = result.events[-1].item.text_content or ""
    assert "Paris" in reply
    assert small_settings.apology not in reply


async def test_a_huge_typed_message_gets_a_clear_answer_and_the_next_is_answered(
    small_settings: AgentSettings, local_llm: LlamaCppLLM
) -> None:
    guard = TypedInputGuard(small_settings.chat)
    async with AgentSession(llm=local_llm) as session:
        await session.start(Assistant(small_settings))
        await settle(session)
        huge = "Please summarise this. " + "The tide comes in and the tide goes out. " * 490
        assert len(huge) > 20_000
        await guard(session, room_io.TextInputEvent(text=huge))
        await settle(session)
        assert said(session)[-1] == (
            "assistant",
            small_settings.chat.too_long.format(max_chars=small_settings.chat.max_chars),
        )
        await guard(session, room_io.TextInputEvent(text="What is the capital of France?"))
        await settle(session)
    role, reply = said(session)[-1]
    assert role == "assistant" and "Paris" in reply
    assert small_settings.apology not in reply
