"""Order events from the marketplace: each kind checked, stored once, told once; the ship-by timers; the buyer's answer.

The `shop` world (tests/domain/conftest.py): a Berlin store, buyer 1001 bound to
C-1 (confirmed), S-1 (shipped), T-1 (in transit), D-1 (delivered), X-1 (cancelled).
The clock starts Monday 2 March 2026, 09:00 UTC.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from domain.enums import DeadlineKind, OrderStatus
from domain.errors import InvalidInput
from domain.models import Deadline, OrderEvent
from domain.services import order_events
from domain.services.order_events import (
    answer_order_event,
    awaiting_address,
    record_order_event,
    start_correction,
)
from domain.services.orders import import_orders
from domain.services.refusals import Forbidden, Refused
from tests.domain.conftest import order_row

BUYER, STRANGER = 1001, 1002


async def push(act, clock, shop, number: str, kind: str, data=None, **more):
    return await act(record_order_event, clock, shop.store_id, number, kind, data, **more)


async def fire_due(uow_factory, clock) -> list:
    """What the bot's sweeper does for the order timers: claim each due one, fire it, commit."""
    notices = []
    async with uow_factory() as uow:
        for deadline in await uow.deadlines.due(clock.now(), kinds=order_events.KINDS):
            if await uow.deadlines.claim(deadline.id, at=clock.now()):
                notices += await order_events.fire_claimed(uow, deadline, clock)
        await uow.commit()
    return notices


async def count(uow_factory, model, *where) -> int:
    async with uow_factory() as uow:
        return await uow.session.scalar(select(func.count()).select_from(model).where(*where))


async def order(uow_factory, order_id: int):
    async with uow_factory() as uow:
        return await uow.orders.get(order_id)


@pytest.mark.parametrize(
    ("number", "kind", "data", "choices"),
    [
        ("C-1", "out_of_stock", {"note": "Back in May"}, ["refund", "wait"]),
        ("C-1", "seller_unresponsive", None, []),
        ("T-1", "customs_hold", {"needed": "a copy of your ID"}, []),
        ("C-1", "incorrect_address", None, ["confirm", "correct"]),
        ("C-1", "shipped", {"carrier": "DHL", "tracking_number": "JD0001"}, []),
        ("S-1", "delivered", {"date": "2026-03-01"}, []),
    ],
)
async def test_each_kind_is_stored_and_told_to_the_buyer_once(
    act, clock, shop, uow_factory, number, kind, data, choices
):
    recorded = await push(act, clock, shop, number, kind, data)
    assert (recorded.kind.value, recorded.duplicate, recorded.order_id) == (kind, False, shop.orders[number])
    notices = await fire_due(uow_factory, clock)
    assert [(n.kind, n.to, n.buyer_telegram_id) for n in notices] == [(f"order_event_{kind}", "buyer", BUYER)]
    told = notices[0].data
    assert (told["event_id"], told["order_number"], told["choices"]) == (recorded.event_id, number, choices)
    assert {k: told[k] for k in data or {}} == (data or {})
    assert await fire_due(uow_factory, clock) == []  # fired once
    async with uow_factory() as uow:
        event = await uow.session.get(OrderEvent, recorded.event_id)
        assert event.handled_at == clock.now()
        audit = [e.event_type for e in await uow.audit.for_subject("order", shop.orders[number])]
        assert "order_event.received" in audit


async def test_an_event_for_an_order_nobody_is_bound_to_tells_the_store_when_it_asks(act, clock, shop, uow_factory):
    async with uow_factory() as uow:
        await import_orders(uow, clock, shop.store_id, [order_row("N-1", OrderStatus.CONFIRMED)])
        await uow.commit()
    await push(act, clock, shop, "N-1", "out_of_stock")
    await push(act, clock, shop, "N-1", "seller_unresponsive")
    notices = await fire_due(uow_factory, clock)
    assert [(n.kind, n.to, n.data["event"]) for n in notices] == [("order_event_unreachable", "store", "out_of_stock")]


