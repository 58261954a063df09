"""/api/analytics: aggregates of conversations over a range of UTC days (both ends included),
as one JSON report or one table as CSV. ``scope=mine`` (the default) covers the caller's own
conversations; ``scope=all`` covers everyone's and is for operators only (403 otherwise)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, status
from fastapi.responses import Response
from pydantic import BeforeValidator

from app.analytics import report
from app.analytics.dates import (
    FROM_AFTER_TO_DETAIL,
    OUT_OF_SPAN_DETAIL,
    TOO_LONG_DETAIL,
    BadRange,
    date_range,
)
from app.analytics.filters import Filter
from app.analytics.schemas import (
    AnalyticsReport,
    BreakdownRow,
    DayRow,
    Dimension,
    ErrorRow,
    LatencyRow,
    RatingComment,
    Scope,
    Table,
)
from app.api.deps import OPERATOR_ONLY_DETAIL, USER_ERRORS, CurrentAccount, SessionDep, SettingsDep
from app.core.security import AuthUser
from app.models import utcnow

router = APIRouter(prefix="/analytics", tags=["analytics"], responses=USER_ERRORS)

_ERRORS: dict[int | str, dict[str, Any]] = {
    403: {"description": OPERATOR_ONLY_DETAIL},
    422: {"description": f"{FROM_AFTER_TO_DETAIL} | {TOO_LONG_DETAIL} | {OUT_OF_SPAN_DETAIL}"},
}
_COLUMNS: dict[Table, list[str]] = {
    "days": list(DayRow.model_fields),
    "latency": list(LatencyRow.model_fields),
    "errors": list(ErrorRow.model_fields),
    "breakdown": list(BreakdownRow.model_fields),
    "comments": list(RatingComment.model_fields),
}


def _iso_day(value: object) -> object:
    """Only YYYY-MM-DD, as the schema's ``format: date`` says (pydantic would also read a
    number as a Unix time)."""
    if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("expected a date, YYYY-MM-DD")
    return value


Day = Annotated[dt.date, BeforeValidator(_iso_day)]
FromDay = Annotated[
    Day | None, Query(alias="from", description="First UTC day; default: 30 days before 'to'.")
]
ToDay = Annotated[Day | None, Query(alias="to", description="Last UTC day; default: today.")]
ScopeQuery = Annotated[Scope, Query(description="mine: your own; all: everyone's (operators).")]
ByQuery = Annotated[Dimension, Query(description="What the breakdown table is per.")]


def _filter(
    account: AuthUser, scope: Scope, first: dt.date | None, last: dt.date | None, max_days: int
) -> Filter:
    if scope == "all" and not account.operator:
        raise HTTPException(status.HTTP_403_FORBIDDEN, OPERATOR_ONLY_DETAIL)
    try:
        chosen = date_range(first, last, today=utcnow().date(), max_days=max_days)
    except BadRange as e:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(e)) from None
    return Filter(range=chosen, user_id=None if scope == "all" else account.id)


@router.get("", responses=_ERRORS)
def get_analytics(
    account: CurrentAccount,
    session: SessionDep,
    settings: SettingsDep,
    first: FromDay = None,
    last: ToDay = None,
    scope: ScopeQuery = "mine",
    by: ByQuery = "persona",
) -> AnalyticsReport:
    """Every aggregate of the range: per day, latency per day, errors by source, the
    breakdown, ratings and the newest comments."""
    where = _filter(account, scope, first, last, settings.analytics_max_days)
    return report.build(session, where, scope=scope, by=by)


@router.get(
    "/{table}.csv",
    response_class=Response,
    responses={**_ERRORS, 200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
def export_table(
    table: Table,
    account: CurrentAccount,
    session: SessionDep,
    settings: SettingsDep,
    first: FromDay = None,
    last: ToDay = None,
    scope: ScopeQuery = "mine",
    by: ByQuery = "persona",
) -> Response:
    """One table of the report as a CSV download (the JSON report's field names as columns)."""
    where = _filter(account, scope, first, last, settings.analytics_max_days)
    rows = report.table_rows(session, where, table=table, by=by)
    name = f"analytics-{table}-{where.range.first}-{where.range.last}.csv"
    return Response(
        report.to_csv(rows, _COLUMNS[table]),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
