"""Layer 2 of the session state: the user, from the participant's attributes and metadata.

The name comes from the attribute ``name``, else ``{"name"}`` in the participant's JSON
metadata, else the participant's LiveKit name; it is only used to greet, so anything that
does not look like a name (or is just the user id) is ignored.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

from livekit import rtc
from livekit.agents import JobContext

_NAME = re.compile(r"^[^\W\d_][\w .'-]{0,39}$")  # starts with a letter, at most 40 characters


@dataclass(frozen=True, slots=True)
class UserProfile:
    name: str | None = None

    @classmethod
    def from_parts(
        cls, *, name: str | None, identity: str, attributes: Mapping[str, str], metadata: str
    ) -> UserProfile:
        # the backend names a participant after its user id when it knows no better
        # (identity "<user id>-<6 hex>"); an id is not a name to greet anyone with
        ids = {identity, identity.rpartition("-")[0]}
        candidates = [attributes.get("name"), _metadata_name(metadata), name]
        for candidate in candidates:
            clean = (candidate or "").strip()
            if clean and clean not in ids and _NAME.match(clean):
                return cls(name=clean)
        return cls()

    @classmethod
    def from_participant(cls, participant: rtc.Participant) -> UserProfile:
        return cls.from_parts(
            name=participant.name,
            identity=participant.identity,
            attributes=participant.attributes,
            metadata=participant.metadata,
        )


def _metadata_name(metadata: str) -> str | None:
    try:
        data = json.loads(metadata) if metadata else None
    except ValueError:
        return None
    name = data.get("name") if isinstance(data, dict) else None
    return name if isinstance(name, str) else None


async def wait_for_user(ctx: JobContext, timeout_s: float) -> UserProfile:
    """Connect and wait (at most ``timeout_s``) for the user, to greet them by name; an
    unknown user (no name, or not there in time) is ``UserProfile()``."""
    if timeout_s <= 0 or ctx.is_fake_job():
        return UserProfile()
    await ctx.connect()
    try:
        participant = await asyncio.wait_for(ctx.wait_for_participant(), timeout_s)
    except TimeoutError:
        return UserProfile()
    return UserProfile.from_participant(participant)
