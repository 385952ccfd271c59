"""after-sales requests: affected items, evidence files by purpose, the rejection's reason code, the
escalation to the moderators; stores: suggested partial refunds

The request form (issue #18) names the items and quantities a request is
about (copied, since an order re-import replaces its items), keeps the
buyer's and the seller's files by why they were sent, and a rejection the
buyer took to the moderators with their decision.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("after_sales_requests") as batch:
        batch.add_column(sa.Column("reject_reason", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("escalation_note", sa.Text(), nullable=True))
        batch.add_column(sa.Column("escalation_outcome", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("escalation_decided_by", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("escalation_decided_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("escalation_decision_note", sa.Text(), nullable=True))
    with op.batch_alter_table("stores") as batch:
        batch.add_column(
            sa.Column("refund_suggestion_percents", sa.JSON(), server_default=sa.text("'[20, 50, 80]'"), nullable=False)
        )
    op.create_table(
        "request_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("order_item_id", sa.Integer(), nullable=True),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price_minor", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_request_items_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["order_item_id"],
            ["order_items.id"],
            name=op.f("fk_request_items_order_item_id_order_items"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["after_sales_requests.id"],
            name=op.f("fk_request_items_request_id_after_sales_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_items")),
    )
    op.create_index(op.f("ix_request_items_request_id"), "request_items", ["request_id"], unique=False)
    op.create_table(
        "request_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("side", sa.String(length=8), nullable=False),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("file_id", sa.String(length=255), nullable=False),
        sa.Column("file_unique_id", sa.String(length=64), nullable=True),
        sa.Column("caption", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["after_sales_requests.id"],
            name=op.f("fk_request_files_request_id_after_sales_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_files")),
    )
    op.create_index(op.f("ix_request_files_request_id"), "request_files", ["request_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_request_files_request_id"), table_name="request_files")
    op.drop_table("request_files")
    op.drop_index(op.f("ix_request_items_request_id"), table_name="request_items")
    op.drop_table("request_items")
    with op.batch_alter_table("stores") as batch:
        batch.drop_column("refund_suggestion_percents")
    with op.batch_alter_table("after_sales_requests") as batch:
        batch.drop_column("escalation_decision_note")
        batch.drop_column("escalation_decided_at")
        batch.drop_column("escalation_decided_by")
        batch.drop_column("escalation_outcome")
        batch.drop_column("escalation_note")
        batch.drop_column("escalated_at")
        batch.drop_column("reject_reason")
