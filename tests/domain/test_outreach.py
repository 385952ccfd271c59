"""An agent writing first: the order found in the agent's stores only, its ticket opened once or reused."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from domain.enums import OpenedBy, TicketReason, TicketStatus
from domain.models import Ticket
from domain.results import Viewer
from domain.services.orders import import_orders
from domain.services.outreach import find_order, reach_buyer
from domain.services.queue import store_queue
from domain.services.refusals import Forbidden, Refused
from domain.services.relay import record_agent_message
from domain.services.tickets import open_ticket, ticket_timeline
from tests.domain.conftest import order_row


async def test_an_agent_finds_only_their_stores_orders(uow_factory, clock, shop) -> None:
    async with uow_factory() as uow:
        found = await find_order(uow, shop.agent, " C-1 ")
        assert (found.number, found.buyer_on_telegram, found.open_tickets) == ("C-1", True, ())
        with pytest.raises(Refused) as refused:
            await find_order(uow, shop.other_agent, "C-1")
        assert refused.value.why == "no_order"
        with pytest.raises(Forbidden):
            await find_order(uow, shop.buyer, "C-1")
        with pytest.raises(Forbidden):  # in another store's group
            await find_order(uow, shop.agent, "C-1", store_id=shop.other_store_id)


async def test_reaching_a_buyer_opens_a_store_ticket_once_then_reuses_it(uow_factory, clock, shop) -> None:
    async with uow_factory() as uow:
        opened = await reach_buyer(uow, clock, shop.agent, shop.orders["S-1"])
        again = await reach_buyer(uow, clock, shop.agent, shop.orders["S-1"])
        await uow.commit()
    assert opened.created and not again.created and again.ticket.ticket_id == opened.ticket.ticket_id
    async with uow_factory() as uow:
        ticket = await uow.tickets.get(opened.ticket.ticket_id)
        assert (ticket.opened_by, ticket.reason, ticket.status) == (
            OpenedBy.AGENT,
            TicketReason.CONTACT_SELLER,
            TicketStatus.OPEN,
        )
        assert ticket.first_response_due_at is None  # the store speaks first: no clock on itself
        assert await uow.deadlines.live("first_response", "ticket", ticket.id) is None
        queue = await store_queue(uow, clock, shop.store_id)
        assert [(q.ticket_id, q.waiting_for) for q in queue] == [(ticket.id, "seller")]
        await record_agent_message(uow, clock, ticket.id, shop.agent, "Your parcel left today.")
        await uow.commit()
    async with uow_factory() as uow:
        timeline = await ticket_timeline(uow, opened.ticket.ticket_id, Viewer("buyer", shop.buyer))
        # The buyer sees the store opened it and its message; the empty marker is nobody's message.
        assert [(e.kind, e.by, e.text) for e in timeline.entries if e.kind != "status"] == [
            ("opened", "store", None),
            ("message", "store", "Your parcel left today."),
        ]
        # The buyer's own "contact the seller" on that order joins the open ticket, not a second one.
        joined = await open_ticket(uow, clock, shop.buyer, shop.orders["S-1"], TicketReason.CONTACT_SELLER, "Thanks!")
        assert not joined.created and joined.ticket.ticket_id == opened.ticket.ticket_id


async def test_reaching_a_buyer_needs_a_bound_buyer_and_an_agent_of_the_store(uow_factory, clock, shop) -> None:
    async with uow_factory() as uow:
        await import_orders(uow, clock, shop.store_id, [order_row("N-1", line=9)])
        unbound = await uow.orders.by_number(shop.store_id, "N-1")
        with pytest.raises(Refused) as refused:
            await reach_buyer(uow, clock, shop.agent, unbound.id)
        assert refused.value.why == "buyer_not_on_telegram"
        with pytest.raises(Forbidden):
            await reach_buyer(uow, clock, shop.other_agent, shop.orders["S-1"])
        with pytest.raises(Refused):
            await reach_buyer(uow, clock, shop.agent, 0)


async def test_the_database_refuses_a_second_open_ticket_for_one_order_and_reason(uow_factory, clock, shop) -> None:
    """Two racing requests both seeing no open ticket cannot both make one."""
    async with uow_factory() as uow:
        opened = await open_ticket(uow, clock, shop.buyer, shop.orders["D-1"], TicketReason.CONTACT_SELLER, "hi")
        await uow.commit()
    async with uow_factory() as uow:
        first = await uow.tickets.get(opened.ticket.ticket_id)
        uow.tickets.add(
            Ticket(
                number=99,
                store_id=first.store_id,
                buyer_id=first.buyer_id,
                order_id=first.order_id,
                reason=first.reason,
                status=TicketStatus.OPEN,
                priority=first.priority,
                opened_by=OpenedBy.AGENT,
                created_at=clock.now(),
                updated_at=clock.now(),
            )
        )
        with pytest.raises(IntegrityError):
            await uow.flush()


async def test_an_order_number_in_two_of_the_agents_stores_is_not_guessed(uow_factory, clock, shop) -> None:
    from domain.models import StoreAgent

    async with uow_factory() as uow:
        agent = await uow.users.by_telegram_id(shop.agent)
        uow.stores.add_agent(
            StoreAgent(store_id=shop.other_store_id, user_id=agent.id, display_name="Max", joined_at=clock.now())
        )
        await import_orders(uow, clock, shop.other_store_id, [order_row("C-1")])
        with pytest.raises(Refused) as refused:
            await find_order(uow, shop.agent, "C-1")
        assert refused.value.why == "ambiguous_order"
        assert sorted(refused.value.details["stores"]) == ["Berlin Gadgets", "Other Shop"]
        # In a store's own group the store is known.
        assert (await find_order(uow, shop.agent, "C-1", store_id=shop.other_store_id)).store_name == "Other Shop"


async def test_a_ticket_the_store_opened_and_never_used_closes_quietly(uow_factory, clock, shop) -> None:
    from domain.services.ticket_timers import fire_due_ticket_timers

    async with uow_factory() as uow:
        unused = await reach_buyer(uow, clock, shop.agent, shop.orders["S-1"])
        used = await reach_buyer(uow, clock, shop.agent, shop.orders["D-1"])
        await record_agent_message(uow, clock, used.ticket.ticket_id, shop.agent, "Is everything fine?")
        await uow.commit()
    clock.advance(days=7, minutes=1)
    async with uow_factory() as uow:
        notices = await fire_due_ticket_timers(uow, clock)
        await uow.commit()
        quiet = [(n.kind, n.to) for n in notices if n.ticket_id == unused.ticket.ticket_id]
        silent_buyer = [(n.kind, n.to) for n in notices if n.ticket_id == used.ticket.ticket_id]
        assert quiet == [("ticket_closed", "store")]  # the buyer never heard of it: no closing, no rating
        assert ("rating_request", "buyer") in silent_buyer  # an ordinary close after the buyer's silence
        assert (await uow.tickets.get(unused.ticket.ticket_id)).status == TicketStatus.CLOSED
