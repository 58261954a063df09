"""A chat request's prompt as llama.cpp renders it for Qwen2.5 (ChatML), stopped on the
user's last words.

The ``lm`` turn detector (turn_end_lm.py) asks the model what comes after the user's words
before the reply is requested. Rendered as llama.cpp renders the reply's own request, that
prompt is the reply's prompt less its last few tokens (the final mark, ``<|im_end|>``, the
assistant's opening). On the conversation's own slot, llama.cpp then reuses it for the reply
(the longest cached prefix), so the judgement costs one step of the model, not a prompt of
its own. Only conversations of plain text are rendered: Qwen's template writes tools, tool
calls and their results its own way, and a prompt that differs early would cost the reply a
whole prefill.
"""

from __future__ import annotations

import re
from typing import Any

_ROLES = frozenset({"system", "user", "assistant"})
# the STT punctuates fragments too: the question is what comes after the words
_TRAILING = re.compile(r"[\s.?!,;:…]+$")


def open_user_turn(messages: list[dict[str, Any]]) -> str | None:
    """ChatML for OpenAI-style ``messages`` (system first, the user's last), the last
    message left open after its words, without their final punctuation. None: not plain
    text (a tool call or result, an image, no system prompt), or no words."""
    if not messages or messages[0].get("role") != "system" or messages[-1].get("role") != "user":
        return None
    rendered: list[str] = []
    for message in messages:
        content = message.get("content")
        if message.keys() != {"role", "content"} or message["role"] not in _ROLES:
            return None
        if not isinstance(content, str):
            return None
        rendered.append(f"<|im_start|>{message['role']}\n{content}<|im_end|>\n")
    words = _TRAILING.sub("", messages[-1]["content"])
    if not words.strip():
        return None
    rendered[-1] = f"<|im_start|>user\n{words}"
    return "".join(rendered)
