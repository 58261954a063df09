"""Transcript persistence through the backend's agent API."""

from .backend_client import BackendClient, BackendError, RoomConversation, StoredMessage, StoredNote
from .history import load_history
from .recorder import LATENCY_KEYS, TranscriptRecorder, latency_ms
from .timeline import TimelineRecorder

__all__ = [
    "TimelineRecorder",
    "LATENCY_KEYS",
    "BackendClient",
    "BackendError",
    "RoomConversation",
    "StoredMessage",
    "StoredNote",
    "TranscriptRecorder",
    "latency_ms",
    "load_history",
]
