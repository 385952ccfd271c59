"""Ticket timers: first-response reminder at half-time and at due, auto-close after buyer silence; each once."""

from __future__ import annotations

import asyncio

from domain.enums import TicketReason, TicketStatus
from domain.services.relay import record_agent_message, record_buyer_message
from domain.services.ticket_timers import fire_due_ticket_timers
from domain.services.tickets import open_ticket


async def _open(uow_factory, clock, shop) -> int:
    async with uow_factory() as uow:
        opened = await open_ticket(uow, clock, shop.buyer, shop.orders["C-1"], TicketReason.CONTACT_SELLER, "hi")
        await uow.commit()
        return opened.ticket.ticket_id


async def _fire(uow_factory, clock):
    async with uow_factory() as uow:
        notices = await fire_due_ticket_timers(uow, clock)
        await uow.commit()
        return [(n.kind, n.to, n.ticket_id) for n in notices]


async def test_first_response_reminder_at_half_time_then_overdue_at_due(uow_factory, clock, shop) -> None:
    ticket_id = await _open(uow_factory, clock, shop)
    clock.advance(hours=11, minutes=59, seconds=59)
    assert await _fire(uow_factory, clock) == []  # one second before half-time
    clock.advance(seconds=1)
    assert await _fire(uow_factory, clock) == [("first_response_reminder", "store", ticket_id)]
    assert await _fire(uow_factory, clock) == []  # exactly once
    clock.advance(hours=11, minutes=59)
    assert await _fire(uow_factory, clock) == []
    clock.advance(minutes=1)
    assert await _fire(uow_factory, clock) == [("first_response_overdue", "store", ticket_id)]
    clock.advance(days=3)
    assert await _fire(uow_factory, clock) == []


async def test_bot_down_past_both_gives_one_overdue_notice(uow_factory, clock, shop) -> None:
    ticket_id = await _open(uow_factory, clock, shop)
    clock.advance(days=2)
    assert await _fire(uow_factory, clock) == [("first_response_overdue", "store", ticket_id)]
    assert await _fire(uow_factory, clock) == []


async def test_a_reply_before_half_time_silences_the_first_response_timer(uow_factory, clock, shop) -> None:
    ticket_id = await _open(uow_factory, clock, shop)
    clock.advance(hours=1)
    async with uow_factory() as uow:
        await record_agent_message(uow, clock, ticket_id, shop.agent, "Hello")
        await uow.commit()
    clock.advance(hours=30)
    assert await _fire(uow_factory, clock) == []


async def test_auto_close_after_seven_days_of_buyer_silence(uow_factory, clock, shop) -> None:
    ticket_id = await _open(uow_factory, clock, shop)
    async with uow_factory() as uow:
        await record_agent_message(uow, clock, ticket_id, shop.agent, "Could you send a photo?")
        await uow.commit()
    clock.advance(days=6)
    async with uow_factory() as uow:
        await record_buyer_message(uow, clock, ticket_id, "Tomorrow")  # stops the silence clock
        await uow.commit()
    clock.advance(hours=1)
    async with uow_factory() as uow:
        await record_agent_message(uow, clock, ticket_id, shop.agent, "Thanks, waiting")  # restarts it
        await uow.commit()
    clock.advance(days=6, hours=23, minutes=59)
    assert await _fire(uow_factory, clock) == []
    clock.advance(minutes=1)
    fired = await _fire(uow_factory, clock)
    assert sorted(fired) == sorted(
        [
            ("ticket_closed", "buyer", ticket_id),
            ("ticket_closed", "store", ticket_id),
            ("rating_request", "buyer", ticket_id),
        ]
    )
    assert await _fire(uow_factory, clock) == []
    async with uow_factory() as uow:
        ticket = await uow.tickets.get(ticket_id)
        last = (await uow.audit.for_subject("ticket", ticket_id))[-1]
    assert ticket.status == TicketStatus.CLOSED and ticket.closed_at == clock.now()
    assert (last.actor, last.data["reason"]) == ("system", "buyer_silent")


async def test_two_workers_racing_fire_each_timer_once(uow_factory, clock, shop) -> None:
    ticket_id = await _open(uow_factory, clock, shop)
    clock.advance(hours=12)

    async def worker():
        async with uow_factory() as uow:
            notices = await fire_due_ticket_timers(uow, clock)
            await uow.commit()
            return notices

    results = await asyncio.gather(worker(), worker(), return_exceptions=True)
    fired = [n for result in results if not isinstance(result, BaseException) for n in result]
    assert [(n.kind, n.ticket_id) for n in fired] == [("first_response_reminder", ticket_id)]
