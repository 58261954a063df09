"""Keeps every request to an LLM inside its context window, with room for the reply.

Kept always: the system prompt at the head (the persona's instructions) and the new turn
(the per-reply context with the user's notes, then the user's words). Dropped: the oldest
turns of the conversation, whole turns at a time (a turn starts with a user message, so a
tool call never loses its output), and in chunks of half the history's room: the cut moves
only when the conversation has grown by another half, so consecutive requests share their
prefix (llama.cpp's prompt cache) between cuts. The cut depends only on the conversation
before the new turn, so the prefill after a reply (``LlamaCppLLM.prefill``) and the next
request cut at the same place.

Tokens are estimated from the text, without a tokenizer (nothing to load, nothing to block the
event loop): an upper bound for natural text in Qwen's tokenizer (a word counts a token per
3 letters, every digit and punctuation mark one, a non-ASCII character its UTF-8 bytes less
one). Contrived text may still beat it; the assistant then shrinks its window after a failed
request (``shrunk``), so no conversation fails for good.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from livekit.agents import llm

from .settings import AgentSettings

MESSAGE_TOKENS = 8  # the chat template's markers around each message
PROMPT_TOKENS = 16  # the template's opening of the reply, and slack
TOOLS_TOKENS = 200  # the template's words around the offered tools' schemas
CONTEXT_LINE_TOKENS = 300  # the per-reply context: the time and the user's notes (600 chars)
OTHER_CONTENT_TOKENS = 512  # an image or audio part (not used here; counted generously)
MIN_WINDOW_TOKENS = 512  # ``shrunk`` stops here

_PIECES = re.compile(r" ?[A-Za-z]+| +|\s+|.", re.DOTALL)
_HUMP = re.compile(r"[a-z][A-Z]")
_VOWELS = frozenset("aeiouyAEIOUY")


def estimate_tokens(text: str) -> int:
    """An upper bound on ``text``'s tokens for natural text (see the module's docstring).

    Checked against Qwen's tokenizer (``test_context_models.py``): English ~1.7x its count,
    digits, phone numbers, hex and base64 ~1.0-1.2x, other scripts 1.2-3.5x."""
    total = 0
    for piece in _PIECES.findall(text):
        # " word": the space is part of the word's token
        word = piece[1:] if piece[0] == " " and piece[-1] != " " else piece
        first = word[0]
        if first.isascii() and first.isalpha():
            total += _letters(word)
        elif first == " ":
            total += math.ceil(len(word) / 4)
        elif first.isspace():
            total += math.ceil(len(word) / 2)
        elif first.isascii():
            total += 1  # a digit or a punctuation mark
        else:
            total += max(1, len(word.encode()) - 1)
    return total


def _letters(run: str) -> int:
    """A run of ASCII letters: a token per 3 letters in a word-like run; one per 2 in a run
    with few vowels or many repeats (codes, "hahaha"), which tokenizers split finely; one
    more per camel hump."""
    n = len(run)
    vowels = sum(c in _VOWELS for c in run)
    odd = n > 3 and (vowels * 4 < n or len(set(run.lower())) * 3 < n)
    return (math.ceil(n / 2) + 1 if odd else math.ceil(n / 3)) + len(_HUMP.findall(run))


# item -> (its text's length, its tokens): a long conversation is fitted on every turn and
# every prefill, on the event loop (500 turns: ~35 ms uncached); items are shared by the
# contexts the framework copies, so each is counted once
_COUNTED: dict[int, tuple[llm.ChatItem, int, int]] = {}
_COUNTED_MAX = 20_000


def item_tokens(item: llm.ChatItem) -> int:
    """What one item of a chat context costs in the prompt (0 for items not sent)."""
    chars = _text_length(item)
    counted = _COUNTED.get(id(item))
    if counted is not None and counted[0] is item and counted[1] == chars:
        return counted[2]
    tokens = _item_tokens(item)
    if len(_COUNTED) >= _COUNTED_MAX:
        _COUNTED.clear()
    _COUNTED[id(item)] = (item, chars, tokens)
    return tokens


def _text_length(item: llm.ChatItem) -> int:
    if isinstance(item, llm.ChatMessage):
        return sum(len(c) for c in item.content if isinstance(c, str)) + len(item.content)
    if isinstance(item, llm.FunctionCall):
        return len(item.name) + len(item.arguments)
    if isinstance(item, llm.FunctionCallOutput):
        return len(item.output)
    return 0


def _item_tokens(item: llm.ChatItem) -> int:
    if isinstance(item, llm.ChatMessage):
        return MESSAGE_TOKENS + sum(_content_tokens(c) for c in item.content)
    if isinstance(item, llm.FunctionCall):
        return MESSAGE_TOKENS + estimate_tokens(item.name) + estimate_tokens(item.arguments)
    if isinstance(item, llm.FunctionCallOutput):
        return MESSAGE_TOKENS + estimate_tokens(item.output)
    return 0


def _content_tokens(content: llm.ChatContent) -> int:
    if isinstance(content, str):
        return estimate_tokens(content)
    if isinstance(content, llm.ImageContent | llm.AudioContent):
        return OTHER_CONTENT_TOKENS
    return 0  # a cache breakpoint: a marker, not sent as text


def tools_tokens(tools: Sequence[llm.Tool | llm.Toolset]) -> int:
    """What the offered tools' schemas add to every prompt."""
    if not tools:
        return 0
    schemas = llm.ToolContext(tools).parse_function_tools("openai")
    return TOOLS_TOKENS + estimate_tokens(json.dumps(schemas))


