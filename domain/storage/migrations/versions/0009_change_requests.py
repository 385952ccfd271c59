"""change requests (address, size or colour, a product removed) with their decision; who decided a cancellation

A change asked for before shipment is applied or declined by the store;
cancellations get the deciding actor beside the time (the audit trail has
both as well).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "change_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("asked", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("item_title", sa.String(length=255), nullable=True),
        sa.Column("previous", sa.Text(), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_change_requests_order_id_orders"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_change_requests_ticket_id_tickets"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_requests")),
        sa.UniqueConstraint("ticket_id", name=op.f("uq_change_requests_ticket_id")),
    )
    op.create_index(op.f("ix_change_requests_order_id"), "change_requests", ["order_id"], unique=False)
    with op.batch_alter_table("cancellations") as batch:
        batch.add_column(sa.Column("decided_by", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cancellations") as batch:
        batch.drop_column("decided_by")
    op.drop_index(op.f("ix_change_requests_order_id"), table_name="change_requests")
    op.drop_table("change_requests")
