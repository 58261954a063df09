from __future__ import annotations

from .room_profile import RoomProfile
from .session_state import SessionState
from .user_profile import UserProfile, wait_for_user

__all__ = ["RoomProfile", "SessionState", "UserProfile", "wait_for_user"]