def prompt_tokens(chat_ctx: llm.ChatContext, *, extra_tokens: int = 0) -> int:
    """The estimated prompt of a request with ``chat_ctx`` (and ``extra_tokens`` of tools)."""
    return PROMPT_TOKENS + extra_tokens + sum(item_tokens(i) for i in chat_ctx.items)


@dataclass(frozen=True, slots=True)
class ContextWindow:
    """``tokens``: the model's context (prompt and reply); ``reply_tokens``: kept for the
    reply (``max_tokens``); ``turn_tokens``: planned for the new turn (the longest typed
    message and the per-reply context), at most a quarter of the window."""

    tokens: int
    reply_tokens: int
    turn_tokens: int

    @classmethod
    def from_settings(cls, settings: AgentSettings) -> ContextWindow:
        return cls(
            tokens=settings.llm.context_window,
            reply_tokens=settings.llm.max_tokens,
            turn_tokens=math.ceil(settings.chat.max_chars / 3) + CONTEXT_LINE_TOKENS,
        )

    def shrunk(self, sent: int) -> ContextWindow:
        """A window whose requests are at most half of ``sent`` (the estimate of a request
        that failed; the estimate is no tokenizer), not below ``MIN_WINDOW_TOKENS``."""
        tokens = min(self.tokens, sent // 2 + self.reply_tokens)
        return replace(self, tokens=max(min(self.tokens, MIN_WINDOW_TOKENS), tokens))

    def fit(self, chat_ctx: llm.ChatContext, *, extra_tokens: int = 0) -> llm.ChatContext:
        """``chat_ctx`` as it may be sent: a new context, the items themselves shared (a
        message that had to be shortened is a copy)."""
        items = list(chat_ctx.items)
        head_end = _head_end(items)
        turn_start = _turn_start(items, head_end)
        head, past, turn = items[:head_end], items[head_end:turn_start], items[turn_start:]
        sizes = [item_tokens(i) for i in past]
        fixed = PROMPT_TOKENS + extra_tokens + sum(item_tokens(i) for i in head)
        planned = min(self.turn_tokens, self.tokens // 4)
        cut = _chunked_cut(past, sizes, self.tokens - self.reply_tokens - planned - fixed)
        past, sizes = past[cut:], sizes[cut:]
        # a new turn longer than planned (or a huge system prompt): drop more, whole turns
        room = self.tokens - self.reply_tokens
        over = fixed + sum(sizes) + sum(item_tokens(i) for i in turn) - room
        while over > 0 and past:
            end = _next_turn(past)
            over -= sum(sizes[:end])
            past, sizes = past[end:], sizes[end:]
        # nothing left to drop: shorten the user's words (to a quarter of the room at the
        # least), then the system prompt, then the rest of the turn (a tiny shrunk window)
        for part, role, keep in (
            ("turn", "user", room // 4),
            ("head", "system", 0),
            ("turn", "user", 0),
            ("turn", "system", 0),
        ):
            if over <= 0:
                break
            if part == "turn":
                turn, over = _shorten_last(turn, over, role=role, keep=keep)
            else:
                head, over = _shorten_last(head, over, role=role, keep=keep)
        return llm.ChatContext([*head, *past, *turn])


def history_tail(chat_ctx: llm.ChatContext, tokens: int) -> llm.ChatContext:
    """The newest whole turns of ``chat_ctx`` within ``tokens`` (at least the last turn)."""
    items = list(chat_ctx.items)
    starts = [i for i, item in enumerate(items) if _is_role(item, "user")] or [0]
    keep = starts[-1]
    used = sum(item_tokens(i) for i in items[keep:])
    for start in reversed(starts[:-1]):
        used += sum(item_tokens(i) for i in items[start:keep])
        if used > tokens:
            break
        keep = start
    return llm.ChatContext(items[keep:])


def _is_role(item: llm.ChatItem, *roles: str) -> bool:
    return isinstance(item, llm.ChatMessage) and item.role in roles


def _head_end(items: list[llm.ChatItem]) -> int:
    """The end of the leading system messages (the instructions)."""
    end = 0
    while end < len(items) and _is_role(items[end], "system", "developer"):
        end += 1
    return end


def _turn_start(items: list[llm.ChatItem], head_end: int) -> int:
    """Where the new turn starts: the last message when it is the user's (with the system
    lines just before it: the per-reply context), else nowhere (``len(items)``: a prefill)."""
    last = next(
        (i for i in range(len(items) - 1, head_end - 1, -1) if items[i].type == "message"), None
    )
    if last is None or not _is_role(items[last], "user"):
        return len(items)
    while last > head_end and _is_role(items[last - 1], "system", "developer"):
        last -= 1
    return last


def _next_turn(past: list[llm.ChatItem]) -> int:
    """The end of the oldest turn in ``past`` (the index of the next user message)."""
    return next((i for i in range(1, len(past)) if _is_role(past[i], "user")), len(past))


def _chunked_cut(past: list[llm.ChatItem], sizes: list[int], room: int) -> int:
    """How many items to drop from the start of ``past`` so the rest fits ``room``: up to the
    first turn that starts after a whole number of chunks (half the room each), so the cut
    stays where it is while the conversation grows by less than a chunk."""
    total = sum(sizes)
    if total <= room:
        return 0
    if room <= 0:
        return len(past)
    chunk = max(room // 2, 1)
    drop = math.ceil((total - room) / chunk) * chunk
    dropped = 0
    for i, item in enumerate(past):
        if dropped >= drop and _is_role(item, "user"):
            return i
        dropped += sizes[i]
    return len(past)


def _shorten_last(
    items: list[llm.ChatItem], over: int, *, role: str, keep: int
) -> tuple[list[llm.ChatItem], int]:
    """Shorten the last ``role`` message of ``items`` by ``over`` tokens, keeping its start
    and at least ``keep`` tokens of it; returns the items and what is still over."""
    index = next((i for i in range(len(items) - 1, -1, -1) if _is_role(items[i], role)), None)
    if index is None:
        return items, over
    message = items[index]
    assert isinstance(message, llm.ChatMessage)
    text = message.text_content or ""
    size = estimate_tokens(text)
    allowed = max(size - over, min(size, keep))
    if allowed >= size:
        return items, over
    kept = _prefix_within(text, allowed)
    others = [c for c in message.content if not isinstance(c, str)]  # e.g. a cache breakpoint
    shortened = message.model_copy(update={"content": [kept, *others]})
    out = list(items)
    out[index] = shortened
    return out, over - (size - estimate_tokens(kept))


def _prefix_within(text: str, tokens: int) -> str:
    """The longest start of ``text`` (cut at a space where possible) within ``tokens``."""
    marker = " …"
    budget = tokens - estimate_tokens(marker)
    if budget <= 0:
        return ""
    low, high = 0, len(text)
    while low < high:  # the longest prefix whose estimate fits
        mid = (low + high + 1) // 2
        if estimate_tokens(text[:mid]) <= budget:
            low = mid
        else:
            high = mid - 1
    kept = text[:low]
    if low < len(text):
        space = kept.rfind(" ")
        kept = (kept[:space] if space > low // 2 else kept).rstrip() + marker
    return kept