@pytest.mark.parametrize(
    ("kind", "data", "message"),
    [
        ("customs_hold", {}, "data.needed is required for customs_hold"),
        ("customs_hold", {"needed": "  "}, "data.needed is required for customs_hold"),
        ("customs_hold", {"needed": 5}, "data.needed must be text"),
        ("shipped", {"carrier": "DHL"}, "data.tracking_number is required for shipped"),
        ("shipped", {"tracking_number": "JD1"}, "data.carrier is required for shipped"),
        ("shipped", {"carrier": "DHL", "tracking_number": "J" * 65}, "data.tracking_number has more than 64"),
        (
            "shipped",
            {"carrier": "DHL", "tracking_number": "JD1", "tracking_url": "ftp://x"},
            "data.tracking_url must be an http(s) address",
        ),
        ("delivered", {}, "data.date is required for delivered"),
        ("delivered", {"date": "yesterday"}, "data.date 'yesterday' is not a date"),
        ("delivered", {"date": "2026-03-03"}, "data.date 2026-03-03 is in the future"),
        ("out_of_stock", {"colour": "red"}, "data.colour: not a field of out_of_stock (fields: note)"),
        ("out_of_stock", {"note": "x" * 501}, "data.note has more than 500 characters"),
        ("out_of_stock", ["note"], "data must be a JSON object"),
        ("exploded", None, "kind 'exploded' is not one of out_of_stock"),
        ("shipment_overdue", None, "kind 'shipment_overdue' is not one of"),  # the timers' own, never pushed
    ],
)
async def test_bad_data_is_refused_naming_the_field_and_nothing_is_stored(
    act, clock, shop, uow_factory, kind, data, message
):
    with pytest.raises(InvalidInput) as refused:
        await push(act, clock, shop, "S-1", kind, data)
    assert str(refused.value).startswith(message), refused.value
    assert await count(uow_factory, OrderEvent) == 0
    assert await count(uow_factory, Deadline, Deadline.kind == DeadlineKind.ORDER_EVENT) == 0


async def test_the_store_s_today_decides_what_is_in_the_future(act, clock, shop, uow_factory):
    clock.set(datetime(2026, 3, 2, 23, 30, tzinfo=UTC))  # already 3 March in Berlin
    recorded = await push(act, clock, shop, "S-1", "delivered", {"date": "2026-03-03"})
    assert (await order(uow_factory, shop.orders["S-1"])).delivered_on == date(2026, 3, 3)
    assert not recorded.duplicate


async def test_the_same_event_twice_is_recorded_and_told_once(act, clock, shop, uow_factory):
    data = {"carrier": "DHL", "tracking_number": "JD0001"}
    first = await push(act, clock, shop, "C-1", "shipped", data)
    again = await push(act, clock, shop, "C-1", "shipped", {"tracking_number": " JD0001 ", "carrier": "DHL"})
    assert (again.duplicate, again.event_id) == (True, first.event_id)
    keyed = await push(act, clock, shop, "C-1", "out_of_stock", key="mp-77")
    rekeyed = await push(act, clock, shop, "C-1", "out_of_stock", {"note": "other words"}, key="mp-77")
    assert (rekeyed.duplicate, rekeyed.event_id) == (True, keyed.event_id)
    assert await count(uow_factory, OrderEvent) == 2
    assert [n.kind for n in await fire_due(uow_factory, clock)] == ["order_event_shipped", "order_event_out_of_stock"]
    async with uow_factory() as uow:
        received = [
            e
            for e in await uow.audit.for_subject("order", shop.orders["C-1"])
            if e.event_type == "order_event.received"
        ]
        assert len(received) == 2


async def test_unknown_store_or_order_is_not_found(act, clock, shop):
    from domain.errors import NotFound

    with pytest.raises(NotFound, match="no order 'Z-9'"):
        await push(act, clock, shop, "Z-9", "out_of_stock")
    with pytest.raises(NotFound, match="no store"):
        await act(record_order_event, clock, 999, "C-1", "out_of_stock")


# The state changes


def with_ship_by(number: str, ship_by: date | None, status: OrderStatus = OrderStatus.CONFIRMED):
    return replace(order_row(number, status), ship_by=ship_by)


async def import_rows(uow_factory, clock, shop, *rows) -> None:
    async with uow_factory() as uow:
        await import_orders(uow, clock, shop.store_id, list(rows))
        await uow.commit()


