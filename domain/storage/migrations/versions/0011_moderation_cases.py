"""moderation cases: one per screened, reported or moderator-flagged seller message

A flag row becomes a case: its ticket, where it came from (the screen, a
buyer's report, a moderator), every rule hit with its evidence, whether it
holds an edit (and the text the buyer still has), the penalty a confirmation
gave and who decided; a buyer or moderator reports a message once while it
is open, and a case gives at most one strike. Ticket messages get their
delivery state (held, blocked, or kept while the store is suspended) and
stores how many days strikes count.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 18:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN_REPORT = sa.text("status IN ('held', 'open') AND source <> 'screen'")


def upgrade() -> None:
    with op.batch_alter_table("moderation_flags") as batch:
        batch.add_column(sa.Column("ticket_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("source", sa.String(length=16), nullable=False, server_default="screen"))
        batch.add_column(sa.Column("hits", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("for_edit", sa.Boolean(), nullable=False, server_default=sa.text("false")))
        batch.add_column(sa.Column("previous_text", sa.Text(), nullable=True))
        batch.add_column(sa.Column("penalty", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("reviewed_by", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("reviewer_name", sa.String(length=128), nullable=True))
        batch.create_foreign_key(
            "fk_moderation_flags_ticket_id_tickets", "tickets", ["ticket_id"], ["id"], ondelete="CASCADE"
        )
    op.create_index(
        "ux_moderation_flags_open_report",
        "moderation_flags",
        ["message_id", "source"],
        unique=True,
        sqlite_where=OPEN_REPORT,
        postgresql_where=OPEN_REPORT,
    )
    op.create_index("ux_strikes_flag_id", "strikes", ["flag_id"], unique=True)
    with op.batch_alter_table("ticket_messages") as batch:
        batch.add_column(sa.Column("delivery", sa.String(length=16), nullable=True))
    with op.batch_alter_table("stores") as batch:
        batch.add_column(sa.Column("strike_window_days", sa.Integer(), nullable=False, server_default="30"))


def downgrade() -> None:
    with op.batch_alter_table("stores") as batch:
        batch.drop_column("strike_window_days")
    with op.batch_alter_table("ticket_messages") as batch:
        batch.drop_column("delivery")
    op.drop_index("ux_strikes_flag_id", table_name="strikes")
    op.drop_index("ux_moderation_flags_open_report", table_name="moderation_flags")
    with op.batch_alter_table("moderation_flags") as batch:
        batch.drop_constraint("fk_moderation_flags_ticket_id_tickets", type_="foreignkey")
        for column in (
            "reviewer_name",
            "reviewed_by",
            "penalty",
            "previous_text",
            "for_edit",
            "hits",
            "source",
            "ticket_id",
        ):
            batch.drop_column(column)
