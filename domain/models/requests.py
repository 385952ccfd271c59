"""After-sales requests and what follows them: offers, reshipments; and cancellations."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from domain.enums import (
    AttachmentKind,
    AttachmentPurpose,
    CancellationReason,
    CancellationStatus,
    EscalationOutcome,
    OfferStatus,
    RejectReason,
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
    reject_reason: Mapped[RejectReason | None] = mapped_column(enum_column(RejectReason))
    decision_reason: Mapped[str | None] = mapped_column(Text)  # the seller's note with a rejection, shown to the buyer
    decided_by: Mapped[str | None] = mapped_column(String(64))  # actor, e.g. "agent:12" or "system"
    decided_at: Mapped[datetime | None]
    # A rejection the buyer took to the moderators, and what they decided.
    escalated_at: Mapped[datetime | None]
    escalation_note: Mapped[str | None] = mapped_column(Text)  # the buyer's words
    escalation_outcome: Mapped[EscalationOutcome | None] = mapped_column(enum_column(EscalationOutcome))
    escalation_decided_by: Mapped[str | None] = mapped_column(String(64))  # "moderator:3"
    escalation_decided_at: Mapped[datetime | None]
    escalation_decision_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    offers: Mapped[list[Offer]] = relationship(lazy="selectin", order_by="Offer.id", viewonly=True)
    items: Mapped[list[RequestItem]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="RequestItem.id"
    )
    files: Mapped[list[RequestFile]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="RequestFile.id"
    )


class RequestItem(Base):
    """An order item the request is about, and how many of it.

    A copy of the item as it was (an order re-import replaces its items,
    which sets `order_item_id` to NULL here), so the refund cap never moves.
    """

    __tablename__ = "request_items"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("after_sales_requests.id", ondelete="CASCADE"), index=True)
    order_item_id: Mapped[int | None] = mapped_column(ForeignKey("order_items.id", ondelete="SET NULL"))
    sku: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(255))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price_minor: Mapped[int] = mapped_column(BigInteger)


class RequestFile(Base):
    """Evidence on a request, by why it was sent: the buyer's (fault, shipping status, barcode) or the seller's."""

    __tablename__ = "request_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("after_sales_requests.id", ondelete="CASCADE"), index=True)
    side: Mapped[str] = mapped_column(String(8))  # "buyer" or "seller"
    purpose: Mapped[AttachmentPurpose] = mapped_column(enum_column(AttachmentPurpose))
    kind: Mapped[AttachmentKind] = mapped_column(enum_column(AttachmentKind))
    file_id: Mapped[str] = mapped_column(String(255))  # Telegram file_id, reusable by this bot
    file_unique_id: Mapped[str | None] = mapped_column(String(64))
    caption: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]


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
    # "store": the store's offer, answered by the buyer; "buyer": the buyer's counter-offer, answered by the store.
    side: Mapped[str] = mapped_column(String(8), default="store", server_default="store")
    counter_of_id: Mapped[int | None] = mapped_column(ForeignKey("offers.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    respond_by: Mapped[datetime]
    answered_at: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]  # the one reminder before it expires
    # Unused since the cards are in `offer_cards` (a card per chat: the buyer's, the topic's, agents' private chats).
    card_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    card_message_id: Mapped[int | None] = mapped_column(BigInteger)


class OfferCard(Base):
    """A message showing an offer with its buttons, edited when the offer ends; `audience` "buyer" or "store"."""

    __tablename__ = "offer_cards"
    __table_args__ = (UniqueConstraint("chat_id", "message_id", name="uq_offer_cards_message"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id", ondelete="CASCADE"), index=True)
    audience: Mapped[str] = mapped_column(String(8))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[int] = mapped_column(BigInteger)
    # A fingerprint of what the card shows now: an edit that would change nothing is not sent
    # (Telegram refuses it: "message is not modified").
    shown: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]


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
    decided_by: Mapped[str | None] = mapped_column(String(64))  # "agent:12"; the audit trail has it too
    decided_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
