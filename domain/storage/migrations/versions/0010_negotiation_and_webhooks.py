"""negotiation cards (counter-offers, reminders, the store's card) and signed money webhooks

Offers get a side (the store's offer or the buyer's counter-offer), the offer
they counter and when the one reminder went; each card showing an offer is
a row of offer_cards, so it is edited when the offer ends;
stores get whether counter-offers are allowed and their webhook endpoint and
secret; users an optional time zone; outbound webhooks their store, the
sequence they are posted in, a status, a lease, since when they fail and when they were parked.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("stores") as batch:
        batch.add_column(
            sa.Column("counter_offers_allowed", sa.Boolean(), nullable=False, server_default=sa.text("false"))
        )
        batch.add_column(sa.Column("webhook_url", sa.String(length=512), nullable=True))
        batch.add_column(sa.Column("webhook_secret", sa.String(length=128), nullable=True))
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("timezone", sa.String(length=64), nullable=True))
    with op.batch_alter_table("offers") as batch:
        batch.add_column(sa.Column("side", sa.String(length=8), nullable=False, server_default="store"))
        batch.add_column(sa.Column("counter_of_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_foreign_key(
            op.f("fk_offers_counter_of_id_offers"), "offers", ["counter_of_id"], ["id"], ondelete="SET NULL"
        )
    op.create_table(
        "offer_cards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("offer_id", sa.Integer(), nullable=False),
        sa.Column("audience", sa.String(length=8), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.Column("shown", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["offer_id"], ["offers.id"], name=op.f("fk_offer_cards_offer_id_offers"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offer_cards")),
        sa.UniqueConstraint("chat_id", "message_id", name="uq_offer_cards_message"),
    )
    op.create_index(op.f("ix_offer_cards_offer_id"), "offer_cards", ["offer_id"], unique=False)
    op.drop_index("ix_outbound_webhooks_pending", table_name="outbound_webhooks")
    with op.batch_alter_table("outbound_webhooks") as batch:
        batch.add_column(sa.Column("store_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("sequence_key", sa.String(length=64), nullable=False, server_default=""))
        batch.add_column(sa.Column("status", sa.String(length=16), nullable=False, server_default="pending"))
        batch.add_column(sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("parked_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("failing_since", sa.DateTime(timezone=True), nullable=True))
        batch.create_foreign_key(
            op.f("fk_outbound_webhooks_store_id_stores"), "stores", ["store_id"], ["id"], ondelete="CASCADE"
        )
    op.create_index(op.f("ix_outbound_webhooks_store_id"), "outbound_webhooks", ["store_id"], unique=False)
    op.create_index("ix_outbound_webhooks_due", "outbound_webhooks", ["status", "next_attempt_at"], unique=False)
    op.create_index("ix_outbound_webhooks_sequence", "outbound_webhooks", ["sequence_key", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_outbound_webhooks_sequence", table_name="outbound_webhooks")
    op.drop_index("ix_outbound_webhooks_due", table_name="outbound_webhooks")
    op.drop_index(op.f("ix_outbound_webhooks_store_id"), table_name="outbound_webhooks")
    with op.batch_alter_table("outbound_webhooks") as batch:
        batch.drop_constraint(op.f("fk_outbound_webhooks_store_id_stores"), type_="foreignkey")
        for column in ("failing_since", "parked_at", "lease_until", "status", "sequence_key", "store_id"):
            batch.drop_column(column)
    op.create_index(
        "ix_outbound_webhooks_pending", "outbound_webhooks", ["delivered_at", "next_attempt_at"], unique=False
    )
    with op.batch_alter_table("offers") as batch:
        batch.drop_constraint(op.f("fk_offers_counter_of_id_offers"), type_="foreignkey")
        for column in ("reminded_at", "counter_of_id", "side"):
            batch.drop_column(column)
    op.drop_index(op.f("ix_offer_cards_offer_id"), table_name="offer_cards")
    op.drop_table("offer_cards")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("timezone")
    with op.batch_alter_table("stores") as batch:
        for column in ("webhook_secret", "webhook_url", "counter_offers_allowed"):
            batch.drop_column(column)
