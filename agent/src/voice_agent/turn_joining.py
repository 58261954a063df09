"""A user turn that got no answer joins the next one, in what the LLM is asked.

A caller who pauses mid-sentence ("What is the capital of … France?") can have the first part
committed as a turn. When they go on before the reply is heard, the reply is interrupted with
nothing said, and the conversation holds two user messages in a row. Asked like that, the
small model often answers the fragment alone; asked "What is the capital of France?", it
answers the question. The same holds for "Tell me a joke." followed at once by "About cats."

The history keeps both messages as they were heard (the transcript and the backend show the
pause); only the request is joined. The prefill of the local model's prompt cache joins the
same way, so its prefix stays the one the next request starts with.
"""

from __future__ import annotations

from livekit.agents import llm


def join_unanswered(ctx: llm.ChatContext) -> llm.ChatContext:
    """``ctx``, or a copy with each run of adjacent user text messages as one message."""
    if not any(_joins(a, b) for a, b in zip(ctx.items, ctx.items[1:], strict=False)):
        return ctx
    joined = ctx.copy()
    items: list[llm.ChatItem] = []
    for item in joined.items:
        if items and _joins(items[-1], item):
            assert isinstance(item, llm.ChatMessage)
            items[-1] = _joined(items[-1], item)
        else:
            items.append(item)
    joined.items = items
    return joined


def _joins(before: llm.ChatItem, item: llm.ChatItem) -> bool:
    return _user_text(before) and _user_text(item)


def _user_text(item: llm.ChatItem) -> bool:
    """A user message of text only (a shared image stays a message of its own)."""
    return (
        isinstance(item, llm.ChatMessage)
        and item.role == "user"
        and all(isinstance(part, str) for part in item.content)
    )


def _joined(first: llm.ChatItem, then: llm.ChatMessage) -> llm.ChatMessage:
    assert isinstance(first, llm.ChatMessage)
    head = (first.text_content or "").strip()
    # the STT ends a fragment with a full stop ("What is the capital of."): not a sentence end
    head = head.removesuffix(".").rstrip()
    text = " ".join(t for t in (head, (then.text_content or "").strip()) if t)
    return first.model_copy(update={"content": [text]})
