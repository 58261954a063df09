"""Where recordings' bytes live. A recording grows by appends at its current end (the agent
uploads the Ogg pages written so far, a few seconds at a time); an append at an offset drops
anything stored past it first, so a retried upload never leaves a gap or a double."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from app.recordings.settings import RecordingSettings

logger = logging.getLogger(__name__)

READ_BLOCK = 64 * 1024
_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


class RecordingStore(Protocol):
    def append(self, key: str, offset: int, data: bytes) -> None:
        """Write ``data`` at ``offset`` (the stored size, or less on a retry)."""

    def size(self, key: str) -> int:
        """Bytes stored under ``key`` (0 for none)."""

    def read(self, key: str, start: int, end: int) -> Iterator[bytes]:
        """The bytes ``[start, end)`` in blocks."""

    def delete(self, key: str) -> None:
        """Remove the recording; a missing one is no error."""


def check_key(key: str) -> str:
    if not _KEY.fullmatch(key):
        raise ValueError("recording key must be a plain name")
    return key


class DiskStore:
    """One file per recording in a folder (``RECORDING_DIR``)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / f"{check_key(key)}.ogg"

    def append(self, key: str, offset: int, data: bytes) -> None:
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = self._path(key)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
        with os.fdopen(fd, "r+b") as f:
            f.truncate(offset)
            f.seek(offset)
            f.write(data)
            f.flush()
            os.fsync(f.fileno())

    def size(self, key: str) -> int:
        try:
            return self._path(key).stat().st_size
        except FileNotFoundError:
            return 0

    def read(self, key: str, start: int, end: int) -> Iterator[bytes]:
        with self._path(key).open("rb") as f:
            f.seek(start)
            left = end - start
            while left > 0:
                block = f.read(min(READ_BLOCK, left))
                if not block:
                    return
                left -= len(block)
                yield block

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


def delete_recording(store: RecordingStore, key: str) -> None:
    """Delete a recording's bytes; a failure is logged (its row is gone already)."""
    try:
        store.delete(key)
    except Exception:
        logger.warning("could not delete a recording", exc_info=True, extra={"key": key})


def open_store(settings: RecordingSettings) -> RecordingStore:
    """The S3 bucket when one is set, else the folder."""
    if settings.s3_bucket is None:
        return DiskStore(settings.dir)
    from app.recordings.s3_store import S3Store, s3_client  # boto3 only when configured

    return S3Store(s3_client(settings), bucket=settings.s3_bucket, prefix=settings.s3_prefix)
