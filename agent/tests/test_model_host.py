"""The model host's HTTP side and the job's clients of it, with scripted engines standing in
for the models (the real ones are exercised by test_capacity_integration)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import numpy as np
import pytest
from voice_agent.local_models import LlamaOptions, PiperOptions
from voice_agent.model_host import HostedChatEngine, HostedPiperTTS, HostedSTT, host_info
from voice_agent.model_host.server import ModelHostServer, Models

pytestmark = pytest.mark.unit


class CountingEngine:
    """Streams chunk i until told to stop (or ``limit`` chunks); remembers why it ended."""

    def __init__(self, limit: int = 1000) -> None:
        self.options = LlamaOptions(slots=3)
        self.limit = limit
        self.requests: list[dict[str, Any]] = []
        self.stopped = threading.Event()
        self.sent = 0

    def complete(self, request: dict[str, Any], on_chunk: Any) -> None:
        self.requests.append(request)
        for i in range(self.limit):
            self.sent += 1
            if on_chunk({"choices": [{"delta": {"content": f"w{i} "}}]}):
                self.stopped.set()
                return
            time.sleep(0.002)

    def next_tokens(self, prompt: str, n: int, *, slot: int | None = None) -> dict[str, float]:
        self.requests.append({"prompt": prompt, "n": n, "id_slot": slot})
        return {"?": 0.75, " more": 0.25}


class EchoStt:
    def __init__(self) -> None:
        self.seen: list[np.ndarray] = []

    def transcribe(self, pcm: np.ndarray) -> str:
        self.seen.append(pcm)
        return f"{len(pcm)} samples"


class ScaleTts:
    def synthesize_pcm(
        self, text: str, *, length_scale: float | None = None, espeak_voice: str | None = None
    ) -> Iterator[bytes]:
        yield f"{text}@{length_scale}".encode() + (
            f"/{espeak_voice}".encode() if espeak_voice else b""
        )


@pytest.fixture
def host() -> Iterator[tuple[str, Models]]:
    models = Models(llm=CountingEngine(limit=5), stt=EchoStt(), tts=ScaleTts())  # type: ignore[arg-type]
    server = ModelHostServer(("127.0.0.1", 0), models)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", models
    finally:
        server.shutdown()
        server.server_close()


def test_health_tells_the_slots(host: tuple[str, Models]) -> None:
    url, _ = host
    info = host_info(url)
    assert (info.slots, info.busy) == (3, 0)


def test_a_chat_streams_every_chunk_then_ends(host: tuple[str, Models]) -> None:
    url, models = host
    chunks: list[Any] = []
    HostedChatEngine(url, LlamaOptions()).complete(
        {"messages": [{"role": "user", "content": "hi"}], "stream": False},
        lambda c: chunks.append(c) is not None,
    )
    assert [c["choices"][0]["delta"]["content"] for c in chunks] == [f"w{i} " for i in range(5)]
    assert models.llm.requests[0]["stream"] is True  # type: ignore[attr-defined]
    assert models.busy == 0


def test_a_client_that_stops_frees_the_slot(host: tuple[str, Models]) -> None:
    url, models = host
    engine = CountingEngine()
    models.llm = engine  # type: ignore[assignment]
    HostedChatEngine(url, LlamaOptions()).complete(
        {"messages": [{"role": "user", "content": "hi"}]}, lambda c: True
    )
    assert engine.stopped.wait(5), "the host kept generating for a client that left"
    assert engine.sent < 100


def test_speech_to_text_and_back(host: tuple[str, Models]) -> None:
    url, models = host
    pcm = np.linspace(-0.5, 0.5, 1600, dtype=np.float32)
    assert HostedSTT(url).transcribe(pcm) == "1600 samples"
    np.testing.assert_array_equal(models.stt.seen[0], pcm)  # type: ignore[attr-defined]
    tts = HostedPiperTTS(url)
    tts.update_options(length_scale=1.2)
    assert b"".join(tts.synthesize_pcm("Hello.")) == b"Hello.@1.2"


def test_speech_in_another_language_is_read_with_its_phonemes(host: tuple[str, Models]) -> None:
    url, _ = host
    german = HostedPiperTTS(url, options=PiperOptions(espeak_voice="de"))
    assert b"".join(german.synthesize_pcm("Hallo.")) == b"Hallo.@1.0/de"


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("/v1/stt", b"abc", 400),  # not float32 samples
        ("/v1/tts", b'{"text": "x", "length_scale": 9}', 400),
        ("/v1/tts", b"not json", 400),
        ("/v1/tts", b'{"text": "x", "espeak_voice": "../etc"}', 400),
        ("/v1/chat/completions", b'{"messages": "x"}', 400),
        ("/v1/chat/completions", b"", 400),
        ("/v1/nothing", b"{}", 404),
        ("/v1/next_tokens", b'{"prompt": "x"}', 400),
        ("/v1/next_tokens", b'{"prompt": "", "n": 5}', 400),
        ("/v1/next_tokens", b'{"prompt": "x", "n": 500}', 400),
        ("/v1/next_tokens", b'{"prompt": "x", "n": "5"}', 400),
    ],
)
def test_bad_requests_get_a_clear_4xx(
    host: tuple[str, Models], path: str, body: bytes, status: int
) -> None:
    url, _ = host
    response = httpx.post(f"{url}{path}", content=body)
    assert response.status_code == status
    assert response.json()["error"]


def test_a_prompt_is_scored_on_its_conversations_slot(host: tuple[str, Models]) -> None:
    url, models = host
    engine = HostedChatEngine(url, LlamaOptions())
    engine.complete({"messages": []}, lambda _chunk: True)
    assert engine.next_tokens("<|im_start|>user\nHi", 20) == {"?": 0.75, " more": 0.25}
    llm: CountingEngine = models.llm  # type: ignore[assignment]
    chat, scored = llm.requests[-2:]
    # the conversation's next request reuses what was read for the score
    assert scored == {"prompt": "<|im_start|>user\nHi", "n": 20, "id_slot": chat["id_slot"]}
    assert httpx.post(f"{url}/v1/next_tokens", json={"prompt": "x", "n": 3}).status_code == 200
    assert llm.requests[-1]["id_slot"] is None  # no conversation named: llama.cpp picks


def test_each_conversation_keeps_its_own_slot(host: tuple[str, Models]) -> None:
    url, models = host
    engines = [HostedChatEngine(url, LlamaOptions()) for _ in range(4)]
    request = {"messages": [{"role": "user", "content": "hi"}]}
    for engine in [*engines[:3], *engines[:3]]:
        engine.complete(dict(request), lambda _c: False)
    llm: CountingEngine = models.llm  # type: ignore[assignment]
    slots = [r["id_slot"] for r in llm.requests]
    first, again = slots[:3], slots[3:]
    assert sorted(first) == [0, 1, 2]  # three slots: one each
    assert again == first  # each turn back on its own slot (its prompt is cached there)
    # a fourth conversation takes the slot of the least recently active one
    engines[3].complete(dict(request), lambda _c: False)
    assert llm.requests[-1]["id_slot"] == first[0]
    engines[0].complete(dict(request), lambda _c: False)
    assert llm.requests[-1]["id_slot"] == first[1]


def test_a_chat_without_a_conversation_is_left_to_llama_cpp(host: tuple[str, Models]) -> None:
    url, models = host
    httpx.post(f"{url}/v1/chat/completions", json={"messages": []}, timeout=5).raise_for_status()
    llm: CountingEngine = models.llm  # type: ignore[assignment]
    assert "id_slot" not in llm.requests[-1]
    long = httpx.post(
        f"{url}/v1/chat/completions",
        json={"messages": []},
        headers={"X-Conversation": "x" * 129},
        timeout=5,
    )
    assert long.status_code == 400 and "X-Conversation" in long.json()["error"]


def test_a_speech_request_says_when_its_audio_is_due(host: tuple[str, Models]) -> None:
    url, _ = host
    bad = httpx.post(
        f"{url}/v1/tts", json={"text": "x"}, headers={"X-Deadline-Ms": "soon"}, timeout=5
    )
    assert bad.status_code == 400 and "X-Deadline-Ms" in bad.json()["error"]
    seen: list[str] = []
    tts = HostedPiperTTS(url)
    tts._client.event_hooks["request"].append(lambda r: seen.append(r.headers["X-Deadline-Ms"]))
    for text in ("First clause,", "then a later one."):
        b"".join(tts.synthesize_pcm(text))
    tts.new_reply()
    b"".join(tts.synthesize_pcm("A new reply."))
    # ScaleTts returns a few bytes (well under the 1 s margin): every clause is due now
    assert seen == ["0", "0", "0"]


class HeldStt(EchoStt):
    """Transcribes once ``release`` is set; tells when a transcription has begun."""

    def __init__(self) -> None:
        super().__init__()
        self.started = threading.Event()
        self.release = threading.Event()

    def transcribe(self, pcm: np.ndarray) -> str:
        self.started.set()
        self.release.wait(5)
        return super().transcribe(pcm)


def test_a_droppable_transcript_is_refused_while_the_host_is_busy(
    host: tuple[str, Models],
) -> None:
    url, models = host
    held = HeldStt()
    models.stt = held  # type: ignore[assignment]
    pcm = np.zeros(1600, dtype=np.float32)
    final: list[str] = []
    turn = threading.Thread(target=lambda: final.append(HostedSTT(url).transcribe(pcm)))
    turn.start()
    assert held.started.wait(5)
    # refused at once, not queued behind the turn's transcript (nor raised as an error)
    assert HostedSTT(url).try_transcribe(pcm) is None
    held.release.set()
    turn.join(5)
    assert final == ["1600 samples"]
    assert HostedSTT(url).try_transcribe(pcm) == "1600 samples"  # served when free
    assert len(held.seen) == 2
    with models.running():  # another call's reply runs
        assert HostedSTT(url).try_transcribe(pcm) is None
    with models.voice_gate.turn():  # another call's speech is made
        assert HostedSTT(url).try_transcribe(pcm) is None
    assert len(held.seen) == 2