async def live_timers(uow_factory, order_id: int) -> dict[DeadlineKind, datetime]:
    async with uow_factory() as uow:
        found = {}
        for kind in (DeadlineKind.SHIPMENT_REMINDER, DeadlineKind.SHIPMENT_REFUND_OFFER):
            live = await uow.deadlines.live(kind, "order", order_id)
            if live is not None:
                found[kind] = live.due_at.replace(tzinfo=UTC) if live.due_at.tzinfo is None else live.due_at
        return found


async def test_shipped_saves_carrier_and_tracking_and_cancels_the_overdue_timers(act, clock, shop, uow_factory):
    await import_rows(uow_factory, clock, shop, with_ship_by("C-1", date(2026, 3, 4)))
    order_id = shop.orders["C-1"]
    assert len(await live_timers(uow_factory, order_id)) == 2
    clock.advance(hours=1)
    data = {"carrier": "DHL", "tracking_number": "JD0001", "tracking_url": "https://dhl.example/JD0001"}
    await push(act, clock, shop, "C-1", "shipped", data)
    shipped = await order(uow_factory, order_id)
    assert (shipped.status, shipped.carrier, shipped.tracking_number, shipped.tracking_url) == (
        OrderStatus.SHIPPED,
        "DHL",
        "JD0001",
        "https://dhl.example/JD0001",
    )
    assert shipped.shipped_at.replace(tzinfo=UTC) == clock.now()
    assert await live_timers(uow_factory, order_id) == {}
    clock.advance(days=10)
    assert [n.kind for n in await fire_due(uow_factory, clock)] == ["order_event_shipped"]  # no overdue line


async def test_delivered_saves_the_date(act, clock, shop, uow_factory):
    await push(act, clock, shop, "T-1", "delivered", {"date": "2026-02-28"})
    delivered = await order(uow_factory, shop.orders["T-1"])
    assert (delivered.status, delivered.delivered_on) == (OrderStatus.DELIVERED, date(2026, 2, 28))


async def test_an_event_the_order_cannot_follow_is_refused_and_leaves_it_as_it_was(act, clock, shop, uow_factory):
    with pytest.raises(InvalidInput, match="order D-1 is delivered and cannot become shipped"):
        await push(act, clock, shop, "D-1", "shipped", {"carrier": "DHL", "tracking_number": "JD1"})
    with pytest.raises(InvalidInput, match="order X-1 is cancelled and cannot become delivered"):
        await push(act, clock, shop, "X-1", "delivered", {"date": "2026-03-01"})
    assert await count(uow_factory, OrderEvent) == 0
    assert (await order(uow_factory, shop.orders["D-1"])).tracking_number == "TRK1"


# The ship-by timers


@pytest.mark.parametrize(
    ("ship_by", "reminder", "refund_offer"),
    [
        # Berlin in winter is UTC+1: the day ends at 23:00 UTC.
        (date(2026, 3, 4), datetime(2026, 3, 6, 23, tzinfo=UTC), datetime(2026, 3, 8, 23, tzinfo=UTC)),
        # Summer time starts on 29 March: from then on the day ends at 22:00 UTC.
        (date(2026, 3, 27), datetime(2026, 3, 29, 22, tzinfo=UTC), datetime(2026, 3, 31, 22, tzinfo=UTC)),
    ],
)
async def test_import_sets_the_timers_at_the_end_of_2_and_4_days_past_ship_by_in_the_store_zone(
    clock, shop, uow_factory, ship_by, reminder, refund_offer
):
    await import_rows(uow_factory, clock, shop, with_ship_by("C-1", ship_by))
    assert await live_timers(uow_factory, shop.orders["C-1"]) == {
        DeadlineKind.SHIPMENT_REMINDER: reminder,
        DeadlineKind.SHIPMENT_REFUND_OFFER: refund_offer,
    }


