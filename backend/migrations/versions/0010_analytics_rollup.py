"""The analytics rollup: per UTC day and breakdown value, the sums of the conversations'
figures (analytics_days) and a voice-to-voice histogram of the replies (analytics_latency),
kept on write by app/analytics/rollup.py from now on and built here from the rows so far.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_DIMENSIONS = ("persona", "voice", "provider", "language")
_DAY_FIGURES = ("conversations", "ended", "turns", "interruptions", "errors", "fallbacks")
_RATINGS = ("rated_up", "rated_down")
# app/analytics/histogram.py: (limit, width) in ms, then one bucket from 60 s
_WIDTHS = ((2000, 10), (10000, 100), (60000, 1000))
_LAST_BUCKET = 60000


def _key() -> list[sa.Column[Any]]:
    return [
        sa.Column("dim", sa.String(length=16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("value", sa.String(length=64), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "analytics_days",
        *_key(),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in _DAY_FIGURES[:2]),
        sa.Column("duration_ms", sa.BigInteger(), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in _DAY_FIGURES[2:]),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in _RATINGS),
        sa.PrimaryKeyConstraint("dim", "day", "value", name=op.f("pk_analytics_days")),
    )
    op.create_table(
        "analytics_latency",
        *_key(),
        sa.Column("bucket_ms", sa.Integer(), nullable=False),
        sa.Column("replies", sa.Integer(), nullable=False),
        sa.Column("total_ms", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint(
            "dim", "day", "value", "bucket_ms", name=op.f("pk_analytics_latency")
        ),
    )
    _backfill(op.get_bind().dialect.name)


def _backfill(dialect: str) -> None:
    if dialect == "postgresql":
        day = "CAST(timezone('UTC', {0}) AS date)"
        duration = "CAST(round(extract(epoch FROM c.ended_at - c.started_at) * 1000) AS bigint)"
        floor = "floor(m.v2v_ms / {0})"
    else:
        day = "date({0})"
        duration = (
            "CAST(round((julianday(c.ended_at) - julianday(c.started_at)) * 86400000) AS INTEGER)"
        )
        floor = "CAST(m.v2v_ms / {0} AS INTEGER)"
    bucket = "CASE WHEN m.v2v_ms < 0 THEN 0 "
    bucket += " ".join(
        f"WHEN m.v2v_ms < {limit} THEN {floor.format(width)} * {width}" for limit, width in _WIDTHS
    )
    bucket += f" ELSE {_LAST_BUCKET} END"
    for dim in ("all", *_DIMENSIONS):
        value = "''" if dim == "all" else f"COALESCE(c.{dim}, '')"
        op.execute(
            "INSERT INTO analytics_days (dim, day, value, conversations, ended, duration_ms, "
            "turns, interruptions, errors, fallbacks, rated_up, rated_down) "
            f"SELECT '{dim}', {day.format('c.started_at')}, {value}, count(*), "
            f"count(c.ended_at), COALESCE(sum({duration}), 0), sum(c.turns), "
            "sum(c.interruptions), sum(c.errors), sum(c.fallbacks), "
            "sum(CASE WHEN r.score > 0 THEN 1 ELSE 0 END), "
            "sum(CASE WHEN r.score < 0 THEN 1 ELSE 0 END) "
            "FROM conversations c LEFT JOIN conversation_ratings r "
            "ON r.conversation_id = c.id GROUP BY 2, 3"
        )
        op.execute(
            "INSERT INTO analytics_latency (dim, day, value, bucket_ms, replies, total_ms) "
            f"SELECT '{dim}', {day.format('m.created_at')}, {value}, {bucket}, count(*), "
            "sum(m.v2v_ms) FROM messages m JOIN conversations c ON c.id = m.conversation_id "
            "WHERE m.v2v_ms IS NOT NULL GROUP BY 2, 3, 4"
        )


def downgrade() -> None:
    op.drop_table("analytics_latency")
    op.drop_table("analytics_days")
