"""The job's side of the model host: the local plugins, with the models in the host.

Each class keeps its in-process counterpart's interface (the framework plugin code above
them is the same) and replaces only the blocking model call with an HTTP request on
loopback, made from the worker thread the plugin already runs it in.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import httpx
import numpy as np

from ..http_clients import sync_client
from ..local_models import LlamaOptions, LocalSTT, PiperOptions, PiperTTS
from ..local_models.llm_engine import ChunkCallback
from ..local_models.tts import SAMPLE_RATE


class ModelHostUnavailable(RuntimeError):
    """The model host did not answer; the message names the setting to check."""


@dataclass(frozen=True, slots=True)
class HostInfo:
    slots: int
    busy: int


def host_info(url: str, *, timeout_s: float = 5.0) -> HostInfo:
    """The host's LLM slots (its capacity for concurrent conversations) and how many of its
    requests are running now."""
    try:
        response = httpx.get(f"{url}/health", timeout=timeout_s)
        response.raise_for_status()
        body = response.json()
        return HostInfo(slots=int(body["slots"]), busy=int(body["busy"]))
    except (httpx.HTTPError, ValueError, KeyError, TypeError) as e:
        raise ModelHostUnavailable(
            f"the model host at {url} (AGENT_MODEL_HOST__URL) did not answer: {e}"
        ) from e


class HostedChatEngine:
    """``ChatEngine`` over HTTP: the host's llama.cpp, shared with every job on the host.
    One engine per job: its requests name one conversation, which keeps a slot in the host."""

    def __init__(self, url: str, options: LlamaOptions, *, timeout_s: float = 30.0) -> None:
        self.url = url
        self.options = options
        self.conversation = uuid.uuid4().hex
        # connect fast or fail over; a slot may take a while to free up under load
        self._client = sync_client(
            timeout=httpx.Timeout(timeout_s, connect=2.0),
            headers={"X-Conversation": self.conversation},
        )

    def complete(self, request: dict[str, Any], on_chunk: ChunkCallback) -> None:
        """Blocking streamed completion; returning True from ``on_chunk`` closes the stream,
        which stops the generation in the host."""
        url = f"{self.url}/v1/chat/completions"
        with self._client.stream("POST", url, json=request) as response:
            response.raise_for_status()
            for line in response.iter_lines():
                if not line.startswith("data: "):
                    continue
                data = line[len("data: ") :]
                if data == "[DONE]":
                    return
                if on_chunk(json.loads(data)):
                    return

    def next_tokens(self, prompt: str, n: int) -> dict[str, float]:
        response = self._client.post(f"{self.url}/v1/next_tokens", json={"prompt": prompt, "n": n})
        response.raise_for_status()
        return {str(k): float(v) for k, v in response.json()["tokens"].items()}


class HostedSTT(LocalSTT):
    """The model host's STT engine (the clip is trimmed and the transcript cleaned there).
    ``model``: the name its metrics carry (the host's engine, ``AGENT_STT__ENGINE``)."""

    def __init__(self, url: str, *, model: str | None = None, timeout_s: float = 10.0) -> None:
        super().__init__(model)
        self._url = url
        self._client = sync_client(timeout=timeout_s)

    def transcribe(self, pcm: np.ndarray) -> str:
        return self._post(pcm, droppable=False) or ""

    def try_transcribe(self, pcm: np.ndarray) -> str | None:
        return self._post(pcm, droppable=True)

    def _post(self, pcm: np.ndarray, *, droppable: bool) -> str | None:
        if len(pcm) == 0:
            return ""
        headers = {"Content-Type": "application/octet-stream"}
        if droppable:
            headers["X-Droppable"] = "1"
        response = self._client.post(
            f"{self._url}/v1/stt", content=np.asarray(pcm, dtype="<f4").tobytes(), headers=headers
        )
        if droppable and response.status_code == HTTPStatus.SERVICE_UNAVAILABLE:
            return None
        response.raise_for_status()
        return str(response.json()["text"])


class HostedPiperTTS(PiperTTS):
    """Piper in the model host, at this conversation's pace. Each request says when its
    audio is due (``X-Deadline-Ms``): now for a reply's first clause, later for a clause
    whose reply still has audio to play, so the host serves other calls' first clauses
    before it."""

    def __init__(
        self, url: str, *, options: PiperOptions | None = None, timeout_s: float = 10.0
    ) -> None:
        super().__init__(options=options)
        self._url = url
        self._client = sync_client(timeout=timeout_s)
        self._playout = Playout()

    def warm_up(self, *, longest_chars: int = 0) -> None:
        pass  # the host warmed its voice

    def new_reply(self) -> None:
        self._playout = Playout()

    def synthesize_pcm(
        self, text: str, *, length_scale: float | None = None, espeak_voice: str | None = None
    ) -> Iterator[bytes]:
        playout = self._playout
        response = self._client.post(
            f"{self._url}/v1/tts",
            json={
                "text": text,
                "length_scale": length_scale or self.options.length_scale,
                "espeak_voice": espeak_voice or self.options.espeak_voice,
            },
            headers={"X-Deadline-Ms": str(round(playout.due_in_s() * 1000))},
        )
        response.raise_for_status()
        playout.add(len(response.content) / 2 / SAMPLE_RATE)
        yield response.content


class Playout:
    """When a reply's synthesised audio runs out, were it played as soon as it was made
    (its next clause is due then, less a margin for the synthesis itself)."""

    def __init__(self, *, margin_s: float = 1.0) -> None:
        self.margin_s = margin_s
        self._ends_at = 0.0

    def due_in_s(self) -> float:
        return max(0.0, self._ends_at - time.monotonic() - self.margin_s)

    def add(self, seconds: float) -> None:
        self._ends_at = max(self._ends_at, time.monotonic()) + seconds
