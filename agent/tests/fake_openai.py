"""A local HTTP server that speaks the OpenAI APIs the agent uses, with injectable faults.

Real HTTP on 127.0.0.1 (aiohttp, in the test's event loop): streamed chat completions
(``POST /v1/chat/completions``, SSE), transcriptions (``POST /v1/audio/transcriptions``),
speech (``POST /v1/audio/speech``, raw 24 kHz PCM), the Azure OpenAI deployment URL
(``POST /openai/deployments/{d}/chat/completions?api-version=``) and ``GET /v1/models``.

``fault`` (settable per test): ``None`` answers; ``"429"``/``"500"`` answer with that
status and an OpenAI error body; ``"stall"`` sends the first chunk (the role, no content)
and then nothing until the client gives up.
"""

from __future__ import annotations

import asyncio
import json
import socket
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from aiohttp import web

Fault = Literal["429", "500", "stall"] | None

SPEECH_RATE = 24000  # OpenAI's "pcm" response format: 24 kHz mono int16


@dataclass
class Request:
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class FakeOpenAI:
    reply: str = "Paris is the capital of France."
    transcript: str = "what is the capital of france"
    fault: Fault = None
    requests: list[Request] = field(default_factory=list)
    url: str = ""  # http://127.0.0.1:PORT once started
    _runner: web.AppRunner | None = None
    _stalled: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def base_url(self) -> str:
        return f"{self.url}/v1"

    async def start(self) -> FakeOpenAI:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._chat)
        app.router.add_post("/openai/deployments/{deployment}/chat/completions", self._chat)
        app.router.add_post("/v1/audio/transcriptions", self._transcription)
        app.router.add_post("/v1/audio/speech", self._speech)
        app.router.add_get("/v1/models", self._models)
        self._runner = web.AppRunner(app, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
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
        body: dict[str, Any] = {}
        if request.content_type == "application/json":
            body = await request.json()
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
        )
        self.requests.append(recorded)
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
        await self._record(request)
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
        for word in self.reply.split(" "):
            await send({"content": word + " "})
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
        await self._record(request)
        if (error := self._error()) is not None:
            return error
        if self.fault == "stall":
            await self._stalled.wait()
        return web.json_response({"text": self.transcript})

    async def _speech(self, request: web.Request) -> web.StreamResponse:
        await self._record(request)
        if (error := self._error()) is not None:
            return error
        if self.fault == "stall":
            await self._stalled.wait()
        # 0.3 s of a 440 Hz tone: recognisably this server's audio, not silence
        t = np.arange(int(SPEECH_RATE * 0.3)) / SPEECH_RATE
        pcm = (np.sin(2 * np.pi * 440 * t) * 8000).astype(np.int16).tobytes()
        return web.Response(body=pcm, content_type="audio/pcm")

    async def _models(self, request: web.Request) -> web.Response:
        return web.json_response({"object": "list", "data": [{"id": "fake", "object": "model"}]})


def refused_url() -> str:
    """A loopback URL where nothing listens (connection refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"
