"""The worker's write journal: transcript messages and timeline events, on disk before they
count as written, until the backend has them.

One SQLite file (WAL, ``synchronous=FULL``: a commit is on disk when ``append`` returns)
shared by the worker's processes. Each entry belongs to the handle that wrote it: its process
(pid and start time) and the handle's own id, since with jobs as threads
(``AGENT_JOB_EXECUTOR=thread``) every job and the worker share one process. That handle's
sender sends it (``JournalSender``). Entries of a process that is gone (killed, crashed, a
worker that restarted), or of a handle of this process that is closed (a job thread that
ended), are adopted by the worker's own sender and sent from there. An entry leaves the
journal only once the backend has answered for it, or when the journal outgrows its size or
age limit (logged as an error, with the count).

Each write carries the credential of the job that made it (from its dispatch metadata; it
opens that one conversation): the worker sends a gone job's writes with it, since the
worker's own service token opens no conversation. A credential stays only as long as a
write of its job waits for the backend.

The folder is 0700 and the files 0600: they hold transcript text and job credentials.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import psutil

logger = logging.getLogger("voice_agent.persistence")

Kind = Literal["message", "event"]
FILE_NAME = "journal.sqlite3"
BUSY_TIMEOUT_MS = 10_000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS writes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    room TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('message', 'event')),
    write_id TEXT NOT NULL,
    body TEXT NOT NULL,
    written_at REAL NOT NULL,
    owner_pid INTEGER NOT NULL,
    owner_started REAL NOT NULL,
    credential TEXT,
    owner_handle TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS writes_by_owner ON writes (owner_pid, owner_started, seq);
CREATE INDEX IF NOT EXISTS writes_by_room ON writes (room, seq);
"""


@dataclass(frozen=True, slots=True)
class Entry:
    seq: int
    room: str
    kind: Kind
    write_id: str
    body_json: str  # as journaled: the sender puts it in a request without decoding it

    @property
    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = json.loads(self.body_json)
        return body


@dataclass(frozen=True, slots=True)
class Owner:
    """A process, told apart from a later one with the same pid by its start time."""

    pid: int
    started: float

    @classmethod
    def current(cls) -> Owner:
        return cls(os.getpid(), psutil.Process().create_time())

    def alive(self) -> bool:
        try:
            process = psutil.Process(self.pid)
            return bool(
                abs(process.create_time() - self.started) < 0.01
                and process.status() != psutil.STATUS_ZOMBIE
            )
        except psutil.Error:  # no such process, or not ours to look at: gone for us
            return False


class _OpenHandles:
    """The ids of this process's open journal handles (a closed one's entries are orphans)."""

    def __init__(self) -> None:
        self._ids: set[str] = set()
        self._lock = threading.Lock()

    def add(self, handle: str) -> None:
        with self._lock:
            self._ids.add(handle)

    def discard(self, handle: str) -> None:
        with self._lock:
            self._ids.discard(handle)

    def __contains__(self, handle: object) -> bool:
        with self._lock:
            return handle in self._ids


_OPEN = _OpenHandles()  # per process by nature: a forked job process starts with its own


