"""Qwen2.5 0.5B on llama.cpp (xllamacpp, in-process) as a LiveKit Agents LLM plugin.

xllamacpp runs llama.cpp's server engine inside this process and calls back once per
streamed chunk (OpenAI ``chat.completion.chunk`` dicts) on the calling thread. The call runs
in a worker thread; chunks cross to the event loop through a queue. Returning ``True`` from
the callback stops generation, which is how an interrupted turn frees the model at once.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
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

logger = logging.getLogger("voice_agent.llm")

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

    def warm_up(
        self,
        system_prompt: str,
        greeting: str | None = None,
        tools: list[dict[str, Any]] | None = None,
    ) -> None:
        """Load the weights and put the conversation's fixed start in the KV cache.

        Every request starts with the system prompt (the chat template renders the offered
        tools into it), then the spoken greeting; llama.cpp reuses the longest cached prefix,
        so the first user turn only evaluates its own words. ``tools`` must be the schema the
        real requests send (``build_request``), or the prefix differs from the first token.
        """
        opening = [{"role": "assistant", "content": greeting}] if greeting else []
        request: dict[str, Any] = {
            "messages": [
                {"role": "system", "content": system_prompt},
                *opening,
                {"role": "user", "content": "Hi"},
            ],
            "stream": True,
            "max_tokens": 1,
            "cache_prompt": True,
        }
        if tools:
            request["tools"] = tools
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
        schemas = tool_parameters(self._tools)
        text_calls = _TextToolCalls(set(schemas))
        try:
            while (item := await queue.get()) is not _DONE:
                if isinstance(item, Exception):
                    raise APIConnectionError(f"llama.cpp failed: {item}") from item
                if not isinstance(item, dict):
                    continue
                if "error" in item or "code" in item and "message" in item:
                    raise APIConnectionError(f"llama.cpp error: {item.get('error', item)}")
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
            for call in [_only_known_args(c, schemas) for c in [*tool_calls.finish(), *calls]]:
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


def tool_parameters(tools: list[llm.Tool]) -> dict[str, set[str] | None]:
    """Offered function name -> its parameter names (None: not known, keep all)."""
    out: dict[str, set[str] | None] = {}
    if not tools:
        return out
    for schema in llm.ToolContext(tools).parse_function_tools("openai"):
        function = schema.get("function") or {}
        props = (function.get("parameters") or {}).get("properties")
        out[function.get("name", "")] = set(props) if isinstance(props, dict) else None
    return out


def _only_known_args(
    call: llm.FunctionToolCall, schemas: dict[str, set[str] | None]
) -> llm.FunctionToolCall:
    """Drops argument keys the tool does not take: the 0.5B model now and then copies schema
    words (``properties``, ``type``, ``required``) into the arguments."""
    allowed = schemas.get(call.name)
    if allowed is None:
        return call
    try:
        args = json.loads(call.arguments or "{}")
    except json.JSONDecodeError:
        return call
    if not isinstance(args, dict) or set(args) <= allowed:
        return call
    kept = {k: v for k, v in args.items() if k in allowed}
    return llm.FunctionToolCall(name=call.name, arguments=json.dumps(kept), call_id=call.call_id)


_CALL_OPENERS = ("{", "```", "<tool_call>")
_FENCE = re.compile(r"^```[a-zA-Z]*\s*|\s*```$")
_TAG = re.compile(r"</?tool_call>")


class _TextToolCalls:
    """Recovers tool calls that a small model writes as text instead of ``tool_calls``.

    Qwen2.5-Coder-0.5B on llama.cpp answers a tool request with ``{"name": ..., "arguments":
    {...}}`` in ``content`` (bare, in a ```json fence, or in <tool_call> tags). With tools
    offered, a reply that starts like that is held until the stream ends; if it parses as
    calls to offered tools they become ``FunctionToolCall``s, otherwise the text goes out
    as it was. Any other reply streams through at once.
    """

    def __init__(self, names: set[str]) -> None:
        self._names = names
        self._mode = "decide" if names else "pass"
        self._held = ""

    def feed(self, text: str) -> str:
        """What to emit now for this content delta ("" while held)."""
        if self._mode == "pass":
            return text
        self._held += text
        if self._mode == "hold":
            return ""
        start = self._held.lstrip()
        if not start:
            return ""
        if start.startswith(_CALL_OPENERS):
            self._mode = "hold"
            return ""
        if any(opener.startswith(start) for opener in _CALL_OPENERS):
            return ""  # "`" or "<tool" so far: not decided yet
        self._mode = "pass"
        out, self._held = self._held, ""
        return out

    def finish(self) -> tuple[list[llm.FunctionToolCall], str]:
        """The recovered calls, or no calls and the held text to emit as content."""
        held, self._held = self._held, ""
        if not held:
            return [], ""
        calls = parse_text_tool_calls(held, self._names)
        return (calls, "") if calls else ([], held)


def parse_text_tool_calls(text: str, names: set[str]) -> list[llm.FunctionToolCall]:
    """``{"name": n, "arguments": {...}}`` objects (one, several in <tool_call> tags, or a
    list) naming offered tools; [] when the text is anything else."""
    body = _FENCE.sub("", text.strip())
    parts = [p.strip() for p in _TAG.split(body) if p.strip()]
    objects: list[Any] = []
    decoder = json.JSONDecoder()
    for part in parts:
        pos = 0
        while pos < len(part):
            try:
                value, end = decoder.raw_decode(part, pos)
            except json.JSONDecodeError:
                return []
            objects.extend(value if isinstance(value, list) else [value])
            pos = end
            while pos < len(part) and part[pos] in " \t\r\n,":
                pos += 1
    calls: list[llm.FunctionToolCall] = []
    for obj in objects:
        if not isinstance(obj, dict) or obj.get("name") not in names:
            return []
        args = obj.get("arguments", obj.get("parameters", {}))
        if isinstance(args, str):
            try:
                args = json.loads(args or "{}")
            except json.JSONDecodeError:
                return []
        if not isinstance(args, dict):
            return []
        calls.append(
            llm.FunctionToolCall(
                name=obj["name"], arguments=json.dumps(args), call_id=utils.shortuuid("call_")
            )
        )
    return calls
