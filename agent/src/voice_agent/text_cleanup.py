"""Streaming text transforms applied before TTS (after the framework's markdown filter).

The small local model likes numbered lists ("1. Eat well.\n2. Sleep."); spoken, the numbers
read as "one dot". Numbered-list markers at the start of a line are removed here, streaming,
without holding back more than the few characters that could still be a marker.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterable, AsyncIterator

_MARKER = re.compile(r"[ \t]*\d{1,3}[.)][ \t]+")
_MAYBE_MARKER = re.compile(r"[ \t]*(\d{1,3}([.)][ \t]*)?)?")


def _strip_at_line_start(buffer: str) -> tuple[str, str]:
    """Return (text ready to emit, text to hold back because it may still be a marker)."""
    out: list[str] = []
    at_start = True
    i = 0
    while i < len(buffer):
        if at_start:
            rest = buffer[i:]
            m = _MARKER.match(rest)
            if m and m.end() < len(rest):
                i += m.end()
                at_start = False
                continue
            full = _MAYBE_MARKER.fullmatch(rest)
            if full or m:
                return "".join(out), rest
            at_start = False
        ch = buffer[i]
        out.append(ch)
        if ch == "\n":
            at_start = True
        i += 1
    return "".join(out), ""


async def strip_list_markers(text: AsyncIterable[str]) -> AsyncIterator[str]:
    pending = ""
    line_start = True
    async for chunk in text:
        data = pending + chunk
        if not line_start:
            # only the part after the next newline can start with a marker
            nl = data.find("\n")
            if nl < 0:
                pending = ""
                yield data
                continue
            yield data[: nl + 1]
            data = data[nl + 1 :]
        ready, pending = _strip_at_line_start(data)
        line_start = pending != "" or ready == "" or ready.endswith("\n")
        if ready:
            yield ready
    if pending:
        yield pending.lstrip(" \t")


def strip_list_markers_text(text: str) -> str:
    """Non-streaming form, for tests and for texts that are already whole."""
    ready, pending = _strip_at_line_start(text)
    return ready + pending.lstrip(" \t")
