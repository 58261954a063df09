"""An LLM wrapper that fails a request whose first token does not come in time, so a
stalled provider fails over (``FallbackAdapter``) instead of holding the turn."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterable
from typing import Any, ClassVar

from livekit.agents import DEFAULT_API_CONNECT_OPTIONS, APIConnectOptions, APITimeoutError, llm
from livekit.agents.types import NOT_GIVEN, NotGivenOr


class FirstTokenTimeoutLLM(llm.LLM[Any]):
    def __init__(self, inner: llm.LLM[Any], *, timeout_s: float, name: str) -> None:
        super().__init__()
        self.inner = inner
        self.timeout_s = timeout_s
        self._label = f"{name}:{inner.label}"  # registry name first, for logs
        inner.on("metrics_collected", self._forward_metrics)

    @property
    def model(self) -> str:
        return self.inner.model

    @property
    def provider(self) -> str:
        return self.inner.provider

    def _forward_metrics(self, *args: Any, **kwargs: Any) -> None:
        self.emit("metrics_collected", *args, **kwargs)

    def chat(
        self,
        *,
        chat_ctx: llm.ChatContext,
        tools: list[llm.Tool] | None = None,
        conn_options: APIConnectOptions = DEFAULT_API_CONNECT_OPTIONS,
        parallel_tool_calls: NotGivenOr[bool] = NOT_GIVEN,
        tool_choice: NotGivenOr[llm.ToolChoice] = NOT_GIVEN,
        extra_kwargs: NotGivenOr[dict[str, Any]] = NOT_GIVEN,
    ) -> llm.LLMStream:
        return _FirstTokenStream(
            self,
            chat_ctx=chat_ctx,
            tools=tools or [],
            conn_options=conn_options,
            options={
                "parallel_tool_calls": parallel_tool_calls,
                "tool_choice": tool_choice,
                "extra_kwargs": extra_kwargs,
            },
        )

    def prewarm(self, *, loop: asyncio.AbstractEventLoop | None = None) -> None:
        self.inner.prewarm(loop=loop)

    async def aclose(self) -> None:
        self.inner.off("metrics_collected", self._forward_metrics)
        await self.inner.aclose()


class _FirstTokenStream(llm.LLMStream):
    # the wrapped stream has its own spans and metrics
    _llm_attempt_span_name: ClassVar[str | None] = None
    _genai_operation_name: ClassVar[str | None] = None

    def __init__(
        self,
        wrapper: FirstTokenTimeoutLLM,
        *,
        chat_ctx: llm.ChatContext,
        tools: list[llm.Tool],
        conn_options: APIConnectOptions,
        options: dict[str, Any],
    ) -> None:
        super().__init__(wrapper, chat_ctx=chat_ctx, tools=tools, conn_options=conn_options)
        self._wrapper = wrapper
        self._options = options

    async def _run(self) -> None:
        wrapper = self._wrapper
        # retries belong to this stream (or the chain around it), not to both
        inner_options = dataclasses.replace(self._conn_options, max_retry=0)
        async with wrapper.inner.chat(
            chat_ctx=self._chat_ctx, tools=self._tools, conn_options=inner_options, **self._options
        ) as stream:
            chunks = aiter(stream)
            deadline = asyncio.get_running_loop().time() + wrapper.timeout_s
            while True:  # until the first chunk with content or a tool call
                left = deadline - asyncio.get_running_loop().time()
                try:
                    chunk = await asyncio.wait_for(anext(chunks), timeout=max(left, 0.0))
                except StopAsyncIteration:
                    return
                except TimeoutError:
                    raise APITimeoutError(
                        f"no first token within {wrapper.timeout_s}s", retryable=True
                    ) from None
                self._event_ch.send_nowait(chunk)
                if chunk.has_response():
                    break
            async for chunk in chunks:
                self._event_ch.send_nowait(chunk)

    async def _metrics_monitor_task(self, event_aiter: AsyncIterable[llm.ChatChunk]) -> None:
        async for _ in event_aiter:  # the wrapped LLM reports the metrics
            pass
