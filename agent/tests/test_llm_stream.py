"""LlamaCppLLM without the model: request building, chunk conversion, tool calls, stop, errors.

A scripted engine stands in for xllamacpp: it calls ``on_chunk`` with OpenAI-style
``chat.completion.chunk`` dicts from a worker thread, as the real one does.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from livekit.agents import (
    APIConnectionError,
    APIConnectOptions,
    APIStatusError,
    function_tool,
    llm,
)
from voice_agent.local_models import LlamaCppLLM, LlamaOptions
from voice_agent.local_models.llm import build_request
from voice_agent.local_models.tool_calls import ToolCallAccumulator

pytestmark = pytest.mark.unit

NO_RETRY = APIConnectOptions(max_retry=0, retry_interval=0.0, timeout=5.0)


@function_tool
async def get_weather(city: str) -> str:
    """Look up the weather.

    Args:
        city: the city to look up
    """
    return f"sunny in {city}"


def _content(text: str) -> dict[str, Any]:
    return {"choices": [{"index": 0, "delta": {"content": text}}]}


def _usage(prompt: int, completion: int, cached: int = 0) -> dict[str, Any]:
    return {
        "choices": [],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
            "prompt_tokens_details": {"cached_tokens": cached},
        },
    }


class ScriptedEngine:
    """Duck-typed LlamaEngine that replays chunks, or calls ``produce(i)`` until told to stop."""

    def __init__(
        self,
        chunks: list[Any] | None = None,
        *,
        produce: Callable[[int], Any] | None = None,
        error: Exception | None = None,
        options: LlamaOptions | None = None,
    ) -> None:
        self.chunks = chunks or []
        self.produce = produce
        self.error = error
        self.options = options or LlamaOptions(max_tokens=50, temperature=0.5)
        self.requests: list[dict[str, Any]] = []
        self.sent = 0
        self.stopped = threading.Event()
        self.finished = threading.Event()

    def complete(self, request: dict[str, Any], on_chunk: Callable[[Any], bool]) -> None:
        self.requests.append(request)
        try:
            if self.error:
                raise self.error
            i = 0
            while True:
                if self.produce:
                    chunk = self.produce(i)
                elif i < len(self.chunks):
                    chunk = self.chunks[i]
                else:
                    return
                self.sent += 1
                if on_chunk(chunk):
                    self.stopped.set()
                    return
                i += 1
        finally:
            self.finished.set()


def _llm(engine: ScriptedEngine) -> LlamaCppLLM:
    return LlamaCppLLM(engine=engine)  # type: ignore[arg-type]


def _ctx(user: str = "What is the capital of France?") -> llm.ChatContext:
    ctx = llm.ChatContext()
    ctx.add_message(role="system", content="Be brief.")
    ctx.add_message(role="user", content=user)
    return ctx


def test_build_request_streams_with_usage_and_the_configured_limits() -> None:
    request = build_request(_ctx(), [], LlamaOptions(max_tokens=77, temperature=0.3))
    assert request["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "What is the capital of France?"},
    ]
    assert request["stream"] is True
    assert request["stream_options"] == {"include_usage": True}
    assert (request["max_tokens"], request["temperature"]) == (77, 0.3)
    assert request["cache_prompt"] is True
    assert "tools" not in request


def test_build_request_adds_tools_in_openai_format() -> None:
    request = build_request(_ctx(), [get_weather], LlamaOptions())
    [tool] = request["tools"]
    assert tool["type"] == "function"
    assert tool["function"]["name"] == "get_weather"
    assert tool["function"]["description"].startswith("Look up the weather.")
    params = tool["function"]["parameters"]
    assert params["required"] == ["city"]
    assert params["properties"]["city"]["type"] == "string"


def test_tool_call_accumulator_joins_fragments_by_index() -> None:
    acc = ToolCallAccumulator()
    acc.add({"index": 1, "id": "call_b", "function": {"name": "get_", "arguments": ""}})
    acc.add({"index": 0, "id": "call_a", "function": {"name": "get_weather"}})
    acc.add({"index": 0, "function": {"arguments": '{"city": '}})
    acc.add({"index": 1, "function": {"name": "time", "arguments": "{}"}})
    acc.add({"index": 0, "function": {"arguments": '"Paris"}'}})
    acc.add({"index": 2, "function": {"arguments": "{}"}})  # never named: dropped
    calls = acc.finish()
    assert [(c.call_id, c.name, c.arguments) for c in calls] == [
        ("call_a", "get_weather", '{"city": "Paris"}'),
        ("call_b", "get_time", "{}"),
    ]


def test_tool_call_accumulator_fills_in_missing_id_and_arguments() -> None:
    acc = ToolCallAccumulator()
    acc.add({"function": {"name": "get_time"}})
    [call] = acc.finish()
    assert call.arguments == "{}"
    assert call.call_id.startswith("call_")


async def test_stream_yields_content_and_usage_and_sends_the_request() -> None:
    engine = ScriptedEngine(
        [
            {"choices": [{"index": 0, "delta": {"role": "assistant"}}]},  # no content: skipped
            _content("The capital"),
            _content(" is Paris."),
            "not a dict",  # ignored
            _usage(prompt=28, completion=8, cached=20),
        ]
    )
    response = await _llm(engine).chat(chat_ctx=_ctx(), tools=[get_weather]).collect()
    assert response.text == "The capital is Paris."
    assert response.tool_calls == []
    assert response.usage is not None
    assert (response.usage.prompt_tokens, response.usage.completion_tokens) == (28, 8)
    assert response.usage.prompt_cached_tokens == 20
    assert response.usage.total_tokens == 36
    [request] = engine.requests
    assert request["max_tokens"] == 50
    assert request["tools"][0]["function"]["name"] == "get_weather"


async def test_stream_emits_joined_tool_calls_after_the_text() -> None:
    def call(fragment: dict[str, Any]) -> dict[str, Any]:
        return {"choices": [{"index": 0, "delta": {"tool_calls": [fragment]}}]}

    engine = ScriptedEngine(
        [
            call({"index": 0, "id": "call_1", "function": {"name": "get_weather"}}),
            call({"index": 0, "function": {"arguments": '{"city":'}}),
            call({"index": 0, "function": {"arguments": ' "Paris"}'}}),
            _usage(prompt=100, completion=12),
        ]
    )
    response = await _llm(engine).chat(chat_ctx=_ctx(), tools=[get_weather]).collect()
    [tool_call] = response.tool_calls
    assert (tool_call.name, tool_call.arguments, tool_call.call_id) == (
        "get_weather",
        '{"city": "Paris"}',
        "call_1",
    )


async def test_closing_the_stream_stops_generation_at_once() -> None:
    def endless(i: int) -> dict[str, Any]:
        time.sleep(0.005)  # a token every 5 ms, forever unless stopped
        return _content(f" word{i}")

    engine = ScriptedEngine(produce=endless)
    stream = _llm(engine).chat(chat_ctx=_ctx("Tell me a long story."), conn_options=NO_RETRY)
    first = await stream.__anext__()
    assert first.delta is not None and first.delta.content == " word0"
    started = time.monotonic()
    await stream.aclose()
    assert time.monotonic() - started < 1.0
    assert engine.stopped.is_set() and engine.finished.is_set()  # the worker returned
    sent = engine.sent
    time.sleep(0.05)
    assert engine.sent == sent  # and produces nothing more


@pytest.mark.parametrize(
    "bad_chunk",
    [
        {"error": {"message": "slot unavailable", "code": 503}},
        {"code": 500, "message": "slot unavailable"},
    ],
)
async def test_error_chunk_becomes_api_connection_error(bad_chunk: dict[str, Any]) -> None:
    engine = ScriptedEngine([_content("Hi"), bad_chunk, _content("never")])
    stream = _llm(engine).chat(chat_ctx=_ctx(), conn_options=NO_RETRY)
    with pytest.raises(APIConnectionError, match="llama.cpp error"):
        await stream.collect()
    assert engine.finished.is_set()  # the stream waited for the worker thread before raising


async def test_a_refused_request_is_not_retried() -> None:
    # what llama.cpp sends for a prompt longer than its context
    too_long = {
        "error": {
            "code": 400,
            "message": "request (817 tokens) exceeds the available context size (512 tokens)",
            "type": "exceed_context_size_error",
        }
    }
    engine = ScriptedEngine([too_long])
    stream = _llm(engine).chat(chat_ctx=_ctx(), conn_options=NO_RETRY)
    with pytest.raises(APIStatusError, match="exceeds the available context") as raised:
        await stream.collect()
    assert raised.value.status_code == 400 and not raised.value.retryable


async def test_engine_exception_becomes_api_connection_error() -> None:
    engine = ScriptedEngine(error=RuntimeError("failed to load model"))
    stream = _llm(engine).chat(chat_ctx=_ctx(), conn_options=NO_RETRY)
    with pytest.raises(APIConnectionError, match="failed to load model"):
        await stream.collect()


async def test_retryable_error_is_retried_by_the_framework() -> None:
    attempts: list[int] = []

    class FlakyEngine(ScriptedEngine):
        def complete(self, request: dict[str, Any], on_chunk: Callable[[Any], bool]) -> None:
            attempts.append(1)
            if len(attempts) == 1:
                raise RuntimeError("busy")
            super().complete(request, on_chunk)

    engine = FlakyEngine([_content("ok")])
    opts = APIConnectOptions(max_retry=1, retry_interval=0.0, timeout=5.0)
    response = await _llm(engine).chat(chat_ctx=_ctx(), conn_options=opts).collect()
    assert response.text == "ok"
    assert len(attempts) == 2


def test_model_and_provider_labels() -> None:
    local = _llm(ScriptedEngine())
    assert local.provider == "local"
    assert local.model == "qwen2.5-coder-0.5b-instruct-q4_k_m"


# --- tool calls the small model writes as text ---


@function_tool
async def get_current_time() -> str:
    """Get the current time."""
    return "noon"


def _chunks(text: str, size: int = 3) -> list[dict[str, Any]]:
    """``text`` streamed a few characters at a time, as tokens arrive."""
    return [_content(text[i : i + size]) for i in range(0, len(text), size)]


@pytest.mark.parametrize(
    "text",
    [
        '{"name": "get_weather", "arguments": {"city": "Paris"}}',
        '  ```json\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n```',
        '<tool_call>\n{"name": "get_weather", "parameters": {"city": "Paris"}}\n</tool_call>',
        '{"name": "get_weather", "arguments": "{\\"city\\": \\"Paris\\"}"}',
        # schema words copied into the arguments are dropped
        '{"name": "get_weather", "arguments": {"city": "Paris", "type": "object"}}',
    ],
)
async def test_json_text_naming_an_offered_tool_becomes_a_tool_call(text: str) -> None:
    engine = ScriptedEngine([*_chunks(text), _usage(prompt=90, completion=20)])
    response = await _llm(engine).chat(chat_ctx=_ctx(), tools=[get_weather]).collect()
    assert response.text == ""
    [call] = response.tool_calls
    assert (call.name, json.loads(call.arguments)) == ("get_weather", {"city": "Paris"})
    assert call.call_id.startswith("call_")
    assert response.usage is not None and response.usage.completion_tokens == 20


async def test_several_tagged_calls_are_all_recovered() -> None:
    text = (
        '<tool_call>{"name": "get_current_time", "arguments": {}}</tool_call>\n'
        '<tool_call>{"name": "get_weather", "arguments": {"city": "Rome"}}</tool_call>'
    )
    engine = ScriptedEngine(_chunks(text))
    response = (
        await _llm(engine).chat(chat_ctx=_ctx(), tools=[get_weather, get_current_time]).collect()
    )
    assert [(c.name, json.loads(c.arguments)) for c in response.tool_calls] == [
        ("get_current_time", {}),
        ("get_weather", {"city": "Rome"}),
    ]


@pytest.mark.parametrize(
    "text",
    [
        '{"name": "launch_rockets", "arguments": {}}',  # not an offered tool
        '{"answer": 42}',
        "{not json at all",
        "```python\nprint('hi')\n```",
        "<tool_call>oops</tool_call>",
    ],
)
async def test_json_like_text_that_is_no_offered_call_is_said_as_it_was(text: str) -> None:
    engine = ScriptedEngine(_chunks(text))
    response = await _llm(engine).chat(chat_ctx=_ctx(), tools=[get_weather]).collect()
    assert response.text == text
    assert response.tool_calls == []


async def test_without_tools_json_text_is_plain_content() -> None:
    text = '{"name": "get_weather", "arguments": {"city": "Paris"}}'
    engine = ScriptedEngine(_chunks(text))
    response = await _llm(engine).chat(chat_ctx=_ctx()).collect()
    assert (response.text, response.tool_calls) == (text, [])


async def test_a_normal_reply_streams_at_once_even_with_tools() -> None:
    release = threading.Event()

    def produce(i: int) -> Any:
        if i == 0:
            return _content("The capital")
        release.wait(5)  # the engine is stuck until the first chunk was received
        return _content(" is Paris.") if i == 1 else None

    engine = ScriptedEngine(produce=produce)
    stream = _llm(engine).chat(chat_ctx=_ctx(), tools=[get_weather], conn_options=NO_RETRY)
    first = await stream.__anext__()
    assert first.delta is not None and first.delta.content == "The capital"
    release.set()
    await stream.aclose()


async def test_a_reply_starting_with_a_backtick_or_angle_waits_only_until_it_is_clear() -> None:
    engine = ScriptedEngine([_content(" `"), _content("x` is a variable.")])
    response = await _llm(engine).chat(chat_ctx=_ctx(), tools=[get_weather]).collect()
    assert response.text == "`x` is a variable."  # collect() strips the leading space
    engine = ScriptedEngine([_content("<"), _content("3 cats")])
    response = await _llm(engine).chat(chat_ctx=_ctx(), tools=[get_weather]).collect()
    assert response.text == "<3 cats"
