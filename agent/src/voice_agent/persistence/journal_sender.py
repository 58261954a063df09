"""Sends the journal's entries to the backend, oldest first, until it has every one.

Each room's entries go in order; consecutive messages of a room in one request
(``messages:batch``, at most ``batch_messages`` and about ``batch_bytes`` each), timeline
events one by one; several rooms side by side. An entry
leaves the journal once its request is answered. While the backend is down or slow the
sender waits (0.25 s, doubling to ``max_backoff_s``) and tries again, for as long as it
takes: the journal's own size and age limits are the only bound. A write the backend refuses
for good (an unknown room, a malformed id) is dropped with a warning, without its text;
a refused batch is sent again message by message so one bad write drops only itself.

``adopt_orphans``: also take over the entries of processes that are gone (the worker's own
sender does this; a job's sends only its own).

Every journal operation runs on the sender's one I/O thread, in the order asked: a commit
waits for the disk (fsync), which must not stall the job's event loop (its audio and turns).
``write`` hands the write to that thread and returns; it is on disk a few milliseconds later,
before anything reads the journal after it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sqlite3
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from .backend_client import BackendClient, BackendError, with_id
from .journal import Entry, Journal, Kind

logger = logging.getLogger("voice_agent.persistence")

# refused for good: the write itself is wrong, its conversation is gone, or its credential
# is not for it (403: a write journaled without its job's credential, say)
_PERMANENT = frozenset({400, 403, 404, 409, 413, 422})
FIRST_BACKOFF_S = 0.25
LIMITS_EVERY_S = 10.0
ROOMS_IN_FLIGHT = 4  # rooms sent side by side (each room's writes stay in order)
ADOPT_EVERY_S = 1.0  # a job process that died: its writes go on from the worker within this

T = TypeVar("T")


class JournalSender:
    def __init__(
        self,
        journal: Journal,
        client: BackendClient,
        *,
        adopt_orphans: bool = False,
        batch_messages: int = 1000,
        batch_bytes: int = 1_048_576,
        idle_poll_s: float = 1.0,
        max_backoff_s: float = 5.0,
        adopt_every_s: float = ADOPT_EVERY_S,
    ) -> None:
        self._journal = journal
        self._client = client
        self._adopt = adopt_orphans
        self._batch_messages = batch_messages
        self._batch_bytes = batch_bytes
        self._idle_poll_s = idle_poll_s
        self._max_backoff_s = max_backoff_s
        self._adopt_every_s = adopt_every_s
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._limits_at = self._adopted_at = -LIMITS_EVERY_S
        self._failing = False
        self.sent = 0  # entries the backend acknowledged
        self.dropped = 0  # entries refused for good
        self.failed = 0  # writes the journal could not store
        self._io = ThreadPoolExecutor(max_workers=1, thread_name_prefix="journal")
        self._asked = 0  # notify() calls: idle only once a pass started after the last one

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._idle.clear()
            self._task = asyncio.create_task(self._run(), name="journal-sender")

    def write(self, room: str, kind: Kind, write_id: str, body: Mapping[str, Any]) -> None:
        """Sync (from event handlers): journal one write on the I/O thread, then send it in
        the background. A write the journal cannot store is logged (without its text)."""
        what = {"room": room, "kind": kind, "write_id": write_id}
        try:
            stored = self._io.submit(
                self._journal.append_json, room, kind, write_id, json.dumps(body)
            )
        except RuntimeError:  # after aclose: the job is over
            self.failed += 1
            logger.error("journal: a write after the journal closed; it is lost", extra=what)
            return

        def check(done: Future[None]) -> None:
            if isinstance(done.exception(), sqlite3.Error):
                self.failed += 1
                logger.error(
                    "journal: could not store a write; it is lost",
                    extra=what,
                    exc_info=done.exception(),
                )

        stored.add_done_callback(check)
        self.notify()

    async def _io_call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``fn`` on the I/O thread, after every journal operation asked before it."""
        return await asyncio.wrap_future(self._io.submit(fn, *args, **kwargs))

    def notify(self) -> None:
        """Sync (from event handlers): something was appended; send it now."""
        self._asked += 1
        self._idle.clear()
        self._wake.set()
        self.start()

    async def aflush(self, timeout_s: float | None = None) -> bool:
        """Wait (at most ``timeout_s``) until this process's entries are all sent (an adopting
        sender's: with those of every process gone by now); True if they are. What is left
        stays in the journal for the worker to send."""
        self._adopted_at = -self._adopt_every_s  # adopt on the next pass, not within a second
        self.notify()
        try:
            await asyncio.wait_for(self._idle.wait(), timeout_s)
        except TimeoutError:
            left = len(await self._io_call(self._journal.pending, limit=100_000))
            logger.warning(
                "journal: writes not yet sent, kept for the worker to send",
                extra={"writes": left},
            )
            return False
        return True

    async def aclose(self) -> None:
        """Stop sending; every write asked for is in the journal when this returns."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await asyncio.to_thread(self._io.shutdown)

    async def _run(self) -> None:
        backoff = FIRST_BACKOFF_S
        while True:
            asked = self._asked
            try:
                await self._io_call(self._housekeeping)
                # full batches for the rooms in flight, and for the next ones as each is done
                entries = await self._io_call(
                    self._journal.pending, limit=self._batch_messages * ROOMS_IN_FLIGHT * 4
                )
                if entries:
                    await self.send(entries)
            except Exception as e:  # a BackendError, or the journal itself (disk, lock)
                if not self._failing:
                    logger.warning(
                        "journal: writes not taken; kept, retrying",
                        extra={"error": type(e).__name__, "status": getattr(e, "status", None)},
                        exc_info=not isinstance(e, BackendError),
                    )
                self._failing = True
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self._max_backoff_s)
                continue
            if self._failing:
                logger.info("journal: the backend takes writes again")
            self._failing = False
            backoff = FIRST_BACKOFF_S
            if not entries and asked == self._asked:  # nothing appended since this pass began
                self._idle.set()
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._idle_poll_s)

    def _housekeeping(self) -> None:
        now = time.monotonic()
        if now - self._limits_at >= LIMITS_EVERY_S:
            self._limits_at = now
            self._journal.enforce_limits()
        if self._adopt and now - self._adopted_at >= self._adopt_every_s:
            self._adopted_at = now
            self._journal.adopt_orphans()

    async def send(self, entries: list[Entry]) -> None:
        """Send ``entries``, each room's in order (rooms side by side, up to
        ``ROOMS_IN_FLIGHT`` at once), removing each run from the journal once answered.
        Raises BackendError (retryable) when the backend did not take a room's run: that
        room's later entries wait for the next try."""
        by_room: dict[str, list[Entry]] = {}
        for entry in entries:
            by_room.setdefault(entry.room, []).append(entry)
        gate = asyncio.Semaphore(ROOMS_IN_FLIGHT)  # a room starts as soon as another is done

        async def send_room(room_entries: list[Entry]) -> None:
            async with gate:
                await self._send_room(room_entries)

        results = await asyncio.gather(
            *(send_room(r) for r in by_room.values()), return_exceptions=True
        )
        for result in results:
            if isinstance(result, BaseException):
                raise result

    async def _send_room(self, entries: list[Entry]) -> None:
        for run in self._runs(entries):
            if run[0].kind == "event":
                await self._send_event(run[0])
            else:
                await self._send_messages(run)

    async def _send_messages(self, run: list[Entry]) -> None:
        room = run[0].room
        try:
            await self._client.put_messages(room, [with_id(e.write_id, e.body_json) for e in run])
        except BackendError as e:
            if e.status not in _PERMANENT:
                raise
            if len(run) == 1:
                await self._drop(run[0], e)
                return
            for entry in run:  # find the one the backend refuses; the others go
                await self._send_messages([entry])
            return
        await self._done(run)

    async def _send_event(self, entry: Entry) -> None:
        try:
            await self._client.put_event(entry.room, entry.write_id, entry.body)
        except BackendError as e:
            if e.status not in _PERMANENT:
                raise
            await self._drop(entry, e)
            return
        await self._done([entry])

    async def _done(self, entries: list[Entry]) -> None:
        await self._io_call(self._journal.done, [e.seq for e in entries])
        self.sent += len(entries)

    async def _drop(self, entry: Entry, error: BackendError) -> None:
        logger.warning(
            "could not persist a transcript write: refused by the backend, dropped",
            extra={
                "room": entry.room,
                "kind": entry.kind,
                "write_id": entry.write_id,
                "status": error.status,
                "detail": error.detail,
            },
        )
        await self._io_call(self._journal.done, [entry.seq])
        self.dropped += 1

    def _runs(self, entries: list[Entry]) -> Iterator[list[Entry]]:
        """Consecutive messages (of one room), within the batch limits; each event alone."""
        run: list[Entry] = []
        size = 0
        for entry in entries:
            entry_size = len(entry.body_json)
            fits = (
                run
                and entry.kind == "message"
                and run[0].kind == "message"
                and run[0].room == entry.room
                and len(run) < self._batch_messages
                and size + entry_size <= self._batch_bytes
            )
            if run and not fits:
                yield run
                run, size = [], 0
            run.append(entry)
            size += entry_size
        if run:
            yield run
