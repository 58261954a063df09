"""Which llama.cpp slot serves which conversation.

Each slot keeps the KV cache of the last prompt it evaluated, so a conversation whose next
turn lands on its own slot evaluates only the new words. llama.cpp's own choice (the idle
slot whose cached prompt is most similar) was measured to send every turn of 4 interleaved
conversations to a slot holding only the shared system prompt: each turn evaluated the whole
history again, ~3.5x the prompt tokens of pinned slots over 6 turns, growing with the call.
So each job names its conversation (``X-Conversation``) and keeps a slot of its own here:
least recently used slot first when a new conversation comes and none is free.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

# a conversation key is the job's own opaque id; longer ones are refused
MAX_KEY_CHARS = 128


class ConversationSlots:
    def __init__(self, slots: int) -> None:
        if slots < 1:
            raise ValueError("a model host has at least one slot")
        self._free = list(range(slots))
        self._held: OrderedDict[str, int] = OrderedDict()  # least recently used first
        self._lock = threading.Lock()

    def slot_for(self, key: str) -> int:
        """The slot of this conversation: its own again, a free one, or the one the least
        recently active conversation held (its next turn then gets a slot anew)."""
        with self._lock:
            slot = self._held.pop(key, None)
            if slot is None:
                slot = self._free.pop(0) if self._free else self._held.popitem(last=False)[1]
            self._held[key] = slot
            return slot
