"""HTTP clients that cost a job's event loop nothing to make.

Building an ``httpx`` client loads the CA bundle into a new TLS context (~0.2 s here), and its
first request imports httpcore's and anyio's async backends: done on the loop, that delays
the call's audio. One TLS context per process, and the imports, happen in ``warm_up`` (the
process prewarm) instead.
"""

from __future__ import annotations

import functools
import importlib
import ssl
from typing import Any

import httpx


@functools.cache
def tls_context() -> ssl.SSLContext:
    return ssl.create_default_context()


def async_client(**options: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(verify=tls_context(), **options)


def sync_client(**options: Any) -> httpx.Client:
    return httpx.Client(verify=tls_context(), **options)


def warm_up() -> None:
    tls_context()
    for module in ("anyio._backends._asyncio", "httpcore._async.connection_pool", "h11"):
        importlib.import_module(module)
