"""Reloads a room's earlier transcript so a (re)joining agent carries on the conversation."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from livekit.agents import llm

from ..context_window import history_tail
from .backend_client import BackendClient, BackendError, StoredMessage, stored_message
from .journal import Entry

logger = logging.getLogger("voice_agent.persistence")


async def load_history(
    client: BackendClient,
    room: str,
    *,
    keep_tokens: int | None = None,
    journaled: Sequence[Entry] = (),
) -> llm.ChatContext | None:
    """The room's stored messages as a ChatContext (ids and times kept), oldest first;
    with ``keep_tokens``, only the newest whole turns within that many (estimated) tokens.
    ``journaled``: the room's messages still in this machine's journal (a job that died
    before the backend had them), added by id.

    None when there are none, or when the backend cannot be read: the job then starts
    fresh instead of failing.
    """
    try:
        messages = await client.list_messages(room)
    except BackendError as e:
        if e.status == 404:
            logger.info("no conversation recorded for this room", extra={"room": room})
        else:
            logger.warning(
                "could not load the conversation history; starting without it",
                extra={"room": room, "status": e.status, "detail": e.detail},
            )
        return None
    stored = {m.id for m in messages}
    messages += [_journaled(e) for e in journaled if e.write_id not in stored]
    messages.sort(key=lambda m: m.created_at)
    if not messages:
        return None
    ctx = llm.ChatContext.empty()
    for m in messages:
        ctx.add_message(
            role=m.role,
            content=m.text,
            id=m.id,
            created_at=m.created_at.timestamp(),
            interrupted=m.interrupted,
        )
    if keep_tokens is not None:
        ctx = history_tail(ctx, keep_tokens)
    logger.info(
        "conversation history loaded",
        extra={"room": room, "messages": len(messages), "kept": len(ctx.items)},
    )
    return ctx


def _journaled(entry: Entry) -> StoredMessage:
    return stored_message({"id": entry.write_id, **entry.body})
