"""Change requests and cancellations: the record made when the ticket opens, and the store's decisions on it."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import select

from domain.enums import CancellationReason, CancellationStatus, ChangeStatus, OrderStatus, TicketReason
from domain.models import AuditEvent, Cancellation, ChangeRequest, OrderItem
from domain.services.cancellations import cancellation_view, decide_cancellation
from domain.services.order_changes import apply_change, change_view, decline_change
from domain.services.refusals import Forbidden, Refused
from domain.services.tickets import open_ticket

AGENT, OTHER_AGENT, BUYER, STRANGER = 2001, 3001, 1001, 1002


@contextmanager
def refused(why: str):
    with pytest.raises(Refused) as caught:
        yield
    assert caught.value.why == why


async def _open(act, clock, shop, number: str, reason: TicketReason, text: str, **more):
    return await act(open_ticket, clock, BUYER, shop.orders[number], reason, text, **more)


async def _change(uow_factory, ticket_id: int) -> ChangeRequest:
    async with uow_factory() as uow:
        return await uow.session.scalar(select(ChangeRequest).where(ChangeRequest.ticket_id == ticket_id))


async def _cancellation(uow_factory, ticket_id: int) -> Cancellation | None:
    async with uow_factory() as uow:
        return await uow.requests.cancellation_by_ticket(ticket_id)


async def _order(uow_factory, order_id: int):
    async with uow_factory() as uow:
        return await uow.orders.get(order_id)


async def _audit(uow_factory, subject_type: str, subject_id: int) -> list[AuditEvent]:
    async with uow_factory() as uow:
        query = select(AuditEvent).where(AuditEvent.subject_type == subject_type, AuditEvent.subject_id == subject_id)
        return list((await uow.session.scalars(query)).all())


async def test_an_address_change_is_recorded_and_applied_to_the_order(uow_factory, clock, shop, act):
    opened = await _open(act, clock, shop, "C-1", TicketReason.CHANGE_ADDRESS, "Karl-Marx-Allee 90, 10243 Berlin")
    change = await _change(uow_factory, opened.ticket.ticket_id)
    assert (change.status, change.asked) == (ChangeStatus.REQUESTED, "Karl-Marx-Allee 90, 10243 Berlin")
    async with uow_factory() as uow:
        assert (await change_view(uow, change.id)).actions == {"apply", "decline"}

    decision = await act(apply_change, clock, change.id, AGENT)
    assert decision.status == ChangeStatus.APPLIED
    order = await _order(uow_factory, shop.orders["C-1"])
    assert order.shipping_address == "Karl-Marx-Allee 90, 10243 Berlin"
    change = await _change(uow_factory, opened.ticket.ticket_id)
    assert change.previous == "Torstraße 12, Berlin"
    assert change.decided_by.startswith("agent:") and change.decided_at == clock.now()
    (event,) = [e for e in await _audit(uow_factory, "change", change.id) if e.event_type == "change.status_changed"]
    assert (event.actor, event.data["to"]) == (change.decided_by, "applied")
    assert {(n.kind, n.to, n.data["outcome"]) for n in decision.notices} == {
        ("change_decided", "buyer", "applied"),
        ("change_decided", "store", "applied"),
    }
    with refused("already_decided"):  # exactly once
        await act(apply_change, clock, change.id, AGENT)
    with refused("already_decided"):
        await act(decline_change, clock, change.id, AGENT)


async def test_only_an_agent_of_the_store_decides(uow_factory, clock, shop, act):
    opened = await _open(act, clock, shop, "C-1", TicketReason.CHANGE_ADDRESS, "Karl-Marx-Allee 90, 10243 Berlin")
    change = await _change(uow_factory, opened.ticket.ticket_id)
    for who in (OTHER_AGENT, BUYER, STRANGER, 999):
        with pytest.raises(Forbidden):
            await act(apply_change, clock, change.id, who)
    assert (await _change(uow_factory, opened.ticket.ticket_id)).status == ChangeStatus.REQUESTED


async def test_a_declined_change_leaves_the_order_and_keeps_the_note(uow_factory, clock, shop, act):
    opened = await _open(act, clock, shop, "C-1", TicketReason.CHANGE_ADDRESS, "Karl-Marx-Allee 90, 10243 Berlin")
    change = await _change(uow_factory, opened.ticket.ticket_id)
    decision = await act(decline_change, clock, change.id, AGENT, "  the parcel is already packed ")
    assert decision.status == ChangeStatus.DECLINED
    assert (await _change(uow_factory, opened.ticket.ticket_id)).decision_reason == "the parcel is already packed"
    assert (await _order(uow_factory, shop.orders["C-1"])).shipping_address == "Torstraße 12, Berlin"


async def test_a_change_is_applied_only_before_shipment(uow_factory, clock, shop, act):
    opened = await _open(act, clock, shop, "C-1", TicketReason.CHANGE_ADDRESS, "Karl-Marx-Allee 90, 10243 Berlin")
    change = await _change(uow_factory, opened.ticket.ticket_id)
    async with uow_factory() as uow:
        order = await uow.orders.get(shop.orders["C-1"])
        order.status = OrderStatus.SHIPPED  # the marketplace reported the shipment meanwhile
        await uow.commit()
    async with uow_factory() as uow:
        assert (await change_view(uow, change.id)).actions == {"decline"}
    with refused("already_shipped"):
        await act(apply_change, clock, change.id, AGENT)


async def test_removing_a_product_takes_the_item_off_and_never_the_last_one(uow_factory, clock, shop, act):
    opened = await _open(act, clock, shop, "C-1", TicketReason.REMOVE_PRODUCT, "the second lamp shade")
    change = await _change(uow_factory, opened.ticket.ticket_id)
    with refused("only_item"):
        await act(apply_change, clock, change.id, AGENT)
    async with uow_factory() as uow:
        uow.session.add(
            OrderItem(
                order_id=shop.orders["C-1"],
                position=2,
                sku="SHADE",
                title="Lamp shade",
                quantity=1,
                unit_price_minor=999,
            )
        )
        await uow.commit()
    with refused("pick_item"):  # two items: which one is the agent's choice
        await act(apply_change, clock, change.id, AGENT)
    order = await _order(uow_factory, shop.orders["C-1"])
    shade = next(item for item in order.items if item.sku == "SHADE")
    with refused("unknown_item"):
        await act(apply_change, clock, change.id, AGENT, order_item_id=shade.id + 100)
    await act(apply_change, clock, change.id, AGENT, order_item_id=shade.id)
    assert [item.sku for item in (await _order(uow_factory, shop.orders["C-1"])).items] == ["LAMP-1"]
    assert (await _change(uow_factory, opened.ticket.ticket_id)).item_title == "Lamp shade"


async def test_a_size_or_colour_change_names_the_item(uow_factory, clock, shop, act):
    opened = await _open(act, clock, shop, "C-1", TicketReason.CHANGE_SIZE_COLOUR, "black instead of white")
    change = await _change(uow_factory, opened.ticket.ticket_id)
    await act(apply_change, clock, change.id, AGENT)
    (item,) = (await _order(uow_factory, shop.orders["C-1"])).items
    assert item.title == "Desk lamp (black instead of white)"


async def test_a_cancellation_before_shipment_is_approved_and_cancels_the_order(uow_factory, clock, shop, act):
    opened = await _open(
        act, clock, shop, "C-1", TicketReason.CANCEL_ORDER, "Found it cheaper: elsewhere", cancel_reason="found_cheaper"
    )
    cancellation = await _cancellation(uow_factory, opened.ticket.ticket_id)
    assert (cancellation.status, cancellation.reason, cancellation.refundable) == (
        CancellationStatus.REQUESTED,
        CancellationReason.FOUND_CHEAPER,
        True,
    )
    async with uow_factory() as uow:
        assert (await cancellation_view(uow, cancellation.id)).actions == {"approve", "reject"}
    with pytest.raises(Forbidden):
        await act(decide_cancellation, clock, cancellation.id, OTHER_AGENT, "approve")
    decision = await act(decide_cancellation, clock, cancellation.id, AGENT, "approve")
    assert decision.status == CancellationStatus.APPROVED
    assert (await _order(uow_factory, shop.orders["C-1"])).status == OrderStatus.CANCELLED
    done = await _cancellation(uow_factory, opened.ticket.ticket_id)
    assert done.decided_by.startswith("agent:") and done.decided_at == clock.now() and done.refundable
    with refused("already_decided"):
        await act(decide_cancellation, clock, cancellation.id, AGENT, "reject", "no")


async def test_a_rejection_needs_a_reason_and_keeps_the_order(uow_factory, clock, shop, act):
    opened = await _open(act, clock, shop, "C-1", TicketReason.CANCEL_ORDER, "Other: please", cancel_reason="bogus")
    cancellation = await _cancellation(uow_factory, opened.ticket.ticket_id)
    assert cancellation.reason == CancellationReason.OTHER  # an unknown code is "other", never a crash
    with refused("note_required"):
        await act(decide_cancellation, clock, cancellation.id, AGENT, "reject", "  ")
    decision = await act(decide_cancellation, clock, cancellation.id, AGENT, "reject", "made to order")
    assert decision.status == CancellationStatus.REJECTED
    assert (await _cancellation(uow_factory, opened.ticket.ticket_id)).decision_reason == "made to order"
    assert (await _order(uow_factory, shop.orders["C-1"])).status == OrderStatus.CONFIRMED
    assert {n.data["note"] for n in decision.notices} == {"made to order"}


@pytest.mark.parametrize(
    ("action", "status", "refundable", "order_status"),
    [
        ("intercepted", CancellationStatus.INTERCEPTED, True, OrderStatus.CANCELLED),
        ("interception_failed", CancellationStatus.INTERCEPTION_FAILED, False, OrderStatus.SHIPPED),
    ],
)
async def test_a_domestic_parcel_on_its_way_is_intercepted_or_not(
    uow_factory, clock, shop, act, action, status, refundable, order_status
):
    opened = await _open(act, clock, shop, "S-1", TicketReason.CANCEL_ORDER, "Changed my mind: sorry")
    cancellation = await _cancellation(uow_factory, opened.ticket.ticket_id)
    assert (cancellation.status, cancellation.refundable) == (CancellationStatus.INTERCEPTING, False)
    with refused("already_shipped"):  # not the buttons of this way
        await act(decide_cancellation, clock, cancellation.id, AGENT, "approve")
    await act(decide_cancellation, clock, cancellation.id, AGENT, action)
    done = await _cancellation(uow_factory, opened.ticket.ticket_id)
    assert (done.status, done.refundable) == (status, refundable)
    assert (await _order(uow_factory, shop.orders["S-1"])).status == order_status


async def test_an_international_parcel_on_its_way_has_nothing_to_decide(uow_factory, clock, shop, act):
    opened = await _open(act, clock, shop, "T-1", TicketReason.CANCEL_ORDER, "Changed my mind: sorry")
    cancellation = await _cancellation(uow_factory, opened.ticket.ticket_id)
    assert (cancellation.status, cancellation.refundable) == (CancellationStatus.REQUESTED, False)
    async with uow_factory() as uow:
        view = await cancellation_view(uow, cancellation.id)
    assert (view.path, view.actions) == ("not_refundable", frozenset())
    for action, why in (("approve", "already_shipped"), ("intercepted", "already_decided")):
        with refused(why):
            await act(decide_cancellation, clock, cancellation.id, AGENT, action)


async def test_other_reasons_get_no_record(uow_factory, clock, shop, act):
    opened = await _open(act, clock, shop, "C-1", TicketReason.CONTACT_SELLER, "hello there")
    assert await _change(uow_factory, opened.ticket.ticket_id) is None
    assert await _cancellation(uow_factory, opened.ticket.ticket_id) is None


async def test_the_buyer_withdraws_a_cancellation_waiting_for_the_store(uow_factory, clock, shop, act):
    from domain.services.cancellations import withdraw_cancellation

    opened = await _open(act, clock, shop, "C-1", TicketReason.CANCEL_ORDER, "Changed my mind: sorry")
    cancellation = await _cancellation(uow_factory, opened.ticket.ticket_id)
    with pytest.raises(Forbidden):  # not the stranger's, nor the store's, to take back
        await act(withdraw_cancellation, clock, cancellation.id, STRANGER)
    with pytest.raises(Forbidden):
        await act(withdraw_cancellation, clock, cancellation.id, AGENT)
    done = await act(withdraw_cancellation, clock, cancellation.id, BUYER)
    assert done.status == CancellationStatus.WITHDRAWN
    assert {(n.kind, n.to) for n in done.notices} == {
        ("cancellation_withdrawn", "buyer"),
        ("cancellation_withdrawn", "store"),
    }
    async with uow_factory() as uow:
        assert (await cancellation_view(uow, cancellation.id)).actions == frozenset()  # nothing left to decide
    assert (await _order(uow_factory, shop.orders["C-1"])).status == OrderStatus.CONFIRMED
    changes = [
        e for e in await _audit(uow_factory, "cancellation", cancellation.id) if e.event_type.endswith("changed")
    ]
    assert [(e.actor.split(":")[0], e.data.get("to")) for e in changes][-1:] == [("buyer", "withdrawn")], changes
    with refused("already_decided"):  # once: a second press, or the store after it
        await act(withdraw_cancellation, clock, cancellation.id, BUYER)
    with refused("already_decided"):
        await act(decide_cancellation, clock, cancellation.id, AGENT, "approve")


async def test_a_decided_cancellation_can_no_longer_be_withdrawn(uow_factory, clock, shop, act):
    from domain.services.cancellations import withdraw_cancellation

    opened = await _open(act, clock, shop, "C-1", TicketReason.CANCEL_ORDER, "Changed my mind: sorry")
    cancellation = await _cancellation(uow_factory, opened.ticket.ticket_id)
    await act(decide_cancellation, clock, cancellation.id, AGENT, "approve")
    with refused("already_decided"):
        await act(withdraw_cancellation, clock, cancellation.id, BUYER)
