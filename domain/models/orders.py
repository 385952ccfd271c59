"""Orders as the marketplace reports them, their items, and who may talk about them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, CheckConstraint, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from domain.enums import BindingSource, OrderEventKind, OrderStatus
from domain.models.base import Base, enum_column


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (UniqueConstraint("store_id", "external_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"), index=True)
    external_number: Mapped[str] = mapped_column(String(64))  # the marketplace's order number
    buyer_name: Mapped[str] = mapped_column(String(255))
    phone: Mapped[str | None] = mapped_column(String(32), index=True)  # normalised: digits with leading +
    email: Mapped[str | None] = mapped_column(String(255), index=True)  # lower-cased
    currency: Mapped[str] = mapped_column(String(3))  # ISO 4217
    status: Mapped[OrderStatus] = mapped_column(enum_column(OrderStatus))
    shipping_address: Mapped[str] = mapped_column(Text)
    carrier: Mapped[str | None] = mapped_column(String(64))
    tracking_number: Mapped[str | None] = mapped_column(String(64))
    tracking_url: Mapped[str | None] = mapped_column(String(512))
    estimated_delivery: Mapped[date | None] = mapped_column(Date)
    ship_by: Mapped[date | None] = mapped_column(Date)  # the promised ship date (store's calendar)
    international: Mapped[bool] = mapped_column(Boolean, default=False)
    delivered_on: Mapped[date | None] = mapped_column(Date)
    placed_at: Mapped[datetime | None]
    shipped_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    items: Mapped[list[OrderItem]] = relationship(
        back_populates="order", cascade="all, delete-orphan", lazy="selectin", order_by="OrderItem.position"
    )

    @property
    def total_minor(self) -> int:
        return sum(item.quantity * item.unit_price_minor for item in self.items)


class OrderItem(Base):
    __tablename__ = "order_items"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("unit_price_minor > 0", name="unit_price_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    sku: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(255))
    quantity: Mapped[int] = mapped_column(Integer)
    # Minor units (cents, fen) so sums and refund caps are exact integers.
    unit_price_minor: Mapped[int] = mapped_column(BigInteger)

    order: Mapped[Order] = relationship(back_populates="items")


class OrderBinding(Base):
    """A Telegram user allowed to open tickets on an order."""

    __tablename__ = "order_bindings"
    __table_args__ = (UniqueConstraint("user_id", "order_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    source: Mapped[BindingSource] = mapped_column(enum_column(BindingSource))
    bound_at: Mapped[datetime]


class OrderEvent(Base):
    """An order problem or change pushed by the marketplace; the key makes a re-push harmless."""

    __tablename__ = "order_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    kind: Mapped[OrderEventKind] = mapped_column(enum_column(OrderEventKind))
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    data: Mapped[dict[str, Any]]
    received_at: Mapped[datetime]
    handled_at: Mapped[datetime | None]
