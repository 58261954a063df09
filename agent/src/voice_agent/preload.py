"""Imported once in the worker's forkserver (``preload_modules``, after ``voice_agent.main``):
what every job process would otherwise do in its prewarm, done once and inherited
copy-on-write. Fork-safe only: imports and the TLS context (no threads, no event loop)."""

from __future__ import annotations

from . import http_clients

http_clients.warm_up()
