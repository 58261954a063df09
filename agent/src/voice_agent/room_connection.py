"""The job's room in its log: its connection to LiveKit lost, back or gone, who comes and
goes, and the tracks others publish and this job receives (an agent that cannot hear the
user shows as a track published and never subscribed).

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
        self._room.on("track_published", self._published)
        self._room.on("track_subscribed", self._subscribed)
        self._room.on("track_subscription_failed", self._not_subscribed)

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

    def _published(
        self, publication: rtc.RemoteTrackPublication, participant: rtc.RemoteParticipant
    ) -> None:
        self._log(
            logging.INFO, "track published", participant=participant.identity, track=publication.sid
        )

    def _subscribed(
        self,
        track: rtc.Track,
        publication: rtc.RemoteTrackPublication,
        participant: rtc.RemoteParticipant,
    ) -> None:
        self._log(
            logging.INFO,
            "track subscribed",
            participant=participant.identity,
            track=publication.sid,
        )

    def _not_subscribed(
        self, participant: rtc.RemoteParticipant, track_sid: str, error: str
    ) -> None:
        self._log(
            logging.WARNING,
            "track subscription failed",
            participant=participant.identity,
            track=track_sid,
            error=error,
        )
