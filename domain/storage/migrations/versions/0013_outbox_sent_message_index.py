"""outbox: find the bot's message an agent replies to by (chat, message id)

A reply to one of our prompts is looked up by ``(chat_id, telegram_message_id)``;
without an index that is a scan of the whole outbox. The composite index also
serves look-ups by chat alone, so the single-column one on ``chat_id`` goes.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 23:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_outbox_messages_sent_message", "outbox_messages", ["chat_id", "telegram_message_id"])
    op.drop_index("ix_outbox_messages_chat_id", table_name="outbox_messages")


def downgrade() -> None:
    op.create_index("ix_outbox_messages_chat_id", "outbox_messages", ["chat_id"])
    op.drop_index("ix_outbox_messages_sent_message", table_name="outbox_messages")
