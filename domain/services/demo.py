"""Demo data for the offline mode and for trying the bot: two stores, orders in every status.

Deterministic given the clock: the same names, numbers and contacts every
time, with dates relative to now. Running it again updates the same stores and
orders (and issues fresh one-time codes, since old ones are stored hashed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from domain.clock import Clock
from domain.enums import OrderStatus
from domain.services.order_files import ItemRow, OrderRow
from domain.services.orders import import_orders
from domain.services.stores import add_store, create_group_link_code, invite_agent
from domain.storage.uow import UnitOfWork


@dataclass(frozen=True)
class DemoStore:
    id: int
    name: str
    timezone: str
    country: str
    currency: str
    agent_invite_code: str
    group_link_code: str


@dataclass(frozen=True)
class DemoOrder:
    store_id: int
    order_id: int
    number: str
    status: OrderStatus
    international: bool
    buyer_name: str
    phone: str | None
    email: str | None


@dataclass(frozen=True)
class DemoSeed:
    stores: tuple[DemoStore, ...]
    orders: tuple[DemoOrder, ...]

    @property
    def store_ids(self) -> tuple[int, ...]:
        return tuple(store.id for store in self.stores)

    @property
    def order_numbers(self) -> tuple[str, ...]:
        return tuple(order.number for order in self.orders)


@dataclass(frozen=True)
class _Buyer:
    name: str
    phone: str
    email: str
    address: str


ANNA = _Buyer("Anna Schmidt", "+4915123456789", "anna.schmidt@example.com", "Torstraße 12, 10119 Berlin, Germany")
LI_WEI = _Buyer("Li Wei", "+8613800138000", "li.wei@example.cn", "上海市浦东新区世纪大道100号 200120")
SOPHIE = _Buyer("Sophie Martin", "+33612345678", "sophie.martin@example.fr", "12 rue de Rivoli, 75004 Paris, France")

_STORES = (
    ("Berlin Gadgets", "Europe/Berlin", "DE", "EUR"),
    ("Shanghai Silk House", "Asia/Shanghai", "CN", "CNY"),
)


def _berlin_orders(today: date) -> list[OrderRow]:
    lamp = ItemRow("BG-LAMP-01", "Desk lamp with USB-C", 1, 3499)
    cable = ItemRow("BG-CBL-2M", "USB-C cable, 2 m", 2, 899)
    charger = ItemRow("BG-CHG-65", "65 W charger", 1, 4599)
    return [
        _row("BG-1001", ANNA, "EUR", OrderStatus.CONFIRMED, (lamp, cable), today=today),
        _row("BG-1002", ANNA, "EUR", OrderStatus.SHIPPED, (charger,), today=today, tracking="DHL", eta=3),
        _row("BG-1003", ANNA, "EUR", OrderStatus.IN_TRANSIT, (cable,), today=today, tracking="DHL", eta=1),
        _row("BG-1004", ANNA, "EUR", OrderStatus.DELIVERED, (lamp,), today=today, tracking="DHL", delivered=2),
        _row("BG-1005", ANNA, "EUR", OrderStatus.CANCELLED, (charger,), today=today),
        _row(
            "BG-1006",
            SOPHIE,
            "EUR",
            OrderStatus.IN_TRANSIT,
            (lamp, charger),
            today=today,
            tracking="UPS",
            eta=4,
            international=True,
        ),
        _row(
            "BG-1007",
            SOPHIE,
            "EUR",
            OrderStatus.DELIVERED,
            (cable,),
            today=today,
            tracking="UPS",
            delivered=1,
            international=True,
        ),
    ]


def _shanghai_orders(today: date) -> list[OrderRow]:
    scarf = ItemRow("SS-SCARF-RED", "Silk scarf, red", 1, 25800)
    robe = ItemRow("SS-ROBE-M", "Silk robe, size M", 1, 68800)
    pillow = ItemRow("SS-PILLOW", "Mulberry silk pillowcase", 2, 15900)
    return [
        _row("SS-2001", LI_WEI, "CNY", OrderStatus.CONFIRMED, (robe,), today=today),
        _row("SS-2002", LI_WEI, "CNY", OrderStatus.SHIPPED, (scarf,), today=today, tracking="SF Express", eta=2),
        _row("SS-2003", LI_WEI, "CNY", OrderStatus.IN_TRANSIT, (pillow,), today=today, tracking="SF Express", eta=1),
        _row(
            "SS-2004",
            LI_WEI,
            "CNY",
            OrderStatus.DELIVERED,
            (scarf, pillow),
            today=today,
            tracking="SF Express",
            delivered=3,
        ),
        _row("SS-2005", LI_WEI, "CNY", OrderStatus.CANCELLED, (robe,), today=today),
        _row(
            "SS-2006",
            ANNA,
            "CNY",
            OrderStatus.SHIPPED,
            (robe, scarf),
            today=today,
            tracking="China Post EMS",
            eta=12,
            international=True,
        ),
        _row(
            "SS-2007",
            ANNA,
            "CNY",
            OrderStatus.DELIVERED,
            (pillow,),
            today=today,
            tracking="China Post EMS",
            delivered=5,
            international=True,
        ),
    ]


def _row(
    number: str,
    buyer: _Buyer,
    currency: str,
    status: OrderStatus,
    items: tuple[ItemRow, ...],
    *,
    today: date,
    tracking: str | None = None,
    eta: int | None = None,
    delivered: int | None = None,
    international: bool = False,
) -> OrderRow:
    return OrderRow(
        line=0,
        number=number,
        buyer_name=buyer.name,
        phone=buyer.phone,
        email=buyer.email,
        currency=currency,
        status=status,
        shipping_address=buyer.address,
        carrier=tracking,
        tracking_number=f"{number.replace('-', '')}TRK" if tracking else None,
        estimated_delivery=today + timedelta(days=eta) if eta is not None else None,
        international=international,
        delivered_on=today - timedelta(days=delivered) if delivered is not None else None,
        items=items,
    )


async def seed_demo(uow: UnitOfWork, clock: Clock) -> DemoSeed:
    today = clock.now().date()
    stores: list[DemoStore] = []
    orders: list[DemoOrder] = []
    for (name, timezone, country, currency), rows in zip(_STORES, (_berlin_orders(today), _shanghai_orders(today))):
        store = await uow.stores.by_name(name)
        if store is None:
            store = await add_store(
                uow, clock, name=name, timezone=timezone, country=country, currency=currency, actor="demo"
            )
        # The Shanghai store takes counter-offers (as Shopee does), the Berlin one does not (as TikTok Shop).
        store.counter_offers_allowed = country == "CN"
        await import_orders(uow, clock, store.id, rows, actor="demo")
        stores.append(
            DemoStore(
                id=store.id,
                name=name,
                timezone=timezone,
                country=country,
                currency=currency,
                agent_invite_code=await invite_agent(uow, clock, store.id, actor="demo"),
                group_link_code=await create_group_link_code(uow, clock, store.id, actor="demo"),
            )
        )
        by_number = await uow.orders.by_numbers(store.id, [row.number for row in rows])
        orders.extend(
            DemoOrder(
                store_id=store.id,
                order_id=by_number[row.number].id,
                number=row.number,
                status=row.status,
                international=row.international,
                buyer_name=row.buyer_name,
                phone=row.phone,
                email=row.email,
            )
            for row in rows
        )
    return DemoSeed(stores=tuple(stores), orders=tuple(orders))
