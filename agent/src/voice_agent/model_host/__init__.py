"""The model host: the offline models loaded once per machine and shared by every job."""

from .client import (
    HostedChatEngine,
    HostedPiperTTS,
    HostedSTT,
    HostInfo,
    ModelHostUnavailable,
    host_info,
)

__all__ = [
    "HostInfo",
    "HostedChatEngine",
    "HostedPiperTTS",
    "HostedSTT",
    "ModelHostUnavailable",
    "host_info",
]
