"""Silero VAD, each 32 ms window's inference run in place.

The plugin hands every window (31 a second per call) to the event loop's default thread
pool and awaits the result: a thread wake-up, a future and a loop wake-up around ~0.1 ms of
ONNX work. Run in place the VAD costs ~8 instead of ~12 ms of CPU per second of audio
(16 kHz in, one ONNX thread; docs/benchmarks.md, cloud-style capacity). ONNX Runtime
releases the GIL while it runs, so other threads are not held up either way.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar, cast

from livekit.plugins import silero

T = TypeVar("T")


class _InPlaceExecutor:
    """The stream's event loop, except that ``run_in_executor`` calls the function at once
    (the only loop method the Silero stream uses besides the loop itself)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def run_in_executor(self, _executor: object, func: Callable[..., T], *args: Any) -> Any:
        future: asyncio.Future[T] = self._loop.create_future()
        try:
            future.set_result(func(*args))
        except Exception as e:  # the plugin's own error handling sees it, as from a thread
            future.set_exception(e)
        return future

    def __getattr__(self, name: str) -> Any:
        return getattr(self._loop, name)


class InPlaceSileroVAD(silero.VAD):
    """``silero.VAD`` whose streams run the model on their own event loop (see the module)."""

    def stream(self) -> silero.VADStream:
        stream = super().stream()
        stream._loop = cast(asyncio.AbstractEventLoop, _InPlaceExecutor(stream._loop))
        return stream
