"""One VAD inference per call for the session and the transcriber.

The session runs a VAD stream (turns, interruptions) and the speculative STT adapter another
(utterances to transcribe), both over the call's microphone audio: Silero ran twice on
every 32 ms window, about a quarter of a call's Python CPU with remote providers
(docs/benchmarks.md). Here one inner stream serves both: the session's streams come from
``SharedVAD.stream()``, the transcriber's from ``SharedVAD.transcriber().stream()``, and
every open stream receives every event of the inner stream.

The inner stream is fed the transcriber's audio (its newest open stream), or, while it has
none, the session's (its oldest). The two differ only where the framework hands the STT
silence instead of the microphone: the first 3 s of the agent's first reply
(``aec_warmup_duration``: echo before the browser's echo canceller settles) and speech the
user may not interrupt. The transcriber so cuts its utterances from exactly the audio it
was given, as before; the session's VAD hears that silence too, where the framework ignores
the user's speech for interruptions anyway. Flushes are passed on from the feeding stream
only. The last stream to end its input gets the events of everything it fed. Each stream
reports the VAD's metrics to its own VAD, so the session's are unchanged.
"""

from __future__ import annotations

import asyncio
import contextlib

from livekit import rtc
from livekit.agents import vad


class SharedVAD(vad.VAD):
    def __init__(self, inner: vad.VAD) -> None:
        super().__init__(capabilities=inner.capabilities)
        self._inner = inner
        self._session_streams: list[_SharedStream] = []
        self._transcriber_streams: list[_SharedStream] = []
        self._transcriber = _TranscriberVAD(self)
        self._source: vad.VADStream | None = None
        self._pump: asyncio.Task[None] | None = None

    @property
    def model(self) -> str:
        return self._inner.model

    @property
    def provider(self) -> str:
        return self._inner.provider

    def stream(self) -> vad.VADStream:
        return self._open(self, self._session_streams)

    def transcriber(self) -> vad.VAD:
        """The VAD to give the STT adapter: its streams feed the shared inference."""
        return self._transcriber

    def _open(self, owner: vad.VAD, streams: list[_SharedStream]) -> _SharedStream:
        stream = _SharedStream(owner, self)
        streams.append(stream)
        return stream

    def _feeds(self, stream: _SharedStream) -> bool:
        if self._transcriber_streams:
            return self._transcriber_streams[-1] is stream
        return bool(self._session_streams) and self._session_streams[0] is stream

    def _push(self, item: rtc.AudioFrame | vad.VADStream._FlushSentinel) -> None:
        if self._source is None:
            self._source = self._inner.stream()
            self._pump = asyncio.create_task(self._broadcast(self._source), name="shared_vad")
        if isinstance(item, rtc.AudioFrame):
            self._source.push_frame(item)
        else:
            self._source.flush()

    async def _broadcast(self, source: vad.VADStream) -> None:
        async for event in source:
            for stream in (*self._session_streams, *self._transcriber_streams):
                stream._deliver(event)

    async def _finish(self, stream: _SharedStream) -> None:
        """``stream``'s input ended. If no other stream listens, the inner stream first
        infers what it was fed (its last events still reach ``stream``)."""
        others = (*self._session_streams, *self._transcriber_streams)
        if self._source is None or any(other is not stream for other in others):
            return
        self._source.end_input()
        if self._pump is not None:
            await self._pump

    async def _leave(self, stream: _SharedStream) -> None:
        for streams in (self._session_streams, self._transcriber_streams):
            with contextlib.suppress(ValueError):
                streams.remove(stream)
        if self._session_streams or self._transcriber_streams or self._source is None:
            return
        source, pump = self._source, self._pump
        self._source = self._pump = None
        await source.aclose()
        if pump is not None:
            pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pump


class _TranscriberVAD(vad.VAD):
    def __init__(self, shared: SharedVAD) -> None:
        super().__init__(capabilities=shared.capabilities)
        self._shared = shared

    @property
    def model(self) -> str:
        return self._shared.model

    @property
    def provider(self) -> str:
        return self._shared.provider

    def stream(self) -> vad.VADStream:
        return self._shared._open(self, self._shared._transcriber_streams)


class _SharedStream(vad.VADStream):
    def __init__(self, owner: vad.VAD, shared: SharedVAD) -> None:
        self._shared = shared
        super().__init__(owner)

    async def _main_task(self) -> None:
        try:
            async for item in self._input_ch:
                if self._shared._feeds(self):
                    self._shared._push(item)
            await self._shared._finish(self)
        finally:
            await self._shared._leave(self)

    def _deliver(self, event: vad.VADEvent) -> None:
        if not self._event_ch.closed:
            self._event_ch.send_nowait(event)

    async def aclose(self) -> None:
        await super().aclose()
        await self._shared._leave(self)  # also when closed before its task ever ran
