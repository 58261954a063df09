"""Qwen2.5 0.5B on llama.cpp (xllamacpp, in-process) as a LiveKit Agents LLM plugin.

xllamacpp runs llama.cpp's server engine inside this process and calls back once per
streamed chunk (OpenAI ``chat.completion.chunk`` dicts) on the calling thread. The call runs
in a worker thread; chunks cross to the event loop through a queue. Returning ``True`` from
the callback stops generation, which is how an interrupted turn frees the model at once.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from livekit.agents import (
    DEFAULT_API_CONNECT_OPTIONS,
    APIConnectionError,
    APIConnectOptions,
    llm,
    utils,
)
from livekit.agents.llm import ToolChoice
from livekit.agents.types import NOT_GIVEN, NotGivenOr

_DONE = object()


@dataclass(frozen=True, slots=True)
class LlamaOptions:
    n_ctx: int = 4096
    n_threads: int = 2
    max_tokens: int = 120
    temperature: float = 0.2
    seed: int = 42  # fixed: the same conversation gets the same reply (reproducible tests)


class LlamaEngine:
    """One loaded model, shared by every stream of the process (thread-safe in llama.cpp)."""

    def __init__(self, model_path: Path, options: LlamaOptions) -> None:
        self.model_path = model_path
        self.options = options
        self._server: Any = None
        self._lock = threading.Lock()

    def load(self) -> Any:
        with self._lock:
            if self._server is None:
                import xllamacpp

                params = xllamacpp.CommonParams()
                params.model.path = str(self.model_path)
                params.n_ctx = self.options.n_ctx
                params.n_parallel = 1
                params.cpuparams.n_threads = self.options.n_threads
                params.cpuparams_batch.n_threads = self.options.n_threads
                params.verbosity = -1
                self._server = xllamacpp.Server(params)
            return self._server

    def warm_up(self, system_prompt: str, greeting: str | None = None) -> None:
        """Load the weights and put the conversation's fixed start in the KV cache.

        Every request starts with the system prompt (then the spoken greeting), and llama.cpp
        reuses the longest cached prefix, so the first user turn only evaluates its own words.
        """
        opening = [{"role": "assistant", "content": greeting}] if greeting else []
        request = {
            "messages": [
                {"role": "system", "content": system_prompt},
                *opening,
                {"role": "user", "content": "Hi"},
            ],
            "stream": True,
            "max_tokens": 1,
            "cache_prompt": True,
        }
        self.complete(request, lambda _chunk: False)

    def complete(self, request: dict[str, Any], on_chunk: Any) -> None:
        """Blocking streamed chat completion; ``on_chunk(dict) -> bool`` (True = stop)."""
        self.load().handle_chat_completions(request, on_chunk)


class LlamaCppLLM(llm.LLM):
    def __init__(self, *, engine: LlamaEngine) -> None:
        super().__init__()
        self._engine = engine

    @property
    def model(self) -> str:
        return "qwen2.5-coder-0.5b-instruct-q4_k_m"

    @property
    def provider(self) -> str:
        return "local"

    @property
    def engine(self) -> LlamaEngine:
        return self._engine

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
        tool_calls = _ToolCallAccumulator()
        request_id = utils.shortuuid("llama_")
        try:
            while (item := await queue.get()) is not _DONE:
                if isinstance(item, Exception):
                    raise APIConnectionError(f"llama.cpp failed: {item}") from item
                if not isinstance(item, dict):
                    continue
                if "error" in item or "code" in item and "message" in item:
                    raise APIConnectionError(f"llama.cpp error: {item.get('error', item)}")
                for chunk in self._convert(item, request_id, tool_calls):
                    self._event_ch.send_nowait(chunk)
            for call in tool_calls.finish():
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
        item: dict[str, Any], request_id: str, tool_calls: _ToolCallAccumulator
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


class _ToolCallAccumulator:
    """Joins OpenAI-style streamed tool-call fragments (by index) into whole calls."""

    def __init__(self) -> None:
        self._calls: dict[int, dict[str, str]] = {}

    def add(self, fragment: dict[str, Any]) -> None:
        slot = self._calls.setdefault(
            int(fragment.get("index", 0)), {"id": "", "name": "", "arguments": ""}
        )
        slot["id"] = fragment.get("id") or slot["id"]
        function = fragment.get("function") or {}
        slot["name"] += function.get("name") or ""
        slot["arguments"] += function.get("arguments") or ""

    def finish(self) -> list[llm.FunctionToolCall]:
        return [
            llm.FunctionToolCall(
                name=c["name"],
                arguments=c["arguments"] or "{}",
                call_id=c["id"] or utils.shortuuid("call_"),
            )
            for _, c in sorted(self._calls.items())
            if c["name"]
        ]
