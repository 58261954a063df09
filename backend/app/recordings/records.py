"""The rows of ``conversation_recordings``: one per recorded conversation, its size the bytes
committed so far. Appending checks the offset against it, so the store and the row agree, and
notes where a resumed call's own Ogg stream starts (``links``, joined for playback)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import ConversationRecording, utcnow
from app.recordings import ogg_links
from app.recordings.store import RecordingStore

# the end of the previous stream read to learn its length: more than one Ogg page
_TAIL_BYTES = 256 * 1024


class OffsetMismatch(Exception):
    """An upload that starts past the stored end: a gap."""

    detail = "recording offset does not match the stored size"

    def __init__(self, size: int) -> None:
        super().__init__(self.detail)
        self.size = size


class RecordingTooLarge(Exception):
    detail = "recording too large"


@dataclass(frozen=True, slots=True)
class Appended:
    size: int
    stored: bool  # False: the bytes were already there (a retried upload)


def get(session: Session, *, conversation_id: uuid.UUID) -> ConversationRecording | None:
    return session.get(ConversationRecording, conversation_id)


def append(
    session: Session,
    store: RecordingStore,
    *,
    conversation_id: uuid.UUID,
    started_at: dt.datetime,
    offset: int,
    data: bytes,
    max_bytes: int,
) -> Appended:
    """Store ``data`` at ``offset`` (the recording's end), creating the row with its first
    upload. An upload that ends within what is stored changes nothing (a retry); one that
    starts within it and goes past its end stores only the part past it (a retry whose answer
    was lost, sent again with what the file gained since). The caller commits; the bytes are
    written first, so a failed commit is followed by a retry that writes them again at the
    same offset."""
    row = get(session, conversation_id=conversation_id)
    if row is None:
        row = ConversationRecording(
            conversation_id=conversation_id,
            key=str(conversation_id),
            started_at=started_at,
            size=0,
            updated_at=utcnow(),
            links=[],
        )
        session.add(row)
        session.flush()
    if offset + len(data) <= row.size:
        return Appended(size=row.size, stored=False)
    if offset > row.size:
        raise OffsetMismatch(row.size)
    data, offset = data[row.size - offset :], row.size
    if row.size + len(data) > max_bytes:
        raise RecordingTooLarge
    if offset > 0 and ogg_links.starts_link(data):  # a resumed call's own stream
        row.links = [*row.links, _link(store, row, offset, started_at)]
    store.append(row.key, offset, data)
    row.size = offset + len(data)
    row.updated_at = utcnow()
    session.flush()
    return Appended(size=row.size, stored=True)


def _link(
    store: RecordingStore, row: ConversationRecording, offset: int, started_at: dt.datetime
) -> dict[str, Any]:
    """A new Ogg stream at ``offset``: where it starts in the file, the wall time of its first
    sample, and where it plays in the joined stream (after the previous streams' audio)."""
    previous = row.links[-1] if row.links else {"offset": 0, "starts_at_s": 0.0}
    tail_start = max(int(previous["offset"]), offset - _TAIL_BYTES)
    tail = b"".join(store.read(row.key, tail_start, offset))
    played = ogg_links.last_granule(tail) / ogg_links.SAMPLE_RATE
    return {
        "offset": offset,
        "started_at": started_at.isoformat(),
        "starts_at_s": round(float(previous["starts_at_s"]) + played, 3),
    }


def link_offsets(row: ConversationRecording) -> list[int]:
    return [int(link["offset"]) for link in row.links]


def started_before(session: Session, *, cutoff: dt.datetime) -> list[ConversationRecording]:
    stmt = select(ConversationRecording).where(ConversationRecording.started_at < cutoff)
    return list(session.scalars(stmt))
