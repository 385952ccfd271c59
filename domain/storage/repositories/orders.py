"""Orders, their items and the events the marketplace pushes about them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import or_, select

from domain.enums import OrderStatus
from domain.models import Order, OrderEvent
from domain.storage.repositories.base import Repository


class OrderRepository(Repository):
    def add(self, order: Order) -> Order:
        self.session.add(order)
        return order

    async def get(self, order_id: int) -> Order | None:
        return await self.session.get(Order, order_id)

    async def tracking_of(self, order_id: int) -> tuple[str | None, OrderStatus, date | None] | None:
        """(tracking number, status, estimated delivery) of the order alone, no items loaded; None if gone."""
        query = select(Order.tracking_number, Order.status, Order.estimated_delivery).where(Order.id == order_id)
        row = (await self.session.execute(query)).first()
        return None if row is None else (row[0], row[1], row[2])

    async def number_of(self, order_id: int) -> str | None:
        """The order's marketplace number alone (no items loaded)."""
        return await self.session.scalar(select(Order.external_number).where(Order.id == order_id))

    async def by_number(self, store_id: int, external_number: str) -> Order | None:
        return await self.session.scalar(
            select(Order).where(Order.store_id == store_id, Order.external_number == external_number)
        )

    async def by_numbers(self, store_id: int, external_numbers: Sequence[str]) -> dict[str, Order]:
        if not external_numbers:
            return {}
        rows = await self.session.scalars(
            select(Order).where(Order.store_id == store_id, Order.external_number.in_(list(external_numbers)))
        )
        return {order.external_number: order for order in rows}

    async def find_by_contact(self, external_number: str, *, phone: str | None, email: str | None) -> Sequence[Order]:
        """Orders with this number whose phone or e-mail matches (normalised by the caller)."""
        contact = []
        if phone:
            contact.append(Order.phone == phone)
        if email:
            contact.append(Order.email == email)
        if not contact:
            return []
        query = select(Order).where(Order.external_number == external_number, or_(*contact)).order_by(Order.id)
        return (await self.session.scalars(query)).all()

    async def for_store(self, store_id: int) -> Sequence[Order]:
        return (await self.session.scalars(select(Order).where(Order.store_id == store_id).order_by(Order.id))).all()

    async def add_event(self, event: OrderEvent) -> bool:
        """Record a pushed event; False when its idempotency key was seen before."""
        values = {
            column.key: getattr(event, column.key) for column in OrderEvent.__table__.columns if column.key != "id"
        }
        return await self.insert_ignoring_duplicates(OrderEvent.__table__, values)  # type: ignore[arg-type]
