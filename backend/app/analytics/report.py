"""The analytics report (every aggregate for one range and scope) and its tables as CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from pydantic import BaseModel
from sqlalchemy.orm import Session

from app.analytics import queries
from app.analytics.filters import Filter
from app.analytics.schemas import AnalyticsReport, Dimension, Scope, Table


def build(session: Session, where: Filter, *, scope: Scope, by: Dimension) -> AnalyticsReport:
    return AnalyticsReport.model_validate(
        {
            "scope": scope,
            "from": where.range.first,
            "to": where.range.last,
            "by": by,
            "totals": queries.totals(session, where),
            "days": queries.days(session, where),
            "latency": queries.latency(session, where),
            "errors": queries.errors(session, where),
            "breakdown": queries.breakdown(session, where, by),
            "ratings": queries.ratings(session, where),
            "comments": queries.comments(session, where),
        }
    )


def table_rows(
    session: Session, where: Filter, *, table: Table, by: Dimension
) -> Sequence[BaseModel]:
    if table == "days":
        return queries.days(session, where)
    if table == "latency":
        return queries.latency(session, where)
    if table == "errors":
        return queries.errors(session, where)
    if table == "breakdown":
        return queries.breakdown(session, where, by)
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
