"""Build and sign LiveKit webhook deliveries the way livekit-server does (test helper)."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib

from google.protobuf.json_format import MessageToJson
from livekit import api as lk

KEY = "test-livekit-key"
SECRET = "test-livekit-secret-0123456789abcdef"
EVENT_TIME = 1_767_225_600  # 2026-01-01T00:00:00Z


def webhook_event(name: str, room: str, event_id: str = "EV_1", **participant: object) -> str:
    event = lk.WebhookEvent(
        event=name, id=event_id, created_at=EVENT_TIME, room=lk.Room(name=room, sid="RM_1")
    )
    if participant:
        event.participant.CopyFrom(lk.ParticipantInfo(**participant))  # type: ignore[arg-type]
    return MessageToJson(event)


def sign(
    body: str, *, key: str = KEY, secret: str = SECRET, ttl: dt.timedelta = dt.timedelta(minutes=5)
) -> str:
    digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
    return lk.AccessToken(key, secret).with_sha256(digest).with_ttl(ttl).to_jwt()
