"""Messages between buyer and store: recorded, status moves, copies for reply routing and edits."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.enums import CopyRole, DeadlineKind, TicketReason, TicketStatus
from domain.errors import InvalidInput
from domain.services.refusals import Forbidden, Refused
from domain.services.relay import (
    find_by_copy,
    record_agent_message,
    record_buyer_message,
    record_copy,
    record_edit,
    route_free_text,
)
from domain.services.tickets import close_ticket, open_ticket

BUYER_CHAT, GROUP_CHAT = 1001, -100500


async def _ticket(uow_factory, clock, shop, number="C-1", reason=TicketReason.CONTACT_SELLER, text="hi") -> int:
    async with uow_factory() as uow:
        opened = await open_ticket(uow, clock, shop.buyer, shop.orders[number], reason, text)
        await uow.commit()
        return opened.ticket.ticket_id


async def test_agent_reply_records_first_response_and_waits_for_the_buyer(uow_factory, clock, shop) -> None:
    ticket_id = await _ticket(uow_factory, clock, shop)
    clock.advance(hours=3)
    async with uow_factory() as uow:
        reply = await record_agent_message(
            uow, clock, ticket_id, shop.agent, "On it", [{"type": "bold", "offset": 0, "length": 2}]
        )
        second = await record_agent_message(uow, clock, ticket_id, shop.agent, "Shipped tomorrow")
        await uow.commit()
    assert reply.first_response and not second.first_response
    assert reply.status == TicketStatus.WAITING_BUYER and reply.store_name == "Berlin Gadgets"
    assert reply.entities == ({"type": "bold", "offset": 0, "length": 2},)
    assert [(n.kind, n.to, n.buyer_telegram_id) for n in reply.notices] == [("agent_reply", "buyer", shop.buyer)]
    assert "Max Agent" not in repr(reply)  # nothing for the buyer carries the agent's name
    async with uow_factory() as uow:
        ticket = await uow.tickets.get(ticket_id)
        first_response = await uow.deadlines.live(DeadlineKind.FIRST_RESPONSE, "ticket", ticket_id)
        auto_close = await uow.deadlines.live(DeadlineKind.AUTO_CLOSE, "ticket", ticket_id)
    assert ticket.first_responded_at == clock.now() and first_response is None
    assert auto_close.due_at == clock.now() + timedelta(days=7)


async def test_buyer_message_puts_the_ticket_back_to_the_seller(uow_factory, clock, shop) -> None:
    ticket_id = await _ticket(uow_factory, clock, shop)
    async with uow_factory() as uow:
        await record_agent_message(uow, clock, ticket_id, shop.agent, "Which colour?")
        await uow.commit()
    async with uow_factory() as uow:
        message = await record_buyer_message(uow, clock, ticket_id, "Blue")
        await uow.commit()
    assert message.status == TicketStatus.WAITING_SELLER and message.notices[0].to == "store"
    async with uow_factory() as uow:
        assert await uow.deadlines.live(DeadlineKind.AUTO_CLOSE, "ticket", ticket_id) is None
        changes = [
            (e.data["from"], e.data["to"])
            for e in await uow.audit.for_subject("ticket", ticket_id)
            if e.event_type == "ticket.status_changed"
        ]
    assert changes == [
        ("open", "waiting_seller"),
        ("waiting_seller", "waiting_buyer"),
        ("waiting_buyer", "waiting_seller"),
    ]


async def test_internal_note_is_kept_from_the_buyer_and_changes_nothing(uow_factory, clock, shop) -> None:
    ticket_id = await _ticket(uow_factory, clock, shop)
    async with uow_factory() as uow:
        note = await record_agent_message(uow, clock, ticket_id, shop.agent, "  // buyer seems upset")
        await uow.commit()
    assert note.internal and note.notices == () and not note.first_response
    async with uow_factory() as uow:
        ticket = await uow.tickets.get(ticket_id)
        buyer_visible = await uow.tickets.messages(ticket_id)
        everything = await uow.tickets.messages(ticket_id, include_internal=True)
    assert ticket.status == TicketStatus.WAITING_SELLER and ticket.first_responded_at is None
    assert len(everything) == len(buyer_visible) + 1


async def test_only_agents_of_the_store_and_the_own_buyer_may_write(uow_factory, clock, shop) -> None:
    ticket_id = await _ticket(uow_factory, clock, shop)
    async with uow_factory() as uow:
        for outsider in (shop.other_agent, shop.buyer, 424242):
            with pytest.raises(Forbidden):
                await record_agent_message(uow, clock, ticket_id, outsider, "hello")
        with pytest.raises(InvalidInput):
            await record_agent_message(uow, clock, ticket_id, shop.agent, "   ")
        with pytest.raises(InvalidInput):
            await record_buyer_message(uow, clock, ticket_id, None)
        with pytest.raises(Forbidden):
            await record_buyer_message(uow, clock, ticket_id, "let me in", buyer_telegram_id=shop.stranger)
        mine = await record_buyer_message(uow, clock, ticket_id, "still me", buyer_telegram_id=shop.buyer)
    assert mine.buyer_telegram_id == shop.buyer


async def test_closed_ticket_takes_no_more_messages_but_agents_may_note(uow_factory, clock, shop) -> None:
    ticket_id = await _ticket(uow_factory, clock, shop)
    async with uow_factory() as uow:
        await close_ticket(uow, clock, ticket_id, "buyer", shop.buyer)
        await uow.commit()
    async with uow_factory() as uow:
        with pytest.raises(Refused):
            await record_buyer_message(uow, clock, ticket_id, "one more thing")
        with pytest.raises(Refused):
            await record_agent_message(uow, clock, ticket_id, shop.agent, "sorry, late")
        assert (await record_agent_message(uow, clock, ticket_id, shop.agent, "// closed by buyer")).internal


async def test_a_suspended_store_s_reply_is_kept_not_sent(uow_factory, clock, shop) -> None:
    ticket_id = await _ticket(uow_factory, clock, shop)
    async with uow_factory() as uow:
        (await uow.stores.get(shop.store_id)).messaging_suspended_at = clock.now()
        recorded = await record_agent_message(uow, clock, ticket_id, shop.agent, "your parcel left today")
        message = await uow.tickets.get_message(recorded.message_id)
        ticket = await uow.tickets.get(ticket_id)
    assert (recorded.passage.action, recorded.passage.why) == ("hold", "suspended")
    assert recorded.notices == () and message.delivery == "suspended"
    assert ticket.first_responded_at is None  # the buyer has not been answered yet


async def test_copies_route_replies_and_carry_edits(uow_factory, clock, shop) -> None:
    ticket_id = await _ticket(uow_factory, clock, shop, text=None)
    async with uow_factory() as uow:
        sent = await record_buyer_message(uow, clock, ticket_id, "Where is it?")
        await record_copy(uow, clock, sent.message_id, BUYER_CHAT, 10, role=CopyRole.ORIGINAL)
        await record_copy(uow, clock, sent.message_id, GROUP_CHAT, 77, thread_id=5)
        await record_copy(uow, clock, sent.message_id, GROUP_CHAT, 77, thread_id=5)  # redelivery: harmless
        with pytest.raises(InvalidInput):  # that Telegram message carries another ticket message
            await record_copy(uow, clock, sent.message_id + 999, GROUP_CHAT, 77)
        with pytest.raises(InvalidInput):  # no such ticket message
            await record_copy(uow, clock, sent.message_id + 999, GROUP_CHAT, 78)
        await uow.commit()
    async with uow_factory() as uow:
        assert len(await uow.tickets.copies(sent.message_id)) == 2
    async with uow_factory() as uow:
        found = await find_by_copy(uow, GROUP_CHAT, 77)
        assert await find_by_copy(uow, GROUP_CHAT, 78) is None
    assert (found.ticket_id, found.ticket_message_id, found.thread_id) == (ticket_id, sent.message_id, 5)
    clock.advance(minutes=2)
    async with uow_factory() as uow:
        edit = await record_edit(uow, clock, BUYER_CHAT, 10, "Where is my lamp?", None)
        assert await record_edit(uow, clock, BUYER_CHAT, 11, "not a ticket message", None) is None
        await uow.commit()
    assert [(c.chat_id, c.message_id) for c in edit.copies_to_update] == [(GROUP_CHAT, 77)]
    async with uow_factory() as uow:
        (message,) = await uow.tickets.messages(ticket_id)
        audit = [e for e in await uow.audit.for_subject("ticket", ticket_id) if e.event_type == "ticket_message.edited"]
    assert (message.text, message.edited_at) == ("Where is my lamp?", clock.now())
    assert audit[0].data["old_text"] == "Where is it?"


async def test_free_text_routes_to_the_one_open_ticket_or_asks(uow_factory, clock, shop) -> None:
    async with uow_factory() as uow:
        assert (await route_free_text(uow, shop.buyer)).kind == "none"
        assert (await route_free_text(uow, 99999)).kind == "none"
    first = await _ticket(uow_factory, clock, shop)
    async with uow_factory() as uow:
        route = await route_free_text(uow, shop.buyer)
    assert route.kind == "one" and route.ticket_id == first
    second = await _ticket(uow_factory, clock, shop, number="D-1", reason=TicketReason.AFTER_SALES)
    async with uow_factory() as uow:
        route = await route_free_text(uow, shop.buyer)
    assert route.kind == "choose" and {t.ticket_id for t in route.choices} == {first, second}
    async with uow_factory() as uow:
        await close_ticket(uow, clock, first, "buyer", shop.buyer)
        route = await route_free_text(uow, shop.buyer)
    assert route.kind == "one" and route.ticket_id == second
