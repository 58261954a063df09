"""The job's room in its log: its connection to LiveKit lost, back or gone, and who comes
and goes.

A livekit-server restart makes every job's room reconnect in full (a new session on the new
server, ``restart_handover.py``); without these lines a job that never came back, or a user
who never rejoined, looks like a call that is simply quiet.
"""

from __future__ import annotations

import logging

from livekit import rtc

logger = logging.getLogger("voice_agent")


class ConnectionLog:
    def __init__(self, room: rtc.Room) -> None:
        self._room = room

    def attach(self) -> None:
        self._room.on("reconnecting", self._reconnecting)
        self._room.on("reconnected", self._reconnected)
        self._room.on("disconnected", self._disconnected)
        self._room.on("participant_connected", self._joined)
        self._room.on("participant_disconnected", self._left)

    def _log(self, level: int, message: str, **extra: str) -> None:
        logger.log(level, message, extra={"room": self._room.name, **extra})

    def _reconnecting(self) -> None:
        self._log(logging.WARNING, "connection to LiveKit lost: reconnecting")

    def _reconnected(self) -> None:
        self._log(logging.INFO, "connection to LiveKit back", sid=self._room.local_participant.sid)

    def _disconnected(self, reason: rtc.DisconnectReason.ValueType) -> None:
        self._log(logging.INFO, "disconnected", reason=rtc.DisconnectReason.Name(reason))

    def _joined(self, participant: rtc.RemoteParticipant) -> None:
        self._log(logging.INFO, "participant joined", participant=participant.identity)

    def _left(self, participant: rtc.RemoteParticipant) -> None:
        self._log(logging.INFO, "participant left", participant=participant.identity)
