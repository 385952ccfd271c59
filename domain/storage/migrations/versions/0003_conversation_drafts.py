"""conversation drafts: a buyer's conversation step, durable across restarts

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 21:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "conversation_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation", sa.String(length=64), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversation_drafts")),
        sa.UniqueConstraint(
            "conversation", "chat_id", "user_id", name=op.f("uq_conversation_drafts_conversation_chat_id_user_id")
        ),
    )


def downgrade() -> None:
    op.drop_table("conversation_drafts")
