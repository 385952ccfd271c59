"""outbox leases: a row is sent by the process that holds it

``outbox_messages.lease_owner`` / ``lease_until``: the bot process that
recorded a row holds it (its sender sends it); another process's sender
takes it only once the lease ran out (its holder died). Rows recorded
before this revision have no lease: any sender may claim them.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 23:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_messages") as batch:
        batch.add_column(sa.Column("lease_owner", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox_messages") as batch:
        batch.drop_column("lease_until")
        batch.drop_column("lease_owner")
