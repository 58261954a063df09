"""Live Prometheus metrics of the agent (see ``docs/metrics.md``)."""

from .errors import ErrorType, classify
from .instruments import LATENCY_BUCKETS, instruments
from .session_metrics import SessionMetrics, add_listener, record_error, record_fallback

__all__ = [
    "LATENCY_BUCKETS",
    "ErrorType",
    "SessionMetrics",
    "add_listener",
    "classify",
    "instruments",
    "record_error",
    "record_fallback",
]
