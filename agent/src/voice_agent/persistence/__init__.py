"""Transcript persistence through the backend's agent API."""

from .backend_client import BackendClient, BackendError, RoomConversation, StoredMessage, StoredNote
from .durable import DurableWrites, WorkerReplay, open_journal
from .history import load_history
from .journal import Journal
from .journal_sender import JournalSender
from .recorder import LATENCY_KEYS, TranscriptRecorder, latency_ms
from .timeline import TimelineRecorder

__all__ = [
    "DurableWrites",
    "Journal",
    "JournalSender",
    "WorkerReplay",
    "open_journal",
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
