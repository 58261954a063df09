"""Tool calls from llama.cpp's stream: streamed fragments joined into whole calls, and calls
that a small model writes as text recovered (and their stray argument keys dropped)."""

from __future__ import annotations

import json
import re
from typing import Any

from livekit.agents import llm, utils


class ToolCallAccumulator:
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


def only_known_args(
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


class TextToolCalls:
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
