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
                number=await uow.stores.next_ticket_number(store.id),
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


@dataclass(frozen=True)
class Shop:
    """A store with orders in every status bound to one buyer, an agent, and a second store with its own agent."""

    store_id: int
    other_store_id: int
    orders: dict[str, int]  # order number -> id: C-1 confirmed, S-1 shipped, T-1 in transit (international), D-1, X-1
    buyer: int = 1001  # Telegram user ids
    stranger: int = 1002
    agent: int = 2001
    other_agent: int = 3001


@pytest.fixture
async def shop(uow_factory: UnitOfWorkFactory, clock: FakeClock) -> Shop:
    from dataclasses import replace

    from domain.enums import BindingSource
    from domain.models import StoreAgent

    now = clock.now()
    rows = [
        order_row("C-1", OrderStatus.CONFIRMED, line=1),
        order_row("S-1", OrderStatus.SHIPPED, line=2),
        replace(order_row("T-1", OrderStatus.IN_TRANSIT, line=3), international=True),
        order_row("D-1", OrderStatus.DELIVERED, line=4),
        order_row("X-1", OrderStatus.CANCELLED, line=5),
    ]
    async with uow_factory() as uow:
        store = await add_store(uow, clock, name="Berlin Gadgets", timezone="Europe/Berlin", country="DE")
        other = await add_store(uow, clock, name="Other Shop", timezone="Europe/Berlin", country="DE")
        await import_orders(uow, clock, store.id, rows)
        buyer = await uow.users.get_or_create(1001, at=now, display_name="Anna")
        await uow.users.get_or_create(1002, at=now, display_name="Stranger")
        orders = {}
        for row in rows:
            order = await uow.orders.by_number(store.id, row.number)
            assert order is not None
            orders[row.number] = order.id
            await uow.users.bind_order(buyer.id, order.id, source=BindingSource.DEMO, at=now)
        for telegram_id, store_id, name in ((2001, store.id, "Max Agent"), (3001, other.id, "Olga Other")):
            user = await uow.users.get_or_create(telegram_id, at=now, display_name=name)
            uow.stores.add_agent(StoreAgent(store_id=store_id, user_id=user.id, display_name=name, joined_at=now))
        await uow.commit()
        return Shop(store.id, other.id, orders)


# After-sales requests -------------------------------------------------------------------------------


def photo(name: str, kind: str = "photo"):
    """A file as Telegram names it; its purpose comes from the form's field it is put in."""
    from domain.enums import AttachmentKind
    from domain.results import IncomingFile

    return IncomingFile(AttachmentKind(kind), f"file-{name}", f"unique-{name}")


def make_draft(item_id: int, **changes):
    """A complete defective-item request for one lamp, delivered last Friday; `changes` replace fields."""
    from dataclasses import replace
    from datetime import date

    from domain.services.request_rules import RequestDraft

    draft = RequestDraft(
        type=RequestType.DEFECTIVE,
        items=((item_id, 1),),
        description="no light after pressing ON",
        resolution=Resolution.RESHIPMENT,
        delivered_on=date(2026, 2, 27),
        shipping_screenshot=photo("shipping"),
        fault_files=(photo("fault-1"), photo("fault-2", "video")),
        barcode=photo("barcode"),
    )
    return replace(draft, **changes)


@pytest.fixture
def act(uow_factory: UnitOfWorkFactory):
    """Run one service call in its own unit of work and commit, retrying a lost race as the update runner does."""
    from domain.storage.conflicts import is_conflict

    async def run(service, *args, **kwargs):
        for _ in range(5):
            async with uow_factory() as uow:
                try:
                    result = await service(uow, *args, **kwargs)
                    await uow.commit()
                    return result
                except Exception as error:  # noqa: BLE001 - only a lost race is tried again
                    if not is_conflict(error):
                        raise
        raise AssertionError("lost the race five times")

    return run


@dataclass(frozen=True)
class Submitted:
    """A defective-lamp request (reshipment wanted) on the shop's delivered order D-1, awaiting the seller."""

    shop: Shop
    request_id: int
    ticket_id: int
    item_id: int
    order_id: int


async def lamp_item_id(uow_factory: UnitOfWorkFactory, order_id: int) -> int:
    async with uow_factory() as uow:
        order = await uow.orders.get(order_id)
        assert order is not None
        return order.items[0].id


@pytest.fixture
async def submitted(act, clock: FakeClock, shop: Shop, uow_factory: UnitOfWorkFactory) -> Submitted:
    from domain.services.requests import submit_request

    order_id = shop.orders["D-1"]
    item_id = await lamp_item_id(uow_factory, order_id)
    result = await act(submit_request, clock, shop.buyer, order_id, make_draft(item_id))
    return Submitted(shop, result.request_id, result.ticket.ticket_id, item_id, order_id)