async def test_the_store_is_reminded_at_2_days_and_the_buyer_offered_a_refund_at_4_not_a_second_earlier(
    clock, shop, uow_factory
):
    await import_rows(uow_factory, clock, shop, with_ship_by("C-1", date(2026, 3, 4)))
    clock.set(datetime(2026, 3, 6, 22, 59, 59, tzinfo=UTC))
    assert await fire_due(uow_factory, clock) == []
    clock.advance(seconds=1)
    reminded = await fire_due(uow_factory, clock)
    assert [(n.kind, n.to, n.store_id) for n in reminded] == [("order_event_shipment_reminder", "store", shop.store_id)]
    assert (reminded[0].data["order_number"], reminded[0].data["days"]) == ("C-1", 2)
    clock.set(datetime(2026, 3, 8, 22, 59, 59, tzinfo=UTC))
    assert await fire_due(uow_factory, clock) == []
    clock.advance(seconds=1)
    offered = await fire_due(uow_factory, clock)
    assert [(n.kind, n.to, n.buyer_telegram_id) for n in offered] == [("order_event_shipment_overdue", "buyer", BUYER)]
    assert (offered[0].data["choices"], offered[0].data["ship_by"]) == (["refund", "wait"], "2026-03-04")
    async with uow_factory() as uow:
        event = await uow.session.get(OrderEvent, offered[0].data["event_id"])
        assert event.kind.value == "shipment_overdue"
    # The buyer answers the offer like any other.
    answered = await _answer(uow_factory, clock, offered[0].data["event_id"], BUYER, "refund")
    assert [(n.kind, n.data["choice"]) for n in answered.notices] == [("order_event_answered", "refund")]


async def test_a_re_import_keeps_the_timers_and_a_new_ship_by_moves_them(clock, shop, uow_factory):
    order_id = shop.orders["C-1"]
    await import_rows(uow_factory, clock, shop, with_ship_by("C-1", date(2026, 3, 4)))
    before = await live_timers(uow_factory, order_id)
    await import_rows(uow_factory, clock, shop, with_ship_by("C-1", date(2026, 3, 4)))
    assert await live_timers(uow_factory, order_id) == before
    assert await count(uow_factory, Deadline, Deadline.subject_type == "order") == 2
    await import_rows(uow_factory, clock, shop, with_ship_by("C-1", date(2026, 3, 5)))
    assert await live_timers(uow_factory, order_id) == {k: v + timedelta(days=1) for k, v in before.items()}
    await import_rows(uow_factory, clock, shop, with_ship_by("C-1", None))
    assert await live_timers(uow_factory, order_id) == {}


async def test_an_import_that_ships_the_order_cancels_the_timers(clock, shop, uow_factory):
    await import_rows(uow_factory, clock, shop, with_ship_by("C-1", date(2026, 3, 4)))
    await import_rows(uow_factory, clock, shop, with_ship_by("C-1", date(2026, 3, 4), OrderStatus.SHIPPED))
    assert await live_timers(uow_factory, shop.orders["C-1"]) == {}
    clock.advance(days=10)
    assert await fire_due(uow_factory, clock) == []


async def test_only_an_order_waiting_to_ship_gets_timers(clock, shop, uow_factory):
    await import_rows(uow_factory, clock, shop, with_ship_by("N-2", date(2026, 3, 4), OrderStatus.SHIPPED))
    async with uow_factory() as uow:
        new = await uow.orders.by_number(shop.store_id, "N-2")
    assert new.ship_by == date(2026, 3, 4)
    assert await live_timers(uow_factory, new.id) == {}


# The buyer's answer


async def _answer(uow_factory, clock, event_id, who, choice, **more):
    async with uow_factory() as uow:
        answered = await answer_order_event(uow, clock, event_id, who, choice, **more)
        await uow.commit()
        return answered


async def test_the_buyer_s_choice_is_recorded_once(act, clock, shop, uow_factory):
    event_id = (await push(act, clock, shop, "C-1", "out_of_stock")).event_id
    with pytest.raises(Forbidden):
        await _answer(uow_factory, clock, event_id, STRANGER, "refund")
    with pytest.raises(Refused) as other_kind:
        await _answer(uow_factory, clock, event_id, BUYER, "confirm")
    assert other_kind.value.why == "not_a_choice"
    answered = await _answer(uow_factory, clock, event_id, BUYER, "wait")
    assert [(n.kind, n.to, n.data["choice"], n.data["order_number"]) for n in answered.notices] == [
        ("order_event_answered", "store", "wait", "C-1")
    ]
    for choice in ("wait", "refund"):  # the same button again, or the other one
        with pytest.raises(Refused) as again:
            await _answer(uow_factory, clock, event_id, BUYER, choice)
        assert again.value.why == "already_answered"
    async with uow_factory() as uow:
        assert (await uow.session.get(OrderEvent, event_id)).data["choice"] == "wait"
        answers = [
            e
            for e in await uow.audit.for_subject("order", shop.orders["C-1"])
            if e.event_type == "order_event.answered"
        ]
        assert [(e.actor, e.data["choice"]) for e in answers] == [(answers[0].actor, "wait")]


