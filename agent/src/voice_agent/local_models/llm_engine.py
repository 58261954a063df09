"""Qwen2.5 0.5B on llama.cpp (xllamacpp) in this process: one loaded model whose server
engine streams OpenAI ``chat.completion.chunk`` dicts to a callback, on the calling thread.
Returning ``True`` from the callback stops generation, which is how an interrupted turn frees
the model at once. The model host (``voice_agent.model_host``) serves one such engine to
every job on the host; ``make console`` and the in-process path use it directly.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

ChunkCallback = Callable[[Any], bool]


class ChatEngine(Protocol):
    """What ``LlamaCppLLM`` streams from: in this process, or the host's over HTTP."""

    options: LlamaOptions

    def complete(self, request: dict[str, Any], on_chunk: ChunkCallback) -> None: ...

    def next_tokens(self, prompt: str, n: int) -> dict[str, float]: ...


@dataclass(frozen=True, slots=True)
class LlamaOptions:
    n_ctx: int = 4096
    n_threads: int = 2
    max_tokens: int = 120
    temperature: float = 0.2
    seed: int = 42  # fixed: the same conversation gets the same reply (reproducible tests)
    # concurrent conversations decoded together (continuous batching); each slot gets
    # n_ctx tokens of context
    slots: int = 1
    cache_ram_mib: int = 0
    # reuse cached chunks of at least this many tokens after a gap (KV shifting): see
    # ``LlmSettings.cache_reuse_tokens``
    cache_reuse_tokens: int = 64


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
                params.n_ctx = self.options.n_ctx * self.options.slots
                params.n_parallel = self.options.slots
                # a host-memory cache of evicted prompts, restored when a conversation
                # comes back to a slot that served another one meanwhile
                params.cache_ram_mib = self.options.cache_ram_mib
                params.n_cache_reuse = self.options.cache_reuse_tokens
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

    def complete(self, request: dict[str, Any], on_chunk: ChunkCallback) -> None:
        """Blocking streamed chat completion; ``on_chunk(dict) -> bool`` (True = stop)."""
        self.load().handle_chat_completions(request, on_chunk)

    def next_tokens(self, prompt: str, n: int, *, slot: int | None = None) -> dict[str, float]:
        """The ``n`` likeliest tokens to follow ``prompt`` (a raw prompt, the chat template
        already applied: ``chat_prompt.py``) and their probabilities. On ``slot`` (a
        conversation's: its next request reuses the prompt evaluated here), else on the slot
        llama.cpp picks."""
        request: dict[str, Any] = {
            "prompt": prompt,
            "n_predict": 1,
            "n_probs": n,
            "temperature": 0,
            "cache_prompt": True,
        }
        if slot is not None:
            request["id_slot"] = slot
        chunks: list[Any] = []

        def keep(chunk: Any) -> bool:
            chunks.append(chunk)
            return False  # one token: nothing to stop

        self.load().handle_completions(request, keep)
        return top_tokens(chunks)


def top_tokens(chunks: list[Any]) -> dict[str, float]:
    """The first generated token's ``top_logprobs`` as probabilities (an error chunk: raised)."""
    for chunk in chunks:
        if isinstance(chunk, dict) and "error" in chunk:
            raise RuntimeError(f"llama.cpp: {chunk['error']}")
        choices = chunk.get("choices") if isinstance(chunk, dict) else None
        if choices:
            top = choices[0]["logprobs"]["content"][0]["top_logprobs"]
            return {str(t["token"]): math.exp(float(t["logprob"])) for t in top}
    raise RuntimeError("llama.cpp returned no token probabilities")
