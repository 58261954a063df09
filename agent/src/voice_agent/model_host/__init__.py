"""The model host: the offline models loaded once per machine and shared by every job."""

from .client import (
    HostedChatEngine,
    HostedMoonshineSTT,
    HostedPiperTTS,
    HostInfo,
    ModelHostUnavailable,
    host_info,
)

__all__ = [
    "HostInfo",
    "HostedChatEngine",
    "HostedMoonshineSTT",
    "HostedPiperTTS",
    "ModelHostUnavailable",
    "host_info",
]
