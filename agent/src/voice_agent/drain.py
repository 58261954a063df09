"""SIGTERM drains the worker. The framework's CLI calls ``drain()`` then ``aclose()``: the
worker takes no new call (it reports itself draining to livekit-server and to the backend),
gives running calls ``AGENT_DRAIN_TIMEOUT_S`` to end, then stops their job processes. Each
job sends its writes as it stops (main.py); a call still going is handed over
(room_release.py). Last, ``on_closed`` callbacks run: the worker's own sender sends what the
job processes could not (``WorkerReplay.aclose``). A second SIGTERM or Ctrl-C exits at once.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from livekit.agents import NOT_GIVEN, AgentServer, NotGivenOr
from livekit.agents.utils import is_given

logger = logging.getLogger("voice_agent")


class DrainingServer(AgentServer):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._on_closed: list[Callable[[], Awaitable[object]]] = []
        self._closed_callbacks_ran = False

    def on_closed(self, callback: Callable[[], Awaitable[object]]) -> None:
        """Run ``callback`` once the job processes are stopped, before the worker exits."""
        self._on_closed.append(callback)

    async def drain(self, timeout: NotGivenOr[int | None] = NOT_GIVEN) -> None:
        if not self.draining:
            logger.info(
                "draining: no new calls; running ones may end first",
                extra={
                    "calls": len(self.active_jobs),
                    "timeout_s": timeout if is_given(timeout) else self._drain_timeout,
                },
            )
        try:
            await super().drain(timeout)
        except TimeoutError:
            logger.warning(
                "drain timed out: handing over the calls still going",
                extra={"calls": len(self.active_jobs)},
            )
            raise

    async def aclose(self) -> None:
        await super().aclose()
        if self._closed_callbacks_ran:
            return
        self._closed_callbacks_ran = True
        for callback in self._on_closed:
            try:
                await callback()
            except Exception:
                logger.exception("error while stopping the worker")
