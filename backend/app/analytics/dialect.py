"""The few SQL expressions that PostgreSQL and SQLite spell differently: a timestamp's UTC
day, the seconds between two timestamps, and percentiles (PostgreSQL's ``percentile_cont``;
on SQLite the same linear interpolation from ranked rows, with window functions)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    case,
    cast,
    extract,
    func,
    literal,
    select,
    text,
)
from sqlalchemy.orm import Session


def utc_day(column: Any, dialect: str) -> ColumnElement[str]:
    """'YYYY-MM-DD' of a timestamp in UTC (SQLite stores them naive, in UTC)."""
    if dialect == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD")
    return func.date(column)


def seconds_between(start: Any, end: Any, dialect: str) -> ColumnElement[Any]:
    if dialect == "postgresql":
        return extract("epoch", end - start)
    return (func.julianday(end) - func.julianday(start)) * 86400.0


@dataclass(frozen=True, slots=True)
class Spread:
    """How many values a group has, and their percentiles (None when it has none)."""

    count: int
    p50: float | None
    p95: float | None


PERCENTILES = (0.5, 0.95)
# percentile_cont sorts every value of the range: in memory, not in temporary files
# (PostgreSQL's default work_mem is 4 MB; a year's replies take ~60 MB to sort).
SORT_MEMORY = "SET LOCAL work_mem = '128MB'"


def percentiles(
    session: Session, source: Select[*tuple[Any, ...]], dialect: str
) -> dict[Any, Spread]:
    """p50 and p95 of ``source``'s column ``v`` per value of its column ``g``. ``source``
    selects exactly those two labelled columns, NULL values of ``v`` already excluded."""
    rows = source.subquery()
    if dialect == "postgresql":
        session.execute(text(SORT_MEMORY))
        figures = [func.percentile_cont(p).within_group(rows.c.v) for p in PERCENTILES]
        query = select(rows.c.g, func.count(), *figures).group_by(rows.c.g)
        return {g: Spread(n, _round(a), _round(b)) for g, n, a, b in session.execute(query)}
    return _ranked_percentiles(session, rows)


def _ranked_percentiles(session: Session, rows: Any) -> dict[Any, Spread]:
    ranked = select(
        rows.c.g,
        rows.c.v,
        (func.row_number().over(partition_by=rows.c.g, order_by=rows.c.v) - 1).label("i"),
        func.count().over(partition_by=rows.c.g).label("n"),
    ).subquery()
    picks: list[ColumnElement[Any]] = []
    for p in PERCENTILES:
        below = cast(literal(p) * (ranked.c.n - 1), Integer)
        picks.append(func.min(case((ranked.c.i == below, ranked.c.v))))
        picks.append(func.min(case((ranked.c.i == below + 1, ranked.c.v))))
    query = select(ranked.c.g, func.max(ranked.c.n), *picks).group_by(ranked.c.g)
    out: dict[Any, Spread] = {}
    for g, n, *values in session.execute(query):
        figures = [_interpolate(p, n, values[2 * k : 2 * k + 2]) for k, p in enumerate(PERCENTILES)]
        out[g] = Spread(n, *figures)
    return out


def _interpolate(p: float, n: int, pair: Sequence[float | None]) -> float | None:
    """percentile_cont: the value at rank p*(n-1), between the two ranked values around it."""
    low, high = pair
    if low is None:
        return None
    fraction = p * (n - 1) - math.floor(p * (n - 1))
    if high is None or fraction == 0:
        return _round(low)
    return _round(low + (high - low) * fraction)


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), 1)
