"""outbox priority: a person's words before automatic notices in the same chat

``outbox_messages.priority``: 0 for what a person said or just did (a buyer's
copy into a topic, an agent's answer, /notify), 1 for what timers, webhooks
and imports originate (reminders, deadline and order-event notices). The
sender sends a chat's lowest (priority, id) first; rows recorded before this
revision were all of the first kind.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 14:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_messages") as batch:
        batch.add_column(sa.Column("priority", sa.SmallInteger(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("outbox_messages") as batch:
        batch.drop_column("priority")
