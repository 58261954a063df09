"""The per-session state, held by the Assistant (one per session, no module state).

1. room: the room's metadata (persona, voice, language, instructions, greeting);
2. user: the participant (name);
3. the in-memory history: the framework's ``session.history`` (plus a reloaded chat_ctx);
4. recorder: persistence to the backend, flushed when the agent exits;
5. documents: the files the user shared, as the model sees them (file_input.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..documents import Documents
from ..persistence import TranscriptRecorder
from .room_profile import RoomProfile
from .user_profile import UserProfile


@dataclass(slots=True)
class SessionState:
    room: RoomProfile = field(default_factory=RoomProfile)
    user: UserProfile = field(default_factory=UserProfile)
    recorder: TranscriptRecorder | None = None
    documents: Documents = field(default_factory=Documents)
