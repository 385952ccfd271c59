"""Importing orders into a store: all rows or none.

Re-importing an order number the store already has updates that order (the
marketplace's file is the truth): its fields and items are replaced and a
status change goes through the order state machine, so a file cannot move a
delivered order back to confirmed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from domain.clock import Clock
from domain.errors import IllegalTransition, NotFound, OrderFileError
from domain.models import Order, OrderItem
from domain.services.order_events import schedule_shipment_timers
from domain.services.order_files import OrderRow
from domain.states import transition
from domain.storage.uow import UnitOfWork


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int

    @property
    def total(self) -> int:
        return self.created + self.updated


async def import_orders(
    uow: UnitOfWork, clock: Clock, store_id: int, rows: Sequence[OrderRow], *, actor: str = "operator"
) -> ImportResult:
    """Create or update every row's order in the caller's transaction.

    Raises OrderFileError naming the row's line on the first row that cannot
    be applied; the caller then rolls back, so nothing of the file remains.
    """
    store = await uow.stores.get(store_id)
    if store is None:
        raise NotFound(f"no store with id {store_id}")
    now = clock.now()
    existing = await uow.orders.by_numbers(store_id, [row.number for row in rows])
    created = updated = 0
    for row in rows:
        order = existing.get(row.number)
        if order is None:
            order = uow.orders.add(
                Order(store_id=store_id, external_number=row.number, status=row.status, created_at=now)
            )
            _apply(order, row, now)
            await uow.flush()
            uow.audit.record(
                "order.imported",
                subject_type="order",
                subject_id=order.id,
                actor=actor,
                at=now,
                data={"number": row.number, "status": row.status.value},
            )
            existing[row.number] = order
            await schedule_shipment_timers(uow, order, store, now)
            created += 1
            continue
        if order.status != row.status:
            try:
                await transition(uow, order, row.status, actor=actor, reason="import", at=now)
            except IllegalTransition as error:
                raise OrderFileError(
                    row.line, f"order {row.number} is {error.from_status} and cannot become {error.to_status}"
                ) from None
        _apply(order, row, now)
        await schedule_shipment_timers(uow, order, store, now)  # ship_by moved, or the order shipped
        updated += 1
    await uow.flush()
    return ImportResult(created=created, updated=updated)


def _apply(order: Order, row: OrderRow, now: datetime) -> None:
    order.buyer_name = row.buyer_name
    order.phone = row.phone
    order.email = row.email
    order.currency = row.currency
    order.shipping_address = row.shipping_address
    order.carrier = row.carrier
    order.tracking_number = row.tracking_number
    order.estimated_delivery = row.estimated_delivery
    order.international = row.international
    order.delivered_on = row.delivered_on
    order.ship_by = row.ship_by
    order.updated_at = now
    order.items = [
        OrderItem(
            position=position,
            sku=item.sku,
            title=item.title,
            quantity=item.quantity,
            unit_price_minor=item.unit_price_minor,
        )
        for position, item in enumerate(row.items, start=1)
    ]
