"""A call outlives its job process: when one dies (killed, out of memory, a native crash)
while its user is still in the room, the worker dispatches the agent into that room again.

Self-hosted LiveKit never re-dispatches a failed job itself. The worker sees its job process
exit at once (LiveKit notices the vanished participant only after its own timeout), so it
asks LiveKit's dispatch service for a new job in the same room, with the old dispatch's
metadata plus ``"resume": true``: the new job reloads the history from the backend and
says one short line that shows it remembers. At most ``AGENT_RECOVERY__MAX_ATTEMPTS`` per
room within ``AGENT_RECOVERY__WINDOW_S``; after that the user is told on the metrics data
topic (a toast).

A job that dies while its user is away (a page reload) is not replaced here: the backend's
reconcile holds the room and dispatches the agent when the user rejoins
(backend/app/core/redispatch.py).

The process-closed hook is the framework's process pool event (livekit-agents 1.8.9 has no
public job-ended event); tests/test_recovery.py fails if that changes.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import defaultdict, deque
from typing import Any

import aiohttp
from livekit import api
from livekit.agents import AgentServer
from livekit.agents.ipc.job_executor import JobExecutor, JobStatus

from .settings import AgentSettings

logger = logging.getLogger("voice_agent.recovery")

RESUME_KEY = "resume"
REPLACES_KEY = "replaces"
MAX_REPLACED = 10  # dead agents named in a dispatch (each lingers ~20 s at most)
GAVE_UP_MESSAGE = "The assistant stopped and could not be restarted. Please start a new call."


def is_resume(dispatch_metadata: str | None) -> bool:
    """Whether this job was dispatched to take over a call whose agent died."""
    try:
        data = json.loads(dispatch_metadata or "{}")
    except ValueError:
        return False
    return isinstance(data, dict) and data.get(RESUME_KEY) is True


def resume_metadata(dispatch_metadata: str | None, replaces: str | None = None) -> str:
    """The old dispatch's metadata (persona, conversation) marked as a resumption, naming the
    dead agent it ``replaces`` (and those its own dispatch named): their participants stay in
    the room until LiveKit notices they are gone, and the new job must not yield to them."""
    data = _dispatch_data(dispatch_metadata)
    gone = [*replaced_agents(dispatch_metadata), *([replaces] if replaces else [])]
    extra = {REPLACES_KEY: gone[-MAX_REPLACED:]} if gone else {}
    return json.dumps({**data, RESUME_KEY: True, **extra})


def replaced_agents(dispatch_metadata: str | None) -> frozenset[str]:
    """The identities of the dead agents this job was dispatched to replace."""
    names = _dispatch_data(dispatch_metadata).get(REPLACES_KEY)
    if not isinstance(names, list):
        return frozenset()
    return frozenset(n for n in names if isinstance(n, str))


def _dispatch_data(dispatch_metadata: str | None) -> dict[str, Any]:
    try:
        data = json.loads(dispatch_metadata or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def livekit_api(settings: AgentSettings) -> api.LiveKitAPI:
    """A LiveKit server API client with the worker's credentials."""
    key = settings.livekit_api_key.get_secret_value() if settings.livekit_api_key else None
    secret = settings.livekit_api_secret.get_secret_value() if settings.livekit_api_secret else None
    return api.LiveKitAPI(settings.livekit_url, key, secret)


async def dispatch_resumed(
    client: api.LiveKitAPI,
    settings: AgentSettings,
    room: str,
    dispatch_metadata: str | None,
    *,
    replaces: str | None,
) -> None:
    """A new job in ``room`` that takes the call over from the agent ``replaces``."""
    await client.agent_dispatch.create_dispatch(
        api.CreateAgentDispatchRequest(
            agent_name=settings.name,
            room=room,
            metadata=resume_metadata(dispatch_metadata, replaces),
        )
    )


class JobRecovery:
    def __init__(self, server: AgentServer, settings: AgentSettings) -> None:
        self._server = server
        self._settings = settings
        self._max_attempts = settings.recovery.max_attempts
        self._window_s = settings.recovery.window_s
        self._attempts: defaultdict[str, deque[float]] = defaultdict(deque)
        self._api: api.LiveKitAPI | None = None
        self._tasks: set[asyncio.Task[bool]] = set()

    def attach(self, *_event: object) -> None:
        """The ``worker_started`` handler: watch the job processes from now on."""
        self._server._proc_pool.on("process_closed", self._on_process_closed)

    def _on_process_closed(self, proc: JobExecutor) -> None:
        info = proc.running_job
        if info is None or info.fake_job or self._server.draining:
            return
        if proc.status != JobStatus.FAILED:
            return  # the call ended normally
        dead = info.accept_arguments.identity or None
        task = asyncio.create_task(
            self.redispatch(info.job.room.name, info.job.metadata, replaces=dead)
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _client(self) -> api.LiveKitAPI:
        if self._api is None:
            self._api = livekit_api(self._settings)
        return self._api

    async def redispatch(
        self, room: str, dispatch_metadata: str | None, *, replaces: str | None = None
    ) -> bool:
        """Dispatch the agent into ``room`` again if its user is still there; True if done.
        ``replaces``: the dead agent's identity (still in the room for a while)."""
        attempts = self._attempts[room]
        now = time.monotonic()
        while attempts and attempts[0] < now - self._window_s:
            attempts.popleft()
        try:
            if not await self._user_present(room):
                logger.info(
                    "job died after its user left: nothing to recover", extra={"room": room}
                )
                return False
            if len(attempts) >= self._max_attempts:
                logger.error("job died again: giving up on the call", extra={"room": room})
                await self._tell_user(room)
                return False
            attempts.append(now)
            await dispatch_resumed(
                self._client(), self._settings, room, dispatch_metadata, replaces=replaces
            )
        except (api.TwirpError, aiohttp.ClientError, TimeoutError) as e:
            logger.error("re-dispatch failed", extra={"room": room, "error": str(e)})
            return False
        logger.warning(
            "job died mid-call: agent dispatched again",
            extra={"room": room, "attempt": len(attempts)},
        )
        return True

    async def _user_present(self, room: str) -> bool:
        listed = await self._client().room.list_participants(api.ListParticipantsRequest(room=room))
        agent = api.ParticipantInfo.Kind.AGENT
        return any(p.kind != agent for p in listed.participants)

    async def _tell_user(self, room: str) -> None:
        payload: dict[str, Any] = {
            "type": "agent_error",
            "source": "agent",
            "message": GAVE_UP_MESSAGE,
        }
        await self._client().room.send_data(
            api.SendDataRequest(
                room=room,
                data=json.dumps(payload).encode(),
                kind=api.DataPacket.Kind.RELIABLE,
                topic=self._settings.metrics_topic,
            )
        )

    async def aclose(self) -> None:
        if self._api is not None:
            await self._api.aclose()
