"""Analytics: the conversation's choices, providers and counts as columns, and each message's
voice-to-voice latency, filled on write from now on and backfilled here.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CHOICES = {"persona": 64, "voice": 64, "language": 35, "provider": 64}
_COUNTS = ("turns", "interruptions", "errors", "fallbacks")
_V2V_ONLY = "v2v_ms IS NOT NULL"


def upgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        for name, length in _CHOICES.items():
            batch.add_column(sa.Column(name, sa.String(length=length), nullable=True))
        for name in _COUNTS:
            batch.add_column(sa.Column(name, sa.Integer(), server_default="0", nullable=False))
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("v2v_ms", sa.Float(), nullable=True))
    _backfill(op.get_bind().dialect.name)
    op.create_index(op.f("ix_conversations_started"), "conversations", ["started_at"])
    for name, first in (("created", "created_at"), ("conversation", "conversation_id")):
        op.create_index(
            op.f(f"ix_messages_{name}_v2v"),
            "messages",
            [first, "v2v_ms"],
            postgresql_where=sa.text(_V2V_ONLY),
            sqlite_where=sa.text(_V2V_ONLY),
        )


def _backfill(dialect: str) -> None:
    if dialect == "postgresql":
        field = "CAST(room_metadata AS jsonb) ->> '{0}'"
        e2e = "CAST(CAST(latency AS jsonb) ->> 'e2e_ms' AS double precision)"
    else:
        field = "json_extract(room_metadata, '$.{0}')"
        e2e = "CAST(json_extract(latency, '$.e2e_ms') AS REAL)"
    choices = ", ".join(
        f"{name} = {field.format(name)}" for name in ("persona", "voice", "language")
    )
    op.execute(f"UPDATE messages SET v2v_ms = {e2e}")
    op.execute(
        f"UPDATE conversations SET {choices}, "
        "turns = (SELECT count(*) FROM messages m "
        "WHERE m.conversation_id = conversations.id AND m.role = 'user'), "
        "interruptions = (SELECT count(*) FROM messages m "
        "WHERE m.conversation_id = conversations.id AND m.interrupted), "
        "errors = (SELECT count(*) FROM conversation_events e "
        "WHERE e.conversation_id = conversations.id AND e.kind = 'error'), "
        "fallbacks = (SELECT count(*) FROM conversation_events e "
        "WHERE e.conversation_id = conversations.id AND e.kind = 'fallback')"
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_messages_conversation_v2v"), table_name="messages")
    op.drop_index(op.f("ix_messages_created_v2v"), table_name="messages")
    op.drop_index(op.f("ix_conversations_started"), table_name="conversations")
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("v2v_ms")
    with op.batch_alter_table("conversations") as batch:
        for name in (*_COUNTS, *reversed(_CHOICES)):
            batch.drop_column(name)
