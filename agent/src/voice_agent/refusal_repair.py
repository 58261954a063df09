"""The small local model's stock refusal becomes a request to say it again.

Asked something it cannot make sense of, mostly words the speech recogniser misheard ("How
many months are we not here?"), Qwen2.5-Coder-0.5B answers "I'm sorry, but I can't assist
with that." and the caller does not know what went wrong; instructions alone did not make it
ask (docs/benchmarks.md, 2026-11-30). A reply whose first sentence is such a refusal is
replaced by ``unclear`` (the settings' ``unclear_reply``), before any of it is spoken.

Streaming: a reply is held back only while its opening could still be a refusal ("I", "I'm",
"Sorry"); one that opens like one ("I'm sorry", "I can't") is held to the end of its first
sentence. Every other reply passes at once.
"""

from __future__ import annotations

import re
from collections.abc import AsyncGenerator
from contextlib import aclosing
from typing import Literal

from livekit.agents import FlushSentinel, llm

Chunk = llm.ChatChunk | str | FlushSentinel

_OPENERS = (
    "i'm sorry",
    "i am sorry",
    "sorry",
    "i apologize",
    "i apologise",
    "i can't",
    "i cannot",
    "i can not",
    "i'm unable",
    "i am unable",
    "i'm not able",
    "i am not able",
    "unfortunately",
)
_REFUSAL = re.compile(
    r"\b(?:can't|cannot|can not|unable to|not able to) (?:assist|help)\b"
    r"|\bcan't (?:answer|provide|do) that\b"
)
_SENTENCE_END = re.compile(r"[.!?](?:\s|$)")


def _text(chunk: Chunk) -> str:
    if isinstance(chunk, str):
        return chunk
    if isinstance(chunk, llm.ChatChunk) and chunk.delta is not None:
        return chunk.delta.content or ""
    return ""


def _has_tool_call(chunk: Chunk) -> bool:
    return isinstance(chunk, llm.ChatChunk) and bool(chunk.delta and chunk.delta.tool_calls)


def verdict(text: str, *, ended: bool) -> Literal["refusal", "reply"] | None:
    """Whether ``text``, a reply's opening so far, is a refusal; None: not yet known."""
    opening = " ".join(text.replace("\u2019", "'").lower().split())
    if not opening:
        return "reply" if ended else None
    if not any(opening.startswith(o) for o in _OPENERS):
        could_be = any(o.startswith(opening) for o in _OPENERS)
        return None if could_be and not ended else "reply"
    end = _SENTENCE_END.search(opening)
    if end is None and not ended:
        return None
    first = opening[: end.end()] if end else opening
    return "refusal" if _REFUSAL.search(first) else "reply"


async def unclear_for_refusal(
    chunks: AsyncGenerator[Chunk, None], unclear: str
) -> AsyncGenerator[Chunk, None]:
    """``chunks`` as they come, unless the reply opens with a refusal: then ``unclear`` only
    (the rest of the model's reply is not generated)."""
    held: list[Chunk] | None = []
    text = ""
    async with aclosing(chunks):
        async for chunk in chunks:
            if held is None:
                yield chunk
                continue
            held.append(chunk)
            text += _text(chunk)
            decided = "reply" if _has_tool_call(chunk) else verdict(text, ended=False)
            if decided == "refusal":
                yield unclear
                return
            if decided == "reply":
                for kept in held:
                    yield kept
                held = None
    if held is not None:  # the reply ended before its opening was clear
        if verdict(text, ended=True) == "refusal":
            yield unclear
            return
        for kept in held:
            yield kept
