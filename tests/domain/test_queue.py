"""The agents' queue: overdue first responses first, then priority, then age; each says what it waits for."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.enums import TicketPriority
from domain.enums import TicketReason as R
from domain.errors import NotFound
from domain.services.queue import store_queue
from domain.services.relay import record_agent_message
from domain.services.tickets import open_ticket


async def _open(uow_factory, clock, shop, number, reason) -> int:
    async with uow_factory() as uow:
        opened = await open_ticket(uow, clock, shop.buyer, shop.orders[number], reason, "hi")
        await uow.commit()
        return opened.ticket.ticket_id


async def test_queue_order_and_what_each_ticket_waits_for(uow_factory, clock, shop) -> None:
    oldest_normal = await _open(uow_factory, clock, shop, "S-1", R.CONTACT_SELLER)
    clock.advance(hours=1)
    answered = await _open(uow_factory, clock, shop, "S-1", R.ORDER_STATUS)
    async with uow_factory() as uow:
        await record_agent_message(uow, clock, answered, shop.agent, "It left yesterday")
        await uow.commit()
    clock.advance(hours=20)
    quality = await _open(uow_factory, clock, shop, "D-1", R.AFTER_SALES)
    clock.advance(hours=1)
    urgent = await _open(uow_factory, clock, shop, "C-1", R.CHANGE_ADDRESS)

    async with uow_factory() as uow:
        before = await store_queue(uow, clock, shop.store_id)
    # 22 h in: nothing overdue yet, so priority then age.
    assert [item.ticket_id for item in before] == [quality, urgent, oldest_normal, answered]
    assert [item.priority for item in before[:2]] == [
        TicketPriority.QUALITY_VERIFICATION,
        TicketPriority.URGENT_CLARIFICATION,
    ]

    clock.advance(hours=3)  # the first ticket's 24 h first response has passed
    async with uow_factory() as uow:
        after = await store_queue(uow, clock, shop.store_id)
        other = await store_queue(uow, clock, shop.other_store_id)
    assert [item.ticket_id for item in after] == [oldest_normal, quality, urgent, answered]
    by_id = {item.ticket_id: item for item in after}
    assert by_id[oldest_normal].overdue and by_id[oldest_normal].waiting_for == "seller_first_response"
    assert by_id[oldest_normal].due_at == clock.now() - timedelta(hours=1)
    assert not by_id[quality].overdue and by_id[quality].due_at == by_id[quality].created_at + timedelta(hours=24)
    assert by_id[answered].waiting_for == "buyer"
    assert by_id[answered].due_at == by_id[answered].created_at + timedelta(days=7)  # auto-close
    assert other == ()


async def test_queue_of_unknown_store_is_not_found(uow_factory, clock, shop) -> None:
    async with uow_factory() as uow:
        with pytest.raises(NotFound):
            await store_queue(uow, clock, 987654)
