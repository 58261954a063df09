"""A/B experiments, and each conversation's experiment and variant.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_RUNNING = sa.text("status = 'running'")


def upgrade() -> None:
    op.create_table(
        "experiments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("variants", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("stopped_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('draft', 'running', 'stopped')", name=op.f("ck_experiments_status")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_experiments")),
    )
    op.create_index(
        "uq_experiments_running",
        "experiments",
        ["status"],
        unique=True,
        postgresql_where=_RUNNING,
        sqlite_where=_RUNNING,
    )
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("experiment_id", sa.Uuid(), nullable=True))
        batch.add_column(sa.Column("variant_key", sa.String(length=32), nullable=True))
        batch.create_foreign_key(
            op.f("fk_conversations_experiment_id_experiments"),
            "experiments",
            ["experiment_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_index(op.f("ix_conversations_experiment_id"), ["experiment_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.drop_index(op.f("ix_conversations_experiment_id"))
        batch.drop_constraint(
            op.f("fk_conversations_experiment_id_experiments"), type_="foreignkey"
        )
        batch.drop_column("variant_key")
        batch.drop_column("experiment_id")
    op.drop_index("uq_experiments_running", table_name="experiments")
    op.drop_table("experiments")
