"""users.correcting_event_id: the incorrect-address event whose "correct it" the buyer pressed last

The buyer's next text is then the address. Kept on the user, whom every
update reads anyway, so a buyer's ordinary message costs no look-up of
order events; the event itself is checked again when the address comes.
Events waiting for an address when this revision runs point every buyer
bound to their order at them, as before.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 23:50:00
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("correcting_event_id", sa.Integer(), nullable=True))
    connection = op.get_bind()
    events = connection.execute(
        sa.text("SELECT id, order_id, data FROM order_events WHERE kind = 'incorrect_address' ORDER BY id")
    ).all()
    for event_id, order_id, data in events:
        data = json.loads(data) if isinstance(data, str) else (data or {})
        if data.get("correcting") and data.get("choice") is None:
            connection.execute(
                sa.text(
                    "UPDATE users SET correcting_event_id = :event"
                    " WHERE id IN (SELECT user_id FROM order_bindings WHERE order_id = :order)"
                ),
                {"event": event_id, "order": order_id},
            )


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("correcting_event_id")
