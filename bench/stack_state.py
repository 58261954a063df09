"""A running stack (scripts/stack.py) seen from its state folder: its processes, the agent's
journal, its LiveKit credentials and what the backend stored. For the fault tests and the
benches that break a stack on purpose (kill, stop, restart one of its processes)."""

from __future__ import annotations

import json
import sqlite3
import urllib.request
from pathlib import Path

import psutil
from livekit import api


def stack_process(state: Path, command: list[str]) -> psutil.Process:
    """The stack's process whose command line ends with ``command`` (``["-m", "app"]``: the
    backend)."""
    [process] = [
        p
        for p in psutil.process_iter(["cmdline"])
        if (p.info["cmdline"] or [])[-len(command) :] == command
        and str(state) in (p.environ().get("VA_STATE_DIR") or "")
    ]
    return process


def livekit_server(state: Path) -> psutil.Process:
    """The stack's livekit-server (started with the config in its state folder)."""
    config = str(state / "livekit.yaml")
    [process] = [
        p for p in psutil.process_iter(["cmdline"]) if (p.info["cmdline"] or [])[-1:] == [config]
    ]
    return process


def journaled(state: Path) -> int:
    """Writes in the worker's journal that the backend has not acknowledged."""
    with sqlite3.connect(state / "agent-journal" / "journal.sqlite3", timeout=10) as db:
        return int(db.execute("SELECT count(*) FROM writes").fetchone()[0])


def livekit_api(state: Path, url: str) -> api.LiveKitAPI:
    """A LiveKit server API client with the stack's generated key and secret."""
    lines = (state / "secrets.env").read_text().splitlines()
    values = dict(line.split("=", 1) for line in lines if "=" in line)
    return api.LiveKitAPI(url, values["LIVEKIT_API_KEY"], values["LIVEKIT_API_SECRET"])


def stored_messages(backend: str, room: str) -> list[tuple[str, str]]:
    """The room's conversation as the backend stored it: (role, text), in order."""
    with urllib.request.urlopen(f"{backend}/api/conversations?limit=50", timeout=10) as r:
        items = json.loads(r.read())["items"]
    [conversation] = [c for c in items if c["room_name"] == room]
    url = f"{backend}/api/conversations/{conversation['id']}"
    with urllib.request.urlopen(url, timeout=10) as r:
        detail = json.loads(r.read())
    return [(m["role"], m["text"]) for m in detail["messages"]]