async def test_a_double_press_at_once_records_one_choice(act, clock, shop, uow_factory):
    event_id = (await push(act, clock, shop, "C-1", "out_of_stock")).event_id
    results = await asyncio.gather(
        *(act(answer_order_event, clock, event_id, BUYER, choice) for choice in ("refund", "refund")),
        return_exceptions=True,
    )
    refusals = [r for r in results if isinstance(r, Refused)]
    assert [r.why for r in refusals] == ["already_answered"], results
    async with uow_factory() as uow:
        answers = [
            e
            for e in await uow.audit.for_subject("order", shop.orders["C-1"])
            if e.event_type == "order_event.answered"
        ]
    assert len(answers) == 1


async def test_the_address_is_confirmed_or_corrected(act, clock, shop, uow_factory):
    confirmed = (await push(act, clock, shop, "C-1", "incorrect_address")).event_id
    await _answer(uow_factory, clock, confirmed, BUYER, "confirm")
    assert (await order(uow_factory, shop.orders["C-1"])).shipping_address == "Torstraße 12, Berlin"

    corrected = (await push(act, clock, shop, "C-1", "incorrect_address", {"note": "no such street"})).event_id
    async with uow_factory() as uow:
        assert await awaiting_address(uow, BUYER) is None
    await act(start_correction, clock, corrected, BUYER)
    async with uow_factory() as uow:
        assert (await awaiting_address(uow, BUYER)).id == corrected
        assert await awaiting_address(uow, STRANGER) is None
    with pytest.raises(Refused) as empty:
        await _answer(uow_factory, clock, corrected, BUYER, "correct", address="   ")
    assert empty.value.why == "bad_address"
    answered = await _answer(uow_factory, clock, corrected, BUYER, "correct", address=" Torstraße 21, Berlin ")
    assert answered.notices[0].data["address"] == "Torstraße 21, Berlin"
    assert (await order(uow_factory, shop.orders["C-1"])).shipping_address == "Torstraße 21, Berlin"
    async with uow_factory() as uow:
        assert await awaiting_address(uow, BUYER) is None
        assert (await uow.users.by_telegram_id(BUYER)).correcting_event_id is None  # cleared by the answer
        data = (await uow.session.get(OrderEvent, corrected)).data
    assert (data["choice"], data["old_address"]) == ("correct", "Torstraße 12, Berlin")
    with pytest.raises(Refused) as again:
        await act(start_correction, clock, corrected, BUYER)
    assert again.value.why == "already_answered"


async def test_an_address_cannot_be_corrected_once_the_order_shipped(act, clock, shop, uow_factory):
    event_id = (await push(act, clock, shop, "C-1", "incorrect_address")).event_id
    await act(start_correction, clock, event_id, BUYER)
    await push(act, clock, shop, "C-1", "shipped", {"carrier": "DHL", "tracking_number": "JD1"})
    with pytest.raises(Refused) as shipped:
        await _answer(uow_factory, clock, event_id, BUYER, "correct", address="Torstraße 21, Berlin")
    assert shipped.value.why == "already_shipped"
    assert (await order(uow_factory, shop.orders["C-1"])).shipping_address == "Torstraße 12, Berlin"


async def test_a_correction_pressed_then_answered_by_button_awaits_no_address(act, clock, shop, uow_factory):
    """The pointer on the buyer is a hint: the event is checked again, so an answer given another way ends it."""
    event_id = (await push(act, clock, shop, "C-1", "incorrect_address")).event_id
    await act(start_correction, clock, event_id, BUYER)
    async with uow_factory() as uow:
        event = await uow.session.get(OrderEvent, event_id)
        event.data = {**event.data, "choice": "confirm"}  # answered elsewhere, the pointer left as it was
        await uow.commit()
    async with uow_factory() as uow:
        assert (await uow.users.by_telegram_id(BUYER)).correcting_event_id == event_id
        assert await awaiting_address(uow, BUYER) is None