class Journal:
    """One job's (or the worker's) handle on the journal in ``folder``. Not for use from
    several threads at once."""

    def __init__(
        self,
        folder: Path,
        *,
        max_bytes: int = 256 * 1_048_576,
        max_age_s: float = 7 * 86_400,
        credential: str | None = None,
    ) -> None:
        """``credential``: the job's, stored with each of its writes (None: the worker's
        handle, or a job dispatched without one)."""
        self.path = _private_file(folder, FILE_NAME)
        self.max_bytes = max_bytes
        self.max_age_s = max_age_s
        self.credential = credential
        self.owner = Owner.current()
        self.handle = uuid.uuid4().hex
        # a job's sender uses it from its own I/O thread (one at a time: see JournalSender)
        self._db = sqlite3.connect(
            self.path,
            isolation_level=None,
            timeout=BUSY_TIMEOUT_MS / 1e3,
            check_same_thread=False,
        )
        self._db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute("PRAGMA synchronous = FULL")
        self._db.executescript(_SCHEMA)
        _add_column(self._db, "credential TEXT")
        _add_column(self._db, "owner_handle TEXT NOT NULL DEFAULT ''")
        for suffix in ("-wal", "-shm"):  # SQLite gives them the database's mode; make sure
            side = self.path.with_name(self.path.name + suffix)
            if side.exists():
                side.chmod(0o600)
        _OPEN.add(self.handle)

    def close(self) -> None:
        _OPEN.discard(self.handle)
        self._db.close()

    def append(self, room: str, kind: Kind, write_id: str, body: Mapping[str, Any]) -> None:
        """Store one write; on disk when this returns (the caller may count it as written)."""
        self.append_json(room, kind, write_id, json.dumps(body))

    def append_json(self, room: str, kind: Kind, write_id: str, body_json: str) -> None:
        self._db.execute(
            "INSERT INTO writes (room, kind, write_id, body, written_at, owner_pid, owner_started,"
            " owner_handle, credential) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (room, kind, write_id, body_json, time.time(), *self._owner_key(), self.credential),
        )

    def pending(self, limit: int = 1000) -> list[Entry]:
        """This handle's entries not yet acknowledged, oldest first."""
        rows = self._db.execute(
            "SELECT seq, room, kind, write_id, body FROM writes"
            " WHERE owner_pid = ? AND owner_started = ? AND owner_handle = ?"
            " ORDER BY seq LIMIT ?",
            (*self._owner_key(), limit),
        ).fetchall()
        return _entries(rows)

    def room_messages(self, room: str) -> list[Entry]:
        """Every process's messages for ``room`` still waiting for the backend, oldest first
        (a job that takes over a call adds them to the history the backend gave it)."""
        rows = self._db.execute(
            "SELECT seq, room, kind, write_id, body FROM writes"
            " WHERE room = ? AND kind = 'message' ORDER BY seq",
            (room,),
        ).fetchall()
        return _entries(rows)

    def credential_for(self, room: str) -> str | None:
        """The newest credential stored with a waiting write of ``room`` (every job of a room
        has one for the same conversation); None when none of them has one."""
        row = self._db.execute(
            "SELECT credential FROM writes WHERE room = ? AND credential IS NOT NULL"
            " ORDER BY seq DESC LIMIT 1",
            (room,),
        ).fetchone()
        return str(row[0]) if row else None

    def done(self, seqs: Iterable[int]) -> None:
        """Remove entries the backend has acknowledged (or that it refused for good)."""
        ids = json.dumps(list(seqs))
        if ids == "[]":
            return
        self._db.execute("BEGIN IMMEDIATE")
        try:
            self._db.execute(
                "DELETE FROM writes WHERE seq IN (SELECT value FROM json_each(?))", (ids,)
            )
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise

    def adopt_orphans(self) -> int:
        """Take over the entries of processes that are gone, and of this process's handles
        that are closed; how many were adopted."""
        owners = self._db.execute(
            "SELECT DISTINCT owner_pid, owner_started, owner_handle FROM writes"
            " WHERE NOT (owner_pid = ? AND owner_started = ? AND owner_handle = ?)",
            self._owner_key(),
        ).fetchall()
        adopted = 0
        for pid, started, handle in owners:
            owner = Owner(pid, started)
            if owner == self.owner:
                if handle in _OPEN:  # a job thread's, still running
                    continue
            elif owner.alive():
                continue
            cursor = self._db.execute(
                "UPDATE writes SET owner_pid = ?, owner_started = ?, owner_handle = ?"
                " WHERE owner_pid = ? AND owner_started = ? AND owner_handle = ?",
                (*self._owner_key(), pid, started, handle),
            )
            adopted += cursor.rowcount
        if adopted:
            logger.info(
                "journal: replaying writes left by a stopped process", extra={"writes": adopted}
            )
        return adopted

    def enforce_limits(self, now: float | None = None) -> int:
        """Drop entries older than ``max_age_s``, then the oldest until the journal's pages in
        use fit ``max_bytes``; each drop is logged as an error. How many were dropped."""
        cutoff = (now if now is not None else time.time()) - self.max_age_s
        dropped = self._db.execute("DELETE FROM writes WHERE written_at < ?", (cutoff,)).rowcount
        if dropped:
            logger.error(
                "journal: writes older than the age limit dropped, never sent to the backend",
                extra={"writes": dropped, "max_age_s": self.max_age_s},
            )
        over = 0
        while self.used_bytes() > self.max_bytes:
            count = self._db.execute("SELECT count(*) FROM writes").fetchone()[0]
            if not count:
                break
            over += self._db.execute(
                "DELETE FROM writes WHERE seq IN (SELECT seq FROM writes ORDER BY seq LIMIT ?)",
                (max(1, count // 10),),
            ).rowcount
        if over:
            logger.error(
                "journal: over its size limit, the oldest writes dropped, never sent to the "
                "backend",
                extra={"writes": over, "max_bytes": self.max_bytes},
            )
        return dropped + over

    def used_bytes(self) -> int:
        """Bytes in pages that hold data (deleted rows free their pages for reuse)."""
        size = self._db.execute("PRAGMA page_size").fetchone()[0]
        pages = self._db.execute("PRAGMA page_count").fetchone()[0]
        free = self._db.execute("PRAGMA freelist_count").fetchone()[0]
        return int(size * (pages - free))

    def count(self) -> int:
        """Entries of every process not yet acknowledged."""
        return int(self._db.execute("SELECT count(*) FROM writes").fetchone()[0])

    def _owner_key(self) -> tuple[int, float, str]:
        return self.owner.pid, self.owner.started, self.handle


def _entries(rows: list[tuple[Any, ...]]) -> list[Entry]:
    return [Entry(*row) for row in rows]


def _add_column(db: sqlite3.Connection, column: str) -> None:
    """A journal written before a column existed gets it: the job's ``credential`` (old
    writes have none: the worker's sender drops them when the backend refuses them), the
    ``owner_handle`` (old writes have '', no open handle's: the worker's sender adopts
    them)."""
    name = column.split()[0]
    columns = {row[1] for row in db.execute("PRAGMA table_info(writes)")}
    if name not in columns:
        try:
            db.execute(f"ALTER TABLE writes ADD COLUMN {column}")
        except sqlite3.OperationalError as e:  # another process added it just now
            if "duplicate column" not in str(e):
                raise


def _private_file(folder: Path, name: str) -> Path:
    """``folder/name``, the folder 0700 and the file 0600, created if missing."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.chmod(0o700)
    path = folder / name
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    path.chmod(0o600)
    return path
