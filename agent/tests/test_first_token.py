"""The first-token timeout: a provider that says nothing in time fails the request (so the
chain moves on); one that answers in time streams through unchanged."""

from __future__ import annotations

import asyncio

import pytest
from livekit.agents import APIConnectOptions, APITimeoutError, llm
from test_session import ScriptedLLM
from voice_agent.providers.first_token import FirstTokenTimeoutLLM

pytestmark = pytest.mark.unit


class SilentLLM(llm.LLM):
    """Sends the role chunk, then nothing: a provider stalled before its first token."""

    def chat(self, *, chat_ctx: llm.ChatContext, tools=None, conn_options=None, **_: object):  # type: ignore[no-untyped-def, override]
        return _Stalled(self, chat_ctx=chat_ctx, tools=[], conn_options=conn_options)


class _Stalled(llm.LLMStream):
    async def _run(self) -> None:
        self._event_ch.send_nowait(
            llm.ChatChunk(id="s", delta=llm.ChoiceDelta(role="assistant", content=""))
        )
        await asyncio.Event().wait()


def _ctx() -> llm.ChatContext:
    ctx = llm.ChatContext.empty()
    ctx.add_message(role="user", content="Hello?")
    return ctx


async def test_a_stalled_provider_fails_with_a_timeout() -> None:
    wrapped = FirstTokenTimeoutLLM(SilentLLM(), timeout_s=0.2, name="openai")
    once = APIConnectOptions(max_retry=0)  # in a chain, the FallbackAdapter's setting
    with pytest.raises(APITimeoutError, match="no first token"):
        async with wrapped.chat(chat_ctx=_ctx(), conn_options=once) as stream:
            async for _ in stream:
                pass


async def test_a_prompt_provider_streams_through_with_its_model_and_metrics() -> None:
    inner = ScriptedLLM("Hello there friend.")
    wrapped = FirstTokenTimeoutLLM(inner, timeout_s=5.0, name="local")
    seen: list[object] = []
    wrapped.on("metrics_collected", seen.append)
    async with wrapped.chat(chat_ctx=_ctx()) as stream:
        text = (await stream.collect()).text
    await asyncio.sleep(0)  # let the metrics task report
    assert text.strip() == "Hello there friend."
    assert (wrapped.model, wrapped.provider) == (inner.model, inner.provider)
    assert wrapped.label.startswith("local:")
    assert len(seen) == 1  # the inner stream's metrics, once (not again by the wrapper)
