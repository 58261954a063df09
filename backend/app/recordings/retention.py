"""The retention sweep: recordings that started more than ``retention_days`` ago are deleted
(their bytes, then their row); the conversation and its transcript stay. It runs at startup
and then every ``sweep_interval_seconds`` (``start_sweeps``), and by hand with
``python -m app recordings sweep``."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import AsyncIterator

from sqlalchemy.orm import Session, sessionmaker

from app.models import utcnow
from app.recordings import records
from app.recordings.settings import RecordingSettings
from app.recordings.store import RecordingStore

logger = logging.getLogger(__name__)


def sweep(
    sessions: sessionmaker[Session],
    store: RecordingStore,
    *,
    retention_days: float,
    now: dt.datetime | None = None,
) -> int:
    """Delete the recordings past retention; how many. 0 days keeps every recording."""
    if retention_days <= 0:
        return 0
    cutoff = (now or utcnow()) - dt.timedelta(days=retention_days)
    deleted = 0
    with sessions() as session:
        for row in records.started_before(session, cutoff=cutoff):
            try:
                store.delete(row.key)
            except Exception:
                logger.warning("could not delete an expired recording", exc_info=True)
                continue
            session.delete(row)
            session.commit()
            deleted += 1
    if deleted:
        logger.info("expired recordings deleted", extra={"count": deleted})
    return deleted


@contextlib.asynccontextmanager
async def start_sweeps(
    sessions: sessionmaker[Session], store: RecordingStore, settings: RecordingSettings
) -> AsyncIterator[None]:
    """Sweep now and every interval in a thread, while the app runs (not at all without a
    retention period)."""
    if settings.retention_days <= 0:
        yield
        return

    async def loop() -> None:
        while True:
            try:
                await asyncio.to_thread(
                    sweep, sessions, store, retention_days=settings.retention_days
                )
            except Exception:
                logger.warning("recording retention sweep failed", exc_info=True)
            await asyncio.sleep(settings.sweep_interval_seconds)

    task = asyncio.create_task(loop(), name="recording_retention")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
