"""tickets: one number per store, not per buyer (stores.ticket_seq); existing tickets renumbered in each store by age

Two buyers' first tickets at one store were both "#1", in the topic titles,
the queue and `/close 1`. A ticket's number is now unique within its store,
which the agents and the buyer both use.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 12:00:00
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
    with op.batch_alter_table("stores") as batch:
        batch.add_column(sa.Column("ticket_seq", sa.Integer(), server_default=sa.text("0"), nullable=False))
    # The old constraint goes first: renumbering row by row would trip it.
    with op.batch_alter_table("tickets") as batch:
        batch.drop_constraint("uq_tickets_buyer_id_number", type_="unique")
    op.execute(
        "UPDATE tickets SET number = "
        "(SELECT COUNT(*) FROM tickets AS older WHERE older.store_id = tickets.store_id AND older.id <= tickets.id)"
    )
    op.execute("UPDATE stores SET ticket_seq = (SELECT COUNT(*) FROM tickets WHERE tickets.store_id = stores.id)")
    with op.batch_alter_table("tickets") as batch:
        batch.create_unique_constraint("uq_tickets_store_id_number", ["store_id", "number"])
    with op.batch_alter_table("users") as batch:
        batch.drop_column("ticket_seq")


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("ticket_seq", sa.Integer(), server_default=sa.text("0"), nullable=False))
    with op.batch_alter_table("tickets") as batch:
        batch.drop_constraint("uq_tickets_store_id_number", type_="unique")
    op.execute(
        "UPDATE tickets SET number = "
        "(SELECT COUNT(*) FROM tickets AS older WHERE older.buyer_id = tickets.buyer_id AND older.id <= tickets.id)"
    )
    op.execute("UPDATE users SET ticket_seq = (SELECT COUNT(*) FROM tickets WHERE tickets.buyer_id = users.id)")
    with op.batch_alter_table("tickets") as batch:
        batch.create_unique_constraint("uq_tickets_buyer_id_number", ["buyer_id", "number"])
    with op.batch_alter_table("stores") as batch:
        batch.drop_column("ticket_seq")
