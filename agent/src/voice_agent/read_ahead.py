"""Reads the user's words into the local LLM's prompt cache while they are still talking.

The speculative STT sends the words heard so far as interim transcripts (when the user
pauses, and every ``AGENT_TURN__PARTIAL_STT_S`` of speech, 0.5 s by default, when the STT
engine is otherwise idle: speculative_stt.py). Each
is read on the conversation's llama.cpp slot as the reply's own prompt would begin with it
(``chat_prompt.open_user_turn``: the request up to the user's words). When the turn ends,
the reply, and the ``lm`` judgement before it, evaluate only the words not read yet: on
these 2 cores a prompt token costs ~25 ms, and a question is 8-15 of them.

One read at a time, the newest words next; none after the final transcript (the reply's
request then comes, and a read queued on the slot would only delay it), nor of the words
last read (the pause's guess is often the last transcript made while the user talked, but
for its final mark, which the prompt leaves out: read again, it would cost the reply a step
of the model). A read whose words the user then did not say costs only its own time:
llama.cpp reuses the cache up to the first token that differs. Only with the local LLM and
no tools offered (the same prompt as the reply's); per-reply context (the time, the user's
notes) is added as for the reply.

Each read asks for the likeliest next tokens, which is what the ``lm`` judgement reads from
that very prompt (turn_end_lm.py): when the turn's words are the ones last read (the guess
made in the user's pause is the final transcript), the judgement takes them from here and
asks the model nothing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from livekit.agents import llm

from .local_models import LlamaCppLLM
from .turn_end_lm import TOP_TOKENS

logger = logging.getLogger(__name__)


class ReadAhead:
    def __init__(
        self, model: LlamaCppLLM, request: Callable[[str], Awaitable[llm.ChatContext]]
    ) -> None:
        """``request(words)``: the context of a reply to ``words``, as it would be requested."""
        self._model = model
        self._request = request
        self._next: str | None = None
        self._task: asyncio.Task[None] | None = None
        # the last read's prompt and its next tokens (None: the read failed)
        self._last: tuple[str, asyncio.Future[dict[str, float] | None]] | None = None

    def heard(self, words: str, *, final: bool) -> None:
        """A transcript of the user's turn in progress (``final``: the turn's own)."""
        if final or not words.strip():
            self._next = None
            return
        self._next = words
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._read())

    async def next_tokens(self, prompt: str) -> dict[str, float] | None:
        """The likeliest tokens after ``prompt`` when it is the one last read (waited for while
        it is being read); else None."""
        if self._last is None or self._last[0] != prompt:
            return None
        return await asyncio.shield(self._last[1])

    def _read_already(self, prompt: str) -> bool:
        """``prompt`` is the last one read, and that read did not fail."""
        last = self._last
        return last is not None and last[0] == prompt and last[1].result() is not None

    async def aclose(self) -> None:
        if self._task is not None:
            self._task.cancel()

    async def _read(self) -> None:
        while self._next is not None:
            words, self._next = self._next, None
            read: asyncio.Future[dict[str, float] | None] = asyncio.Future()
            try:
                prompt = self._model.open_turn_prompt(await self._request(words))
                if prompt is None or self._read_already(prompt):
                    continue
                self._last = (prompt, read)
                engine = self._model.engine
                read.set_result(await asyncio.to_thread(engine.next_tokens, prompt, TOP_TOKENS))
            except Exception as e:  # the reply reads the words itself
                logger.debug("read-ahead failed", extra={"error": f"{type(e).__name__}: {e}"})
            finally:
                if not read.done():
                    read.set_result(None)
