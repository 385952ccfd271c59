"""update pipeline: the inbox of updates, outbox dependencies and results

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 20:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inbox_updates",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("conversation_key", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("update_id", name=op.f("pk_inbox_updates")),
    )
    op.create_index("ix_inbox_updates_status", "inbox_updates", ["status", "update_id"], unique=False)
    # Nullable columns only: plain ADD COLUMN works on SQLite without a table rebuild.
    op.add_column("outbox_messages", sa.Column("after_id", sa.Integer(), nullable=True))
    op.add_column("outbox_messages", sa.Column("on_result", sa.String(length=64), nullable=True))
    op.add_column("outbox_messages", sa.Column("on_result_args", sa.JSON(), nullable=True))
    op.add_column("outbox_messages", sa.Column("update_id", sa.BigInteger(), nullable=True))
    op.add_column("outbox_messages", sa.Column("telegram_message_id", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox_messages") as batch:
        for column in ("telegram_message_id", "update_id", "on_result_args", "on_result", "after_id"):
            batch.drop_column(column)
    op.drop_index("ix_inbox_updates_status", table_name="inbox_updates")
    op.drop_table("inbox_updates")
