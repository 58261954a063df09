"""Sort an exception into the error types the metrics and the timeline use.

Types: ``timeout``, ``rate_limit`` (HTTP 429), ``status`` (any other HTTP error status),
``connection`` (refused, reset, DNS) and ``other``.
"""

from __future__ import annotations

from typing import Literal, get_args

import httpx
from livekit.agents import APIConnectionError, APIStatusError, APITimeoutError

ErrorType = Literal["timeout", "rate_limit", "connection", "status", "other"]
_TYPES: dict[object, ErrorType] = {t: t for t in get_args(ErrorType)}


def _status(exc: BaseException) -> int | None:
    if isinstance(exc, APIStatusError):
        return exc.status_code
    if isinstance(exc, httpx.HTTPStatusError):
        return exc.response.status_code
    code = getattr(exc, "status_code", None)
    return code if isinstance(code, int) and code > 0 else None


def classify(exc: BaseException | None) -> ErrorType:
    """The error type of ``exc``, looking through ``__cause__`` once (plugins wrap errors)."""
    for candidate in (exc, getattr(exc, "__cause__", None)):
        if candidate is None:
            continue
        if (known := _TYPES.get(getattr(candidate, "error_type", None))) is not None:
            return known  # errors that know their type, like the backend client's
        if isinstance(candidate, APITimeoutError | httpx.TimeoutException | TimeoutError):
            return "timeout"
        if (status := _status(candidate)) is not None:
            return "rate_limit" if status == 429 else "status"
        if isinstance(candidate, APIConnectionError | httpx.TransportError | ConnectionError):
            return "connection"
    return "other"
