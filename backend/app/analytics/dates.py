"""The date range of an analytics request: whole UTC days, both ends included."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

DEFAULT_DAYS = 30
FROM_AFTER_TO_DETAIL = "'from' is after 'to'"
TOO_LONG_DETAIL = "the date range is longer than {days} days (BACKEND_ANALYTICS_MAX_DAYS)"
FIRST_DAY = dt.date(1970, 1, 1)
LAST_DAY = dt.date(9999, 12, 30)  # its end, the next midnight, is still a datetime
OUT_OF_SPAN_DETAIL = f"dates must be from {FIRST_DAY} to {LAST_DAY}"


class BadRange(ValueError):
    """A range the API refuses; the message is the response's detail."""


@dataclass(frozen=True, slots=True)
class DateRange:
    first: dt.date
    last: dt.date

    @property
    def start(self) -> dt.datetime:
        return dt.datetime.combine(self.first, dt.time(), tzinfo=dt.UTC)

    @property
    def end(self) -> dt.datetime:
        """The instant after the last day (exclusive)."""
        return self.start + dt.timedelta(days=self.days)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


def date_range(
    first: dt.date | None, last: dt.date | None, *, today: dt.date, max_days: int
) -> DateRange:
    """The range asked for; an open end defaults to today, an open start to the
    ``DEFAULT_DAYS`` (or ``max_days``, if fewer) days that end at ``last``."""
    last = last or today
    if not FIRST_DAY <= last <= LAST_DAY or not FIRST_DAY <= (first or last) <= LAST_DAY:
        raise BadRange(OUT_OF_SPAN_DETAIL)
    first = first or max(FIRST_DAY, last - dt.timedelta(days=min(DEFAULT_DAYS, max_days) - 1))
    if first > last:
        raise BadRange(FROM_AFTER_TO_DETAIL)
    chosen = DateRange(first, last)
    if chosen.days > max_days:
        raise BadRange(TOO_LONG_DETAIL.format(days=max_days))
    return chosen
