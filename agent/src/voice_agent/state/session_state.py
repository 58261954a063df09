"""The per-session state, held by the Assistant (one per session, no module state).

1. room: the room's metadata (persona, voice, language, instructions, greeting);
2. user: the participant (name);
3. the in-memory history: the framework's ``session.history`` (plus a reloaded chat_ctx);
4. recorder: persistence to the backend, flushed when the agent exits;
5. documents: the files the user shared, as the model sees them (file_input.py);
6. call_recording: the call's audio recording, when the user turned it on (call_recording.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..documents import Documents
from ..persistence import TranscriptRecorder
from .room_profile import RoomProfile
from .user_profile import UserProfile

if TYPE_CHECKING:
    from ..call_recording import CallRecording


@dataclass(slots=True)
class SessionState:
    room: RoomProfile = field(default_factory=RoomProfile)
    user: UserProfile = field(default_factory=UserProfile)
    recorder: TranscriptRecorder | None = None
    documents: Documents = field(default_factory=Documents)
    call_recording: CallRecording | None = None
