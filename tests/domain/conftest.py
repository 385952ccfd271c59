"""Domain test helpers: a small world (store, buyer, order, ticket, request) built through the services."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from domain.clock import FakeClock
from domain.enums import (
    OrderStatus,
    RequestStatus,
    RequestType,
    Resolution,
    TicketPriority,
    TicketReason,
    TicketStatus,
)
from domain.models import AfterSalesRequest, Ticket
from domain.services.order_files import ItemRow, OrderRow
from domain.services.orders import import_orders
from domain.services.stores import add_store
from domain.storage.uow import UnitOfWorkFactory


@dataclass(frozen=True)
class World:
    store_id: int
    buyer_id: int
    order_id: int
    ticket_id: int
    request_id: int


def order_row(number: str, status: OrderStatus = OrderStatus.DELIVERED, line: int = 0) -> OrderRow:
    from datetime import date

    return OrderRow(
        line=line,
        number=number,
        buyer_name="Anna Schmidt",
        phone="+4915123456789",
        email="anna@example.com",
        currency="EUR",
        status=status,
        shipping_address="Torstraße 12, Berlin",
        carrier="DHL" if status != OrderStatus.CONFIRMED else None,
        tracking_number="TRK1" if status != OrderStatus.CONFIRMED else None,
        estimated_delivery=None,
        international=False,
        delivered_on=date(2026, 2, 27) if status == OrderStatus.DELIVERED else None,
        items=(ItemRow("LAMP-1", "Desk lamp", 2, 3499),),
    )


@pytest.fixture
async def world(uow_factory: UnitOfWorkFactory, clock: FakeClock) -> World:
    """A delivered order with an open ticket and an after-sales request awaiting the seller."""
    now = clock.now()
    async with uow_factory() as uow:
        store = await add_store(uow, clock, name="Berlin Gadgets", timezone="Europe/Berlin", country="DE")
        await import_orders(uow, clock, store.id, [order_row("W-1")])
        order = await uow.orders.by_number(store.id, "W-1")
        assert order is not None
        buyer = await uow.users.get_or_create(1001, at=now, display_name="Anna")
        ticket = uow.tickets.add(
            Ticket(
                number=await uow.users.next_ticket_number(buyer.id),
                store_id=store.id,
                buyer_id=buyer.id,
                order_id=order.id,
                reason=TicketReason.AFTER_SALES,
                status=TicketStatus.OPEN,
                priority=int(TicketPriority.QUALITY_VERIFICATION),
                created_at=now,
                updated_at=now,
            )
        )
        await uow.flush()
        request = uow.requests.add(
            AfterSalesRequest(
                ticket_id=ticket.id,
                order_id=order.id,
                type=RequestType.DEFECTIVE,
                description="no light after pressing ON",
                delivered_on=order.delivered_on,
                barcode_given=True,
                affected_amount_minor=3499,
                currency="EUR",
                resolution_wanted=Resolution.RESHIPMENT,
                status=RequestStatus.AWAITING_SELLER,
                created_at=now,
                updated_at=now,
            )
        )
        await uow.flush()
        await uow.commit()
        return World(store.id, buyer.id, order.id, ticket.id, request.id)
