"""An image's bytes with its conversation file (``content``, ``content_type``).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("conversation_files") as batch:
        batch.add_column(sa.Column("content_type", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("content", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("conversation_files") as batch:
        batch.drop_column("content")
        batch.drop_column("content_type")
