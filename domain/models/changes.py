"""A buyer's request to change an order before shipment: the new address, another size or colour, a product removed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from domain.enums import ChangeStatus, TicketReason
from domain.models.base import Base, enum_column


class ChangeRequest(Base):
    __tablename__ = "change_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    kind: Mapped[TicketReason] = mapped_column(enum_column(TicketReason))  # change_address, change_size_colour, ...
    asked: Mapped[str] = mapped_column(Text)  # the buyer's words: the new address, the size or colour, the product
    status: Mapped[ChangeStatus] = mapped_column(enum_column(ChangeStatus))
    # What applying changed: the item (a copy of its title: the item itself may be gone) and the value it replaced.
    item_title: Mapped[str | None] = mapped_column(String(255))
    previous: Mapped[str | None] = mapped_column(Text)
    decision_reason: Mapped[str | None] = mapped_column(Text)  # the seller's note with a decline, shown to the buyer
    decided_by: Mapped[str | None] = mapped_column(String(64))  # "agent:12"
    decided_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
