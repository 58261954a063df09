"""A stand-in for a paid cloud API: a local HTTP server that speaks the OpenAI APIs the agent
uses, with the delays of a real one and injectable faults. Not a mock of our code: the
agent's real ``openai`` provider (the livekit plugin) talks to it over HTTP.

    python bench/fake_cloud.py [--port 0] [--stt-ms 150] [--first-token-ms 300]
        [--token-ms 20] [--tts-first-byte-ms 100]

prints ``fake-cloud: ready http://127.0.0.1:PORT/v1`` and serves until SIGTERM/SIGINT (the
capacity bench runs it as its own process, so its CPU is not the agent's). Tests start it
in their event loop (``await FakeOpenAI(...).start()``).

Routes: streamed chat completions (``POST /v1/chat/completions``, SSE: the role chunk at
once, the first word after ``first_token_s``, then one word per ``token_interval_s``),
transcriptions (``POST /v1/audio/transcriptions``, answered after ``stt_s``), speech
(``POST /v1/audio/speech``, raw 24 kHz PCM streamed in 100 ms chunks: the first after
``tts_first_byte_s``, the rest ``TTS_SPEED`` times faster than real time), the Azure OpenAI
deployment URL (``POST /openai/deployments/{d}/chat/completions?api-version=``), Azure
Speech's REST synthesis (``POST /cognitiveservices/v1``: SSML in, raw PCM at the rate its
``X-Microsoft-OutputFormat`` names; the SSML is kept as ``body["ssml"]``, so a test sees the
voice and ``xml:lang`` it asked for) and ``GET /v1/models``.

It cannot transcribe: every audio it is sent is heard as ``transcript`` (the capacity bench
does not check what the agent understood, only that each turn is answered and when). Its
speech is a voiced, syllable-paced buzz at speech level (about 60 ms per character of text),
so a client that listens for audible audio hears the agent talk, for as long as it would.

``fault`` (settable per test): ``None`` answers; ``"429"``/``"500"`` answer with that
status and an OpenAI error body; ``"stall"`` sends the first chunk (the role, no content)
and then nothing until the client gives up.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import signal
import socket
import time
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from aiohttp import web

Fault = Literal["429", "500", "stall"] | None

SPEECH_RATE = 24000  # OpenAI's "pcm" response format: 24 kHz mono int16
CHUNK_S = 0.1  # speech is streamed in chunks of this much audio
TTS_SPEED = 4.0  # how much faster than real time the speech streams after its first byte
SECONDS_PER_CHAR = 0.06  # ~15 characters a second, a calm speaking pace
CLOUD_REPLY = (
    "Paris is the capital of France. Interestingly, it is also the largest city in the country."
)


@dataclass(frozen=True, slots=True)
class Delays:
    """What a cloud provider adds to each request (seconds)."""

    stt_s: float = 0.0
    first_token_s: float = 0.0
    token_interval_s: float = 0.0
    tts_first_byte_s: float = 0.0


# what the capacity bench's cloud ladder injects (the example figures)
CLOUD_DELAYS = Delays(stt_s=0.15, first_token_s=0.3, token_interval_s=0.02, tts_first_byte_s=0.1)


@dataclass
class Request:
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: dict[str, Any]
    received_at: float = 0.0  # time.monotonic()
    first_byte_at: float | None = None  # the first content: a word, a transcript, audio


@dataclass
class FakeOpenAI:
    reply: str = "Paris is the capital of France."
    transcript: str = "what is the capital of france"
    delays: Delays = Delays()
    fault: Fault = None
    keep_requests: bool = True  # off for long runs: the list would grow with every turn
    requests: list[Request] = field(default_factory=list)
    served: dict[str, int] = field(default_factory=dict)  # path -> requests answered
    url: str = ""  # http://127.0.0.1:PORT once started
    _runner: web.AppRunner | None = None
    _stalled: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def base_url(self) -> str:
        return f"{self.url}/v1"

    async def start(self, port: int = 0) -> FakeOpenAI:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._chat)
        app.router.add_post("/openai/deployments/{deployment}/chat/completions", self._chat)
        app.router.add_post("/v1/audio/transcriptions", self._transcription)
        app.router.add_post("/v1/audio/speech", self._speech)
        app.router.add_post("/cognitiveservices/v1", self._azure_speech)
        app.router.add_get("/v1/models", self._models)
        self._runner = web.AppRunner(app, shutdown_timeout=0.1, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def aclose(self) -> None:
        self._stalled.set()  # release stalled handlers
        if self._runner is not None:
            await self._runner.cleanup()

    def paths(self) -> list[str]:
        return [r.path for r in self.requests]

    async def _record(self, request: web.Request) -> Request:
        received = time.monotonic()
        body: dict[str, Any] = {}
        if request.content_type == "application/json":
            body = await request.json()
        elif request.content_type == "application/ssml+xml":
            body = {"ssml": await request.text()}
        elif request.content_type.startswith("multipart/"):
            form = await request.post()
            body = {
                k: (v if isinstance(v, str) else f"<file {len(v.file.read())} bytes>")
                for k, v in form.items()
            }
        recorded = Request(
            path=request.path,
            query=dict(request.query),
            headers={k.lower(): v for k, v in request.headers.items()},
            body=body,
            received_at=received,
        )
        if self.keep_requests:
            self.requests.append(recorded)
        self.served[request.path] = self.served.get(request.path, 0) + 1
        return recorded

    def _error(self) -> web.Response | None:
        if self.fault in ("429", "500"):
            status = int(self.fault)
            kind = "rate_limit_exceeded" if status == 429 else "server_error"
            return web.json_response(
                {"error": {"message": f"injected {status}", "type": kind, "code": kind}},
                status=status,
            )
        return None

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        recorded = await self._record(request)
        if (error := self._error()) is not None:
            return error
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)

        async def send(delta: dict[str, Any], finish: str | None = None) -> None:
            chunk = {
                "id": "chatcmpl-fake",
                "object": "chat.completion.chunk",
                "created": 0,
                "model": "fake",
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            }
            await response.write(f"data: {json.dumps(chunk)}\n\n".encode())

        await send({"role": "assistant", "content": ""})
        if self.fault == "stall":
            await self._stalled.wait()  # until the server closes; the client times out first
            return response
        await asyncio.sleep(self.delays.first_token_s)
        for n, word in enumerate(self.reply.split(" ")):
            if n:
                await asyncio.sleep(self.delays.token_interval_s)
            await send({"content": word + " "})
            if recorded.first_byte_at is None:
                recorded.first_byte_at = time.monotonic()
        await send({}, finish="stop")
        usage = {
            "id": "chatcmpl-fake",
            "object": "chat.completion.chunk",
            "created": 0,
            "model": "fake",
            "choices": [],
            "usage": {"prompt_tokens": 10, "completion_tokens": 7, "total_tokens": 17},
        }
        await response.write(f"data: {json.dumps(usage)}\n\n".encode())
        await response.write(b"data: [DONE]\n\n")
        return response

    async def _transcription(self, request: web.Request) -> web.Response:
        recorded = await self._record(request)
        if (error := self._error()) is not None:
            return error
        if self.fault == "stall":
            await self._stalled.wait()
        await asyncio.sleep(self.delays.stt_s)
        recorded.first_byte_at = time.monotonic()
        return web.json_response({"text": self.transcript})

    async def _speech(self, request: web.Request) -> web.StreamResponse:
        recorded = await self._record(request)
        if (error := self._error()) is not None:
            return error
        if (fmt := recorded.body.get("response_format", "pcm")) != "pcm":
            return web.json_response(
                {"error": {"message": f"response_format {fmt!r}: only pcm", "type": "invalid"}},
                status=400,
            )
        if self.fault == "stall":
            await self._stalled.wait()
        pcm = speech_signal(str(recorded.body.get("input", "")))
        response = web.StreamResponse(headers={"Content-Type": "audio/pcm"})
        await response.prepare(request)
        await asyncio.sleep(self.delays.tts_first_byte_s)
        step = int(SPEECH_RATE * CHUNK_S) * 2  # bytes
        for start in range(0, len(pcm), step):
            if start:
                await asyncio.sleep(CHUNK_S / TTS_SPEED)
            await response.write(pcm[start : start + step])
            if recorded.first_byte_at is None:
                recorded.first_byte_at = time.monotonic()
        await response.write_eof()
        return response

    async def _azure_speech(self, request: web.Request) -> web.Response:
        recorded = await self._record(request)
        if (error := self._error()) is not None:
            return error
        found = re.search(r"raw-(\d+)(k?)hz", recorded.headers.get("x-microsoft-outputformat", ""))
        rate = SPEECH_RATE
        if found:  # "raw-24khz-…" or "raw-22050hz-…"
            rate = int(found.group(1)) * (1000 if found.group(2) else 1)
        text = re.sub(r"<[^>]+>", "", str(recorded.body.get("ssml", "")))
        recorded.first_byte_at = time.monotonic()
        return web.Response(body=speech_signal(text, rate=rate), content_type="audio/pcm")

    async def _models(self, request: web.Request) -> web.Response:
        return web.json_response({"object": "list", "data": [{"id": "fake", "object": "model"}]})


def speech_signal(text: str, *, rate: int = SPEECH_RATE) -> bytes:
    """Int16 PCM at ``rate`` (24 kHz) as long as ``text`` would take to say: a 140 Hz voiced
    buzz (fundamental and harmonics) under a 4 Hz syllable envelope, at about -15 dBFS RMS."""
    seconds = max(0.3, min(15.0, SECONDS_PER_CHAR * len(text)))
    t = np.arange(int(rate * seconds)) / rate
    voice = sum(np.sin(2 * np.pi * 140 * k * t) / k for k in range(1, 6))
    envelope = 0.55 + 0.45 * np.sin(2 * np.pi * 4 * t)
    return (voice * envelope * 5000).astype(np.int16).tobytes()


def refused_url() -> str:
    """A loopback URL where nothing listens (connection refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


async def serve(server: FakeOpenAI, port: int) -> None:
    await server.start(port)
    print(f"fake-cloud: ready {server.base_url}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await server.aclose()
    print(f"fake-cloud: served {json.dumps(server.served, sort_keys=True)}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--stt-ms", type=float, default=CLOUD_DELAYS.stt_s * 1000)
    parser.add_argument("--first-token-ms", type=float, default=CLOUD_DELAYS.first_token_s * 1000)
    parser.add_argument("--token-ms", type=float, default=CLOUD_DELAYS.token_interval_s * 1000)
    parser.add_argument(
        "--tts-first-byte-ms", type=float, default=CLOUD_DELAYS.tts_first_byte_s * 1000
    )
    parser.add_argument("--reply", default=CLOUD_REPLY)
    parser.add_argument("--transcript", default="what is the capital of france")
    args = parser.parse_args()
    delays = Delays(
        stt_s=args.stt_ms / 1000,
        first_token_s=args.first_token_ms / 1000,
        token_interval_s=args.token_ms / 1000,
        tts_first_byte_s=args.tts_first_byte_ms / 1000,
    )
    server = FakeOpenAI(
        reply=args.reply, transcript=args.transcript, delays=delays, keep_requests=False
    )
    asyncio.run(serve(server, args.port))


if __name__ == "__main__":
    main()
