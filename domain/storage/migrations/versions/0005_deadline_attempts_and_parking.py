"""deadlines: attempts, last error, next attempt and parked_at; the pending index covers only rows to fire

A failing deadline handler used to be retried at every sweep for ever, and
the sweeper's batch could fill with such rows. Now each failure is counted
with its error and a pause, and after the sweeper's last try the deadline is
parked for an operator (`aftersales deadlines`).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TO_FIRE = "fired_at IS NULL AND cancelled_at IS NULL AND parked_at IS NULL"


def upgrade() -> None:
    with op.batch_alter_table("deadlines") as batch:
        batch.add_column(sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False))
        batch.add_column(sa.Column("last_error", sa.Text(), nullable=True))
        batch.add_column(sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("parked_at", sa.DateTime(timezone=True), nullable=True))
    op.drop_index("ix_deadlines_pending_due", table_name="deadlines")
    op.create_index(
        "ix_deadlines_pending_due",
        "deadlines",
        ["kind", "due_at", "next_attempt_at"],
        unique=False,
        sqlite_where=sa.text(_TO_FIRE),
        postgresql_where=sa.text(_TO_FIRE),
    )


def downgrade() -> None:
    op.drop_index("ix_deadlines_pending_due", table_name="deadlines")
    op.create_index("ix_deadlines_pending_due", "deadlines", ["fired_at", "cancelled_at", "due_at"], unique=False)
    with op.batch_alter_table("deadlines") as batch:
        batch.drop_column("parked_at")
        batch.drop_column("next_attempt_at")
        batch.drop_column("last_error")
        batch.drop_column("attempts")
