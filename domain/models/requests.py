"""After-sales requests and what follows them: offers, reshipments; and cancellations."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from domain.enums import (
    CancellationReason,
    CancellationStatus,
    OfferStatus,
    RequestStatus,
    RequestType,
    ReshipmentStatus,
    Resolution,
)
from domain.models.base import Base, enum_column


class AfterSalesRequest(Base):
    __tablename__ = "after_sales_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    type: Mapped[RequestType] = mapped_column(enum_column(RequestType))
    description: Mapped[str] = mapped_column(Text)
    delivered_on: Mapped[date | None] = mapped_column(Date)  # as the buyer says; None with not_delivered
    not_delivered: Mapped[bool] = mapped_column(Boolean, default=False)
    barcode_given: Mapped[bool] = mapped_column(Boolean)
    # Affected items' value: the cap for any refund the seller proposes.
    affected_amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    resolution_wanted: Mapped[Resolution] = mapped_column(enum_column(Resolution))
    status: Mapped[RequestStatus] = mapped_column(enum_column(RequestStatus))
    # The seller's answer clock; paused (due cleared, remainder kept) while an offer is pending.
    seller_due_at: Mapped[datetime | None]
    seller_paused_seconds_left: Mapped[int | None] = mapped_column(Integer)
    resolution: Mapped[Resolution | None] = mapped_column(enum_column(Resolution))  # what was finally agreed
    refund_amount_minor: Mapped[int | None] = mapped_column(BigInteger)
    decision_reason: Mapped[str | None] = mapped_column(Text)  # a rejection's reason, shown to the buyer
    decided_by: Mapped[str | None] = mapped_column(String(64))  # actor, e.g. "agent:12" or "system"
    decided_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    offers: Mapped[list[Offer]] = relationship(lazy="selectin", order_by="Offer.id", viewonly=True)


class Offer(Base):
    """A seller's partial-refund proposal, shown to the buyer as a negotiation card."""

    __tablename__ = "offers"
    __table_args__ = (
        # At most one pending offer per request, enforced by the database itself.
        Index(
            "uq_offers_one_pending_per_request",
            "request_id",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
        CheckConstraint("amount_minor > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("after_sales_requests.id", ondelete="CASCADE"), index=True)
    resolution: Mapped[Resolution] = mapped_column(enum_column(Resolution))  # partial_refund or refund_only
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[OfferStatus] = mapped_column(enum_column(OfferStatus))
    proposed_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    respond_by: Mapped[datetime]
    answered_at: Mapped[datetime | None]
    card_chat_id: Mapped[int | None] = mapped_column(BigInteger)  # the buyer's negotiation card
    card_message_id: Mapped[int | None] = mapped_column(BigInteger)


class Reshipment(Base):
    __tablename__ = "reshipments"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("after_sales_requests.id", ondelete="CASCADE"), unique=True)
    status: Mapped[ReshipmentStatus] = mapped_column(enum_column(ReshipmentStatus))
    ship_by: Mapped[datetime]  # end of the Nth working day in the store's time zone, as UTC
    carrier: Mapped[str | None] = mapped_column(String(64))
    tracking_number: Mapped[str | None] = mapped_column(String(64))
    tracking_url: Mapped[str | None] = mapped_column(String(512))
    shipped_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    escalated_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class Cancellation(Base):
    __tablename__ = "cancellations"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    reason: Mapped[CancellationReason] = mapped_column(enum_column(CancellationReason))
    note: Mapped[str | None] = mapped_column(Text)
    proof_file_id: Mapped[str | None] = mapped_column(String(255))
    proof_kind: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[CancellationStatus] = mapped_column(enum_column(CancellationStatus))
    refundable: Mapped[bool] = mapped_column(Boolean)
    decision_reason: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
