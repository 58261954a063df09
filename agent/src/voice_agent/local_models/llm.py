"""Qwen2.5 0.5B on llama.cpp as a LiveKit Agents LLM plugin.

The engine (``llm_engine.ChatEngine``: in this process, or the model host's over HTTP)
calls back once per streamed chunk on the calling thread. The call runs in a worker thread;
chunks cross to the event loop through a queue. Returning ``True`` from the callback stops
generation, which is how an interrupted turn frees its slot at once.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

from livekit.agents import (
    DEFAULT_API_CONNECT_OPTIONS,
    APIConnectionError,
    APIConnectOptions,
    APIError,
    APIStatusError,
    llm,
    utils,
)
from livekit.agents.llm import ToolChoice
from livekit.agents.types import NOT_GIVEN, NotGivenOr

from .chat_prompt import open_user_turn
from .llm_engine import ChatEngine, LlamaOptions
from .tool_calls import TextToolCalls, ToolCallAccumulator, only_known_args, tool_parameters

logger = logging.getLogger("voice_agent.llm")

_DONE = object()


class LlamaCppLLM(llm.LLM[Any]):
    def __init__(self, *, engine: ChatEngine) -> None:
        super().__init__()
        self._engine = engine

    @property
    def model(self) -> str:
        return "qwen2.5-coder-0.5b-instruct-q4_k_m"

    @property
    def provider(self) -> str:
        return "local"

    @property
    def engine(self) -> ChatEngine:
        return self._engine

    async def prefill(self, chat_ctx: llm.ChatContext, tools: list[llm.Tool] | None = None) -> None:
        """Evaluate ``chat_ctx`` into llama.cpp's prompt cache, so the next reply only
        evaluates the user's new words (nothing more when ``chat_ctx`` ends with them).
        The process warms up with the default instructions and greeting; a room's own
        persona, greeting or earlier history is a different prefix, which the first reply
        would otherwise evaluate in full (~0.5 s here)."""
        ctx = chat_ctx.copy()
        last = ctx.items[-1] if ctx.items else None
        if not (isinstance(last, llm.ChatMessage) and last.role == "user"):
            # an opening for the next user turn (its first tokens are the chat template's)
            ctx.add_message(role="user", content="Hi")
        request = build_request(ctx, tools or [], self._engine.options)
        request["max_tokens"] = 1
        await asyncio.to_thread(self._engine.complete, request, lambda _chunk: False)

    def open_turn_prompt(self, chat_ctx: llm.ChatContext) -> str | None:
        """The prompt of a request for ``chat_ctx`` (no tools), stopped on the user's last
        words (``chat_prompt.py``); None when the conversation is not plain text."""
        messages, _ = chat_ctx.to_provider_format("openai")
        return open_user_turn(messages)

    def chat(
        self,
        *,
        chat_ctx: llm.ChatContext,
        tools: list[llm.Tool] | None = None,
        conn_options: APIConnectOptions = DEFAULT_API_CONNECT_OPTIONS,
        parallel_tool_calls: NotGivenOr[bool] = NOT_GIVEN,
        tool_choice: NotGivenOr[ToolChoice] = NOT_GIVEN,
        extra_kwargs: NotGivenOr[dict[str, Any]] = NOT_GIVEN,
    ) -> llm.LLMStream:
        return _LlamaStream(self, chat_ctx=chat_ctx, tools=tools or [], conn_options=conn_options)


def build_request(
    chat_ctx: llm.ChatContext, tools: list[llm.Tool], options: LlamaOptions
) -> dict[str, Any]:
    messages, _ = chat_ctx.to_provider_format("openai")
    request: dict[str, Any] = {
        "messages": messages,
        "stream": True,
        "stream_options": {"include_usage": True},
        "max_tokens": options.max_tokens,
        "temperature": options.temperature,
        "seed": options.seed,
        "cache_prompt": True,
    }
    if tools:
        request["tools"] = llm.ToolContext(tools).parse_function_tools("openai")
    return request


def _engine_error(error: Any) -> APIError:
    """llama.cpp's error chunk as an APIError: a request it refuses (HTTP 4xx, e.g. longer
    than the context) is not retried, the same request would fail again."""
    code = error.get("code") if isinstance(error, dict) else None
    if isinstance(code, int) and 400 <= code < 500:
        return APIStatusError(f"llama.cpp refused the request: {error}", status_code=code)
    return APIConnectionError(f"llama.cpp error: {error}")


class _LlamaStream(llm.LLMStream):
    def __init__(
        self,
        llm_: LlamaCppLLM,
        *,
        chat_ctx: llm.ChatContext,
        tools: list[llm.Tool],
        conn_options: APIConnectOptions,
    ) -> None:
        super().__init__(llm_, chat_ctx=chat_ctx, tools=tools, conn_options=conn_options)
        self._engine = llm_.engine

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[Any] = asyncio.Queue()
        stop = threading.Event()
        request = build_request(self._chat_ctx, self._tools, self._engine.options)

        def on_chunk(chunk: Any) -> bool:
            loop.call_soon_threadsafe(queue.put_nowait, chunk)
            return stop.is_set()

        def work() -> None:
            try:
                self._engine.complete(request, on_chunk)
            except Exception as e:  # surfaced on the loop as APIConnectionError
                loop.call_soon_threadsafe(queue.put_nowait, e)
            finally:
                loop.call_soon_threadsafe(queue.put_nowait, _DONE)

        worker = loop.run_in_executor(None, work)
        tool_calls = ToolCallAccumulator()
        request_id = utils.shortuuid("llama_")
        schemas = tool_parameters(self._tools)
        text_calls = TextToolCalls(set(schemas))
        try:
            while (item := await queue.get()) is not _DONE:
                if isinstance(item, Exception):
                    raise APIConnectionError(f"llama.cpp failed: {item}") from item
                if not isinstance(item, dict):
                    continue
                if "error" in item or "code" in item and "message" in item:
                    raise _engine_error(item.get("error", item))
                for chunk in self._convert(item, request_id, tool_calls):
                    if chunk.delta is not None and chunk.delta.content:
                        content = text_calls.feed(chunk.delta.content)
                        if not content:
                            continue
                        chunk = llm.ChatChunk(
                            id=request_id, delta=llm.ChoiceDelta(role="assistant", content=content)
                        )
                    self._event_ch.send_nowait(chunk)
            calls, held = text_calls.finish()
            if held:
                self._event_ch.send_nowait(
                    llm.ChatChunk(
                        id=request_id, delta=llm.ChoiceDelta(role="assistant", content=held)
                    )
                )
            for call in [only_known_args(c, schemas) for c in [*tool_calls.finish(), *calls]]:
                self._event_ch.send_nowait(
                    llm.ChatChunk(
                        id=request_id, delta=llm.ChoiceDelta(role="assistant", tool_calls=[call])
                    )
                )
        finally:
            stop.set()
            await asyncio.shield(worker)

    @staticmethod
    def _convert(
        item: dict[str, Any], request_id: str, tool_calls: ToolCallAccumulator
    ) -> list[llm.ChatChunk]:
        out: list[llm.ChatChunk] = []
        for choice in item.get("choices") or []:
            delta = choice.get("delta") or {}
            for call in delta.get("tool_calls") or []:
                tool_calls.add(call)
            if content := delta.get("content"):
                out.append(
                    llm.ChatChunk(
                        id=request_id, delta=llm.ChoiceDelta(role="assistant", content=content)
                    )
                )
        if timings := item.get("timings"):
            # how much of the prompt came from the cache, and the speeds: counts only, no text
            logger.info(
                "llm timings",
                extra={
                    k: timings.get(k)
                    for k in ("cache_n", "prompt_n", "prompt_ms", "predicted_n", "predicted_ms")
                },
            )
        if usage := item.get("usage"):
            cached = (usage.get("prompt_tokens_details") or {}).get("cached_tokens", 0)
            out.append(
                llm.ChatChunk(
                    id=request_id,
                    usage=llm.CompletionUsage(
                        completion_tokens=usage.get("completion_tokens", 0),
                        prompt_tokens=usage.get("prompt_tokens", 0),
                        prompt_cached_tokens=cached or 0,
                        total_tokens=usage.get("total_tokens", 0),
                    ),
                )
            )
        return out
