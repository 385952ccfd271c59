"""Opening, closing, rating and listing tickets, with the product's rules on reasons and people."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.enums import AttachmentKind, DeadlineKind, TicketPriority, TicketReason, TicketStatus
from domain.errors import InvalidInput
from domain.results import IncomingFile, Viewer
from domain.services.refusals import Forbidden, Refused
from domain.services.relay import record_agent_message
from domain.services.tickets import (
    buyer_tickets,
    cancel_options,
    change_allowed,
    close_ticket,
    open_ticket,
    rate_ticket,
    ticket_timeline,
)

R = TicketReason
CHANGES = [R.REMOVE_PRODUCT, R.CHANGE_SIZE_COLOUR, R.CHANGE_ADDRESS]


async def _open(uow_factory, clock, shop, number, reason, text="hello", who=None):
    async with uow_factory() as uow:
        result = await open_ticket(uow, clock, who or shop.buyer, shop.orders[number], reason, text)
        await uow.commit()
        return result


async def _orders(uow_factory, shop):
    async with uow_factory() as uow:
        return {number: await uow.orders.get(order_id) for number, order_id in shop.orders.items()}


async def test_change_allowed_only_before_shipment(uow_factory, shop) -> None:
    orders = await _orders(uow_factory, shop)
    assert change_allowed(orders["C-1"]).allowed
    assert [change_allowed(orders[n]).why for n in ("S-1", "T-1", "D-1", "X-1")] == [
        "already_shipped",
        "already_shipped",
        "already_delivered",
        "order_cancelled",
    ]


async def test_cancel_options_follow_status_and_destination(uow_factory, shop) -> None:
    orders = await _orders(uow_factory, shop)
    options = {n: cancel_options(o) for n, o in orders.items()}
    assert (options["C-1"].path, options["C-1"].can_submit, options["C-1"].refundable) == ("seller_decides", True, True)
    assert (options["S-1"].path, options["S-1"].refundable) == ("interception", None)  # domestic
    assert (options["T-1"].path, options["T-1"].refundable, options["T-1"].why) == (
        "not_refundable",
        False,
        "international_in_transit",
    )
    assert (options["D-1"].path, options["D-1"].can_submit) == ("return_instead", False)
    assert options["X-1"].can_submit is False


@pytest.mark.parametrize("reason", CHANGES)
async def test_changes_before_shipment_open_an_urgent_ticket(uow_factory, clock, shop, reason) -> None:
    opened = await _open(uow_factory, clock, shop, "C-1", reason)
    assert opened.created and opened.ticket.priority == TicketPriority.URGENT_CLARIFICATION
    assert opened.ticket.status == TicketStatus.WAITING_SELLER  # the buyer's text waits for the seller
    assert [(n.kind, n.to) for n in opened.notices] == [("ticket_opened", "store"), ("ticket_opened", "buyer")]


@pytest.mark.parametrize("reason", CHANGES)
@pytest.mark.parametrize("number", ["S-1", "T-1", "D-1"])
async def test_changes_after_shipment_are_refused_but_contacting_the_seller_is_not(
    uow_factory, clock, shop, reason, number
) -> None:
    with pytest.raises(Refused) as refused:
        await _open(uow_factory, clock, shop, number, reason)
    assert refused.value.why in ("already_shipped", "already_delivered")
    assert refused.value.details["alternative"] == "contact_seller"
    opened = await _open(uow_factory, clock, shop, number, R.CONTACT_SELLER)
    assert opened.created and opened.ticket.reason == R.CONTACT_SELLER


@pytest.mark.parametrize(
    ("number", "reason", "why"),
    [
        ("D-1", R.CANCEL_ORDER, "already_delivered"),
        ("X-1", R.CANCEL_ORDER, "order_cancelled"),
        ("C-1", R.AFTER_SALES, "not_shipped_yet"),
        ("C-1", R.RETURN_REFUND, "cancel_instead"),
        ("S-1", R.RETURN_REFUND, "not_delivered_yet"),
        ("X-1", R.SHIPPING_ETA, "order_cancelled"),
    ],
)
async def test_reasons_that_do_not_fit_the_order_are_refused(uow_factory, clock, shop, number, reason, why) -> None:
    with pytest.raises(Refused) as refused:
        await _open(uow_factory, clock, shop, number, reason)
    assert refused.value.why == why


async def test_cancelling_in_transit_is_submittable_and_defects_are_quality_verification(
    uow_factory, clock, shop
) -> None:
    assert (await _open(uow_factory, clock, shop, "T-1", R.CANCEL_ORDER)).created
    defect = await _open(uow_factory, clock, shop, "D-1", R.AFTER_SALES)
    assert defect.ticket.priority == TicketPriority.QUALITY_VERIFICATION


async def test_numbers_are_per_buyer_and_a_duplicate_reason_reuses_the_open_ticket(uow_factory, clock, shop) -> None:
    first = await _open(uow_factory, clock, shop, "D-1", R.AFTER_SALES)
    second = await _open(uow_factory, clock, shop, "S-1", R.ORDER_STATUS)
    again = await _open(uow_factory, clock, shop, "D-1", R.AFTER_SALES, text="any news?")
    assert (first.ticket.number, second.ticket.number) == (1, 2)
    assert again.created is False and again.ticket.ticket_id == first.ticket.ticket_id and again.message_id
    assert [(n.kind, n.to) for n in again.notices] == [("buyer_message", "store")]
    async with uow_factory() as uow:
        assert len(await uow.tickets.messages(first.ticket.ticket_id)) == 2
        listed = await buyer_tickets(uow, shop.buyer)
    assert [t.number for t in listed] == [2, 1]


async def test_wrong_people_and_unknown_reasons_are_refused(uow_factory, clock, shop) -> None:
    with pytest.raises(Forbidden):
        await _open(uow_factory, clock, shop, "C-1", R.CONTACT_SELLER, who=shop.stranger)
    with pytest.raises(InvalidInput):
        await _open(uow_factory, clock, shop, "C-1", "teleport")


async def test_first_response_deadline_from_store_setting(uow_factory, clock, shop) -> None:
    async with uow_factory() as uow:
        (await uow.stores.get(shop.store_id)).first_response_hours = 10
        await uow.commit()
    opened = await _open(uow_factory, clock, shop, "C-1", R.CONTACT_SELLER, text=None)
    assert opened.ticket.status == TicketStatus.OPEN and opened.message_id is None
    assert opened.first_response_due_at == clock.now() + timedelta(hours=10)
    async with uow_factory() as uow:
        reminder = await uow.deadlines.live(DeadlineKind.FIRST_RESPONSE, "ticket", opened.ticket.ticket_id)
        events = await uow.audit.for_subject("ticket", opened.ticket.ticket_id)
    assert reminder.due_at == clock.now() + timedelta(hours=5)  # half-time reminder first
    assert [e.event_type for e in events] == ["ticket.opened"]


async def test_attachments_are_stored(uow_factory, clock, shop) -> None:
    photo = IncomingFile(AttachmentKind.PHOTO, "file-1", "u1")
    async with uow_factory() as uow:
        opened = await open_ticket(uow, clock, shop.buyer, shop.orders["D-1"], R.AFTER_SALES, None, [photo])
        await uow.commit()
    async with uow_factory() as uow:
        (message,) = await uow.tickets.messages(opened.ticket.ticket_id)
    assert [(a.kind, a.file_id) for a in message.attachments] == [(AttachmentKind.PHOTO, "file-1")]


async def test_buyer_closes_own_ticket_only_and_agent_only_their_store(uow_factory, clock, shop) -> None:
    ticket_id = (await _open(uow_factory, clock, shop, "C-1", R.CONTACT_SELLER)).ticket.ticket_id
    async with uow_factory() as uow:
        with pytest.raises(Forbidden):
            await close_ticket(uow, clock, ticket_id, "buyer", shop.stranger)
        with pytest.raises(Forbidden):
            await close_ticket(uow, clock, ticket_id, "agent", shop.other_agent)
        with pytest.raises(Forbidden):
            await close_ticket(uow, clock, ticket_id, "agent", shop.buyer)
        closed = await close_ticket(uow, clock, ticket_id, "agent", shop.agent)
        await uow.commit()
    assert closed.ticket.status == TicketStatus.CLOSED and closed.ticket.closed_at == clock.now()
    assert {(n.kind, n.to) for n in closed.notices} >= {("ticket_closed", "buyer"), ("rating_request", "buyer")}
    async with uow_factory() as uow:
        assert await uow.deadlines.live(DeadlineKind.FIRST_RESPONSE, "ticket", ticket_id) is None
        with pytest.raises(Refused) as refused:
            await close_ticket(uow, clock, ticket_id, "buyer", shop.buyer)
    assert refused.value.why == "already_closed"


async def test_rating_once_only_closed_only_by_the_buyer(uow_factory, clock, shop) -> None:
    ticket_id = (await _open(uow_factory, clock, shop, "C-1", R.CONTACT_SELLER)).ticket.ticket_id
    async with uow_factory() as uow:
        with pytest.raises(Refused) as not_closed:
            await rate_ticket(uow, clock, ticket_id, shop.buyer, 5)
        assert not_closed.value.why == "not_closed"
        await close_ticket(uow, clock, ticket_id, "buyer", shop.buyer)
        for bad in (0, 6, True, "5"):
            with pytest.raises(InvalidInput):
                await rate_ticket(uow, clock, ticket_id, shop.buyer, bad)
        with pytest.raises(Forbidden):
            await rate_ticket(uow, clock, ticket_id, shop.stranger, 5)
        rated = await rate_ticket(uow, clock, ticket_id, shop.buyer, 4)
        await uow.commit()
    assert rated.stars == 4 and rated.notices[0].to == "store"
    async with uow_factory() as uow:
        with pytest.raises(Refused) as twice:
            await rate_ticket(uow, clock, ticket_id, shop.buyer, 1)
        assert twice.value.why == "already_rated"
        assert (await uow.tickets.get(ticket_id)).rating == 4


async def test_timeline_hides_notes_and_agent_names_from_the_buyer(uow_factory, clock, shop) -> None:
    ticket_id = (
        await _open(uow_factory, clock, shop, "C-1", R.CHANGE_ADDRESS, text="new address please")
    ).ticket.ticket_id
    clock.advance(minutes=10)
    async with uow_factory() as uow:
        await record_agent_message(uow, clock, ticket_id, shop.agent, "// check with warehouse")
        await record_agent_message(uow, clock, ticket_id, shop.agent, "Done, address changed")
        await uow.commit()
    async with uow_factory() as uow:
        buyer_view = await ticket_timeline(uow, ticket_id, Viewer("buyer", shop.buyer))
        agent_view = await ticket_timeline(uow, ticket_id, Viewer("agent", shop.agent))
        with pytest.raises(Forbidden):
            await ticket_timeline(uow, ticket_id, Viewer("buyer", shop.stranger))
        with pytest.raises(Forbidden):
            await ticket_timeline(uow, ticket_id, Viewer("agent", shop.other_agent))
    buyer_messages = [(e.by, e.text, e.agent_name) for e in buyer_view.entries if e.kind == "message"]
    assert buyer_messages == [("buyer", "new address please", None), ("store", "Done, address changed", None)]
    assert [e.kind for e in buyer_view.entries] == ["opened", "message", "status", "message", "status"]
    notes = [e for e in agent_view.entries if e.internal]
    assert [(n.text, n.agent_name) for n in notes] == [("// check with warehouse", "Max Agent")]
    assert buyer_view.entries[-1].to_status == TicketStatus.WAITING_BUYER
