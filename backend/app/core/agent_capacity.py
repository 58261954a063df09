"""Which agent workers can take a call now, so that a caller is told at once when none can
(POST /api/token answers 503) instead of waiting in a silent room.

Each worker reports every few seconds (PUT /api/agent/workers/{id}): its agent name, how many
calls it takes, the rooms it serves, its load and whether it drains. A report older than the
TTL is gone. A token for a new room reserves one call until a worker reports that room, or
until the join timeout; a caller is admitted when fewer reservations came before theirs than
there are free calls. In process here, or in Redis (app.core.redis.RedisAgentCapacity) so
every backend replica counts the same workers and reservations.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import asdict, dataclass
from typing import Protocol

from app.core.rate_limit import Clock


@dataclass(frozen=True, slots=True)
class WorkerReport:
    worker_id: str
    agent_name: str
    max_sessions: int
    rooms: tuple[str, ...]
    load: float
    draining: bool

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, raw: str | bytes) -> WorkerReport:
        data = json.loads(raw)
        data["rooms"] = tuple(data["rooms"])
        return cls(**data)

    @property
    def free(self) -> int:
        """Calls this worker can still take (none while it drains or its CPU is full)."""
        if self.draining or self.load >= 1.0:
            return 0
        return max(0, self.max_sessions - len(self.rooms))


class CapacityUnavailable(Exception):
    """The shared store could not be reached."""


class AgentCapacity(Protocol):
    def report(self, report: WorkerReport) -> None: ...

    def workers(self, agent_name: str) -> list[WorkerReport]: ...

    def admit(self, room_name: str, agent_name: str) -> bool:
        """Reserve a call for a new room; False (nothing reserved) when none is free."""
        ...

    def release(self, room_name: str) -> None: ...

    def expect(self, room_name: str) -> None:
        """A user joined ``room_name``: watch it as if a worker had served it just now, so a
        call whose agent never came (LiveKit dropped its dispatch) gets one. A room already
        watched keeps its time."""
        ...

    def served_rooms(self) -> dict[str, float]:
        """Every room a worker has reported serving (or a user joined: ``expect``), and when
        it last did (until forgotten): a room whose agent vanished stops being reported
        (app.core.redispatch)."""
        ...

    def forget(self, room_name: str) -> None: ...

    def claim(self, room_name: str, ttl_s: float) -> bool:
        """True for the one backend replica that may act on ``room_name`` for ``ttl_s``."""
        ...


def admitted(workers: list[WorkerReport], pending: list[str], room_name: str) -> bool:
    """May ``room_name`` have a call? Yes while the other pending rooms (reserved, not yet
    reported by a worker) leave one of the workers' free calls. Two callers admitted at the
    same moment on two replicas each count the other: at worst one is refused, never one too
    many admitted."""
    served = {room for w in workers for room in w.rooms}
    others = [room for room in pending if room not in served and room != room_name]
    return len(others) < sum(w.free for w in workers)


class InProcessAgentCapacity:
    def __init__(self, *, report_ttl_s: float, join_timeout_s: float, clock: Clock = time.time):
        self._ttl = report_ttl_s
        self._join_timeout = join_timeout_s
        self._clock = clock
        self._lock = threading.Lock()
        self._reports: dict[str, tuple[float, WorkerReport]] = {}
        self._pending: dict[str, float] = {}  # room -> reserved at
        self._served: dict[str, float] = {}  # room -> last reported at

    def report(self, report: WorkerReport) -> None:
        with self._lock:
            now = self._clock()
            self._reports[report.worker_id] = (now, report)
            self._served.update(dict.fromkeys(report.rooms, now))

    def workers(self, agent_name: str) -> list[WorkerReport]:
        oldest = self._clock() - self._ttl
        with self._lock:
            return [
                r for at, r in self._reports.values() if at >= oldest and r.agent_name == agent_name
            ]

    def admit(self, room_name: str, agent_name: str) -> bool:
        workers = self.workers(agent_name)
        with self._lock:
            expired = self._clock() - self._join_timeout
            self._pending = {r: at for r, at in self._pending.items() if at >= expired}
            self._pending.setdefault(room_name, self._clock())
            if admitted(workers, list(self._pending), room_name):
                return True
            del self._pending[room_name]
            return False

    def release(self, room_name: str) -> None:
        with self._lock:
            self._pending.pop(room_name, None)

    def expect(self, room_name: str) -> None:
        with self._lock:
            self._served.setdefault(room_name, self._clock())

    def served_rooms(self) -> dict[str, float]:
        with self._lock:
            return dict(self._served)

    def forget(self, room_name: str) -> None:
        with self._lock:
            self._served.pop(room_name, None)

    def claim(self, room_name: str, ttl_s: float) -> bool:
        return True  # one process: nobody else acts
