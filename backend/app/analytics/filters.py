"""Which conversations an aggregate covers: those started in the date range, of one user or
of everyone."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_

from app.analytics.dates import DateRange
from app.models import Conversation


@dataclass(frozen=True, slots=True)
class Filter:
    range: DateRange
    user_id: str | None  # None: everyone's (an operator's view)

    def conversations(self) -> ColumnElement[bool]:
        started = Conversation.started_at
        parts: list[Any] = [started >= self.range.start, started < self.range.end]
        if self.user_id is not None:
            parts.append(Conversation.user_id == self.user_id)
        return and_(*parts)
