"""The analytics report (every aggregate for one range and scope) and its tables as CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Protocol

from pydantic import BaseModel
from sqlalchemy.orm import Session

from app.analytics import queries, rollup_queries
from app.analytics.filters import Filter
from app.analytics.schemas import (
    AnalyticsReport,
    BreakdownRow,
    DayRow,
    Dimension,
    LatencyRow,
    Scope,
    Table,
)


class Source(Protocol):
    """Where the per-day, latency and breakdown figures come from."""

    def days(self, session: Session, where: Filter) -> list[DayRow]: ...
    def latency(self, session: Session, where: Filter) -> list[LatencyRow]: ...
    def totals(self, session: Session, where: Filter) -> BreakdownRow: ...
    def breakdown(
        self, session: Session, where: Filter, by: Dimension | None
    ) -> list[BreakdownRow]: ...


def source(where: Filter) -> Source:
    """Everyone's figures from the rollup (a year reads a few thousand rows, not a million
    replies); one user's from the exact queries (their rows are few)."""
    if where.user_id is None:
        return rollup_queries
    return queries


def build(session: Session, where: Filter, *, scope: Scope, by: Dimension) -> AnalyticsReport:
    figures = source(where)
    return AnalyticsReport.model_validate(
        {
            "scope": scope,
            "from": where.range.first,
            "to": where.range.last,
            "by": by,
            "totals": figures.totals(session, where),
            "days": figures.days(session, where),
            "latency": figures.latency(session, where),
            "errors": queries.errors(session, where),
            "breakdown": figures.breakdown(session, where, by),
            "ratings": queries.ratings(session, where),
            "comments": queries.comments(session, where),
        }
    )


def table_rows(
    session: Session, where: Filter, *, table: Table, by: Dimension
) -> Sequence[BaseModel]:
    figures = source(where)
    if table == "days":
        return figures.days(session, where)
    if table == "latency":
        return figures.latency(session, where)
    if table == "errors":
        return queries.errors(session, where)
    if table == "breakdown":
        return figures.breakdown(session, where, by)
    return queries.comments(session, where)


def to_csv(rows: Sequence[BaseModel], header: Sequence[str]) -> str:
    """One header line, then one line per row (empty cells for nulls)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        values = row.model_dump(mode="json")
        writer.writerow(["" if values[name] is None else values[name] for name in header])
    return out.getvalue()
