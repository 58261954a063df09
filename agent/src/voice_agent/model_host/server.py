"""The model host: one process per machine that holds the offline models for every job.

llama.cpp decodes the conversations of all jobs together (its server engine, with one slot
per concurrent conversation and continuous batching); the STT engine (Moonshine or Whisper,
``AGENT_STT__ENGINE``) and Piper are loaded once. Job processes then hold only the VAD and
their audio, and talk to this process over HTTP on loopback:

- ``GET /health``: ``{"status": "ok", "slots": N, "busy": k}``
- ``POST /v1/chat/completions``: OpenAI-style request, streamed back as server-sent events
  (the engine's ``chat.completion.chunk`` dicts, then ``[DONE]``). A client that goes away
  stops the generation at the next token. ``X-Conversation: <key>`` keeps the conversation
  on a slot of its own (``slots.py``), so its next turn reuses its cached prompt.
- ``POST /v1/next_tokens``: ``{"prompt": ..., "n": ...}`` (a raw prompt, at most
  ``MAX_SCORED_PROMPT_CHARS``; n at most ``MAX_TOP_TOKENS``) in, ``{"tokens": {token: p}}``
  out: the likeliest next tokens (the ``lm`` turn detector). With ``X-Conversation``, on
  that conversation's slot: the prompt is its next request's beginning, which then reuses it.
- ``POST /v1/stt``: 16 kHz mono float32 little-endian PCM in, ``{"text": ...}`` out. One
  transcription at a time, in arrival order. ``X-Droppable: 1`` (a transcript of the speech
  so far, made while the user still talks): served only if nothing else runs or waits on
  the host (no transcription, reply or speech), else refused at once with 503, so it never
  delays a turn's transcript nor takes the cores from another call's reply.
- ``POST /v1/tts``: ``{"text": ..., "length_scale": ..., "espeak_voice": ...}`` in (the last
  two optional; ``espeak_voice`` reads another language: languages.py), 22.05 kHz mono int16
  PCM out.
  ``X-Deadline-Ms``: how soon the audio is due; the voice serves the soonest first
  (``deadline_gate.py``).

Every request runs in its own thread (the engines block and release the GIL).
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import numpy as np

from ..local_models import LlamaEngine, LocalSTT, PiperTTS
from .deadline_gate import DeadlineGate
from .log import logger
from .slots import MAX_KEY_CHARS, ConversationSlots

_ESPEAK_VOICE = re.compile(r"[a-z]{2,3}(-[a-z0-9]{2,8})?")

# a request body larger than this is refused (60 s of 16 kHz float32 audio is 3.8 MB)
MAX_BODY_BYTES = 8 * 1024 * 1024
# a scored prompt is a conversation so far (turn_end_lm.py), within a slot's context
MAX_SCORED_PROMPT_CHARS = 200_000
MAX_TOP_TOKENS = 50
# a speech request due later than this is served as if due then (it still waits its turn)
MAX_DEADLINE_MS = 60_000


@dataclass
class Models:
    llm: LlamaEngine
    stt: LocalSTT
    tts: PiperTTS
    busy: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    slots: ConversationSlots = field(init=False)
    voice_gate: DeadlineGate = field(default_factory=DeadlineGate)
    stt_gate: DeadlineGate = field(default_factory=DeadlineGate)

    def __post_init__(self) -> None:
        self.slots = ConversationSlots(self.llm.options.slots)

    @contextlib.contextmanager
    def running(self) -> Iterator[None]:
        """Counts a request to the LLM as running (``busy`` in /health) while inside."""
        with self.lock:
            self.busy += 1
        try:
            yield
        finally:
            with self.lock:
                self.busy -= 1


class ModelHostServer(ThreadingHTTPServer):
    daemon_threads = True
    # a burst of new conversations connects at once
    request_queue_size = 64

    def __init__(self, address: tuple[str, int], models: Models) -> None:
        super().__init__(address, _Handler)
        self.models = models


class _BadRequest(Exception):
    pass


class _Handler(BaseHTTPRequestHandler):
    server: ModelHostServer
    protocol_version = "HTTP/1.1"  # keep-alive for the short STT/TTS requests

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (stdlib's name)
        pass  # one line per request would drown the stack's log

    def do_GET(self) -> None:
        if self.path != "/health":
            self._json(HTTPStatus.NOT_FOUND, {"error": "not found"})
            return
        models = self.server.models
        self._json(
            HTTPStatus.OK,
            {"status": "ok", "slots": models.llm.options.slots, "busy": models.busy},
        )

    def do_POST(self) -> None:
        routes = {
            "/v1/chat/completions": self._chat,
            "/v1/next_tokens": self._next_tokens,
            "/v1/stt": self._stt,
            "/v1/tts": self._tts,
        }
        route = routes.get(self.path)
        if route is None:
            self._json(HTTPStatus.NOT_FOUND, {"error": "not found"})
            return
        try:
            body = self._body()
            route(body)
        except _BadRequest as e:
            self._json(HTTPStatus.BAD_REQUEST, {"error": str(e)})
        except Exception:
            logger.exception("model host request failed", extra={"path": self.path})
            self.close_connection = True

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        if length <= 0 or length > MAX_BODY_BYTES:
            raise _BadRequest(f"a body of 1 to {MAX_BODY_BYTES} bytes is required")
        return self.rfile.read(length)

    def _json(self, status: HTTPStatus, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _conversation_slot(self) -> int | None:
        """The slot of the conversation the request names (``X-Conversation``), if any."""
        if key := self.headers.get("X-Conversation"):
            if len(key) > MAX_KEY_CHARS:
                raise _BadRequest(f"X-Conversation is at most {MAX_KEY_CHARS} characters")
            return self.server.models.slots.slot_for(key)
        return None

    def _chat(self, body: bytes) -> None:
        try:
            request = json.loads(body)
        except ValueError:
            raise _BadRequest("the body is not JSON") from None
        if not isinstance(request, dict) or not isinstance(request.get("messages"), list):
            raise _BadRequest("a chat request needs a list of messages")
        if (slot := self._conversation_slot()) is not None:
            request["id_slot"] = slot
        request["stream"] = True
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")  # the stream ends with the connection
        self.end_headers()
        self.close_connection = True
        gone = False

        def send(chunk: Any) -> bool:
            nonlocal gone
            if gone:
                return True
            try:
                self.wfile.write(b"data: " + json.dumps(chunk).encode() + b"\n\n")
                self.wfile.flush()
            except OSError:  # the job stopped reading: free the slot now
                gone = True
            return gone

        models = self.server.models
        with models.running():
            try:
                models.llm.complete(request, send)
            except Exception as e:
                logger.exception("llama.cpp failed")
                send({"error": {"message": f"{type(e).__name__}: {e}"}})
        if not gone:
            with contextlib.suppress(OSError):
                self.wfile.write(b"data: [DONE]\n\n")

    def _next_tokens(self, body: bytes) -> None:
        try:
            request = json.loads(body)
            prompt, n = request["prompt"], request["n"]
        except (ValueError, KeyError, TypeError):
            raise _BadRequest('a scoring request is {"prompt": ..., "n": ...}') from None
        if not isinstance(prompt, str) or not 0 < len(prompt) <= MAX_SCORED_PROMPT_CHARS:
            raise _BadRequest(f"prompt must be text of 1 to {MAX_SCORED_PROMPT_CHARS} characters")
        if not isinstance(n, int) or not 0 < n <= MAX_TOP_TOKENS:
            raise _BadRequest(f"n must be a whole number from 1 to {MAX_TOP_TOKENS}")
        slot = self._conversation_slot()
        models = self.server.models
        with models.running():
            tokens = models.llm.next_tokens(prompt, n, slot=slot)
        self._json(HTTPStatus.OK, {"tokens": tokens})

    def _stt(self, body: bytes) -> None:
        if len(body) % 4:
            raise _BadRequest("the body must be float32 samples")
        pcm = np.frombuffer(body, dtype="<f4").astype(np.float32)
        models = self.server.models
        if self.headers.get("X-Droppable") == "1":
            with models.stt_gate.turn_if_free() as free:
                # only on an otherwise idle host: the cores are what every call shares
                if not free or models.busy or models.voice_gate.busy:
                    self._json(HTTPStatus.SERVICE_UNAVAILABLE, {"error": "the STT is busy"})
                    return
                text = models.stt.transcribe(pcm)
        else:
            with models.stt_gate.turn():
                text = models.stt.transcribe(pcm)
        self._json(HTTPStatus.OK, {"text": text})

    def _tts(self, body: bytes) -> None:
        try:
            request = json.loads(body)
            text = str(request["text"])
            length_scale = float(request.get("length_scale") or 0) or None
            espeak_voice = str(request.get("espeak_voice") or "") or None
        except (ValueError, KeyError, TypeError):
            raise _BadRequest('a speech request is {"text": ..., "length_scale": ...}') from None
        if length_scale is not None and not 0.2 < length_scale <= 3.0:
            raise _BadRequest("length_scale must be in (0.2, 3.0]")
        if espeak_voice is not None and not _ESPEAK_VOICE.fullmatch(str(espeak_voice)):
            raise _BadRequest("espeak_voice must be a language code such as de or pt-br")
        try:
            due_in_ms = int(self.headers.get("X-Deadline-Ms") or 0)
        except ValueError:
            raise _BadRequest("X-Deadline-Ms must be a whole number of milliseconds") from None
        models = self.server.models
        with models.voice_gate.turn(min(due_in_ms, MAX_DEADLINE_MS) / 1000):
            pcm = b"".join(
                models.tts.synthesize_pcm(
                    text, length_scale=length_scale, espeak_voice=espeak_voice
                )
            )
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(pcm)))
        self.end_headers()
        self.wfile.write(pcm)
