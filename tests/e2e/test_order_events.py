"""Order events from the marketplace reach the buyer through the sweeper; the buyer's choice is recorded.

The event is recorded as `aftersales orders event` does (the domain service in
its own transaction); the bot's sweeper tells the buyer.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import date

import pytest

from domain.enums import BindingSource, OrderStatus
from domain.models import OrderEvent
from domain.services.order_events import record_order_event
from domain.services.orders import import_orders
from tests.e2e.conftest import make_choice, open_menu, order_row
from tests.e2e.seller_side import Shop, buyer_has_started_the_bot, make_shop


@pytest.fixture
async def shop(chat, bot_app) -> Shop:
    shop = await make_shop(chat, bot_app, with_group=False, stand_in=False)
    await buyer_has_started_the_bot(shop)
    return shop


async def push(bot_app, kind: str, data: dict | None = None, number: str = "W-1") -> int:
    deps = bot_app.deps
    async with deps.uow_factory() as uow:
        order = await uow.orders.get(1)
        recorded = await record_order_event(uow, deps.clock, order.store_id, number, kind, data)
        await uow.commit()
    bot_app.wake_timers_in(0)
    return recorded.event_id


async def test_out_of_stock_the_buyer_chooses_a_refund_and_the_store_is_told(shop, bot_app):
    event_id = await push(bot_app, "out_of_stock")
    offer = await shop.buyer.expect(contains="is out of stock", timeout=8)
    assert offer.buttons == [["💶 Refund", "⏳ Wait"]]
    await make_choice(offer, "💶 Refund")
    await shop.buyer.expect(contains="you want a refund for order W-1")
    line = await shop.agent.expect(contains="Order W-1: the buyer wants a refund.")
    assert line
    await shop.buyer.client.assert_quiet()
    async with bot_app.deps.uow_factory() as uow:
        assert (await uow.session.get(OrderEvent, event_id)).data["choice"] == "refund"


# W-1 (from make_shop) has shipped; W-2 waits to ship, promised by Sunday 22 Nov, the day the clock starts (12:00 UTC;
# the store's zone is UTC): the store is reminded when 24 Nov ends, the buyer offered a refund when 26 Nov ends.
SHIP_BY = date(2026, 11, 22)


async def waiting_order(bot_app, shop: Shop) -> None:
    deps = bot_app.deps
    async with deps.uow_factory() as uow:
        store_id = (await uow.orders.get(shop.order_id)).store_id
        row = replace(order_row("W-2", OrderStatus.CONFIRMED, tracking=None, eta=None), ship_by=SHIP_BY)
        await import_orders(uow, deps.clock, store_id, [row])
        order = await uow.orders.by_number(store_id, "W-2")
        user = await uow.users.by_telegram_id(shop.buyer.id)
        await uow.users.bind_order(user.id, order.id, source=BindingSource.DEMO, at=deps.clock.now())
        await uow.commit()


async def order_of(bot_app, number: str):
    async with bot_app.deps.uow_factory() as uow:
        return await uow.orders.by_number(1, number)


async def move_clock(bot_app, **delta: float) -> None:
    """The clock moves on and the sweeper looks at once (else it polls every few seconds)."""
    bot_app.deps.clock.advance(**delta)
    bot_app.wake_timers_in(0)


async def quiet_after_a_sweep(shop: Shop) -> None:
    await asyncio.sleep(0.5)  # the woken sweep and what it might send
    await shop.buyer.client.assert_quiet(within=1.0)


async def test_seller_unresponsive_tells_the_buyer_it_can_be_refunded(shop, bot_app):
    await push(bot_app, "seller_unresponsive", {"note": "No answer for a week"})
    told = await shop.buyer.expect(contains="has not responded about your order W-1", timeout=8)
    assert "The order can be refunded" in told.text and "No answer for a week" in told.text
    assert told.buttons == []
    await shop.buyer.client.assert_quiet()


async def test_customs_hold_tells_the_buyer_what_is_needed(shop, bot_app):
    await push(bot_app, "customs_hold", {"needed": "a copy of your ID"})
    told = await shop.buyer.expect(contains="is held at customs", timeout=8)
    assert "What is needed: a copy of your ID" in told.text and told.buttons == []
    await shop.buyer.client.assert_quiet()


async def test_incorrect_address_confirmed(shop, bot_app):
    await waiting_order(bot_app, shop)
    await push(bot_app, "incorrect_address", number="W-2")
    asked = await shop.buyer.expect(contains="may be wrong", timeout=8)
    assert "Torstraße 12, Berlin" in asked.text and asked.text.endswith("Is it right?")
    assert asked.buttons == [["✅ It is right", "✏️ Correct it"]]
    await make_choice(asked, "✅ It is right")
    await shop.buyer.expect(contains="the address of order W-2 stays as it is")
    await shop.agent.expect(contains="Order W-2: the buyer confirmed the shipping address.")
    await shop.buyer.client.assert_quiet()
    assert (await order_of(bot_app, "W-2")).shipping_address == "Torstraße 12, Berlin"


async def test_incorrect_address_corrected_the_next_text_is_the_address_shown_on_the_order_card(shop, bot_app):
    await waiting_order(bot_app, shop)
    await push(bot_app, "incorrect_address", {"note": "No house 12 in that street"}, number="W-2")
    asked = await shop.buyer.expect(contains="may be wrong", timeout=8)
    await make_choice(asked, "✏️ Correct it")
    await shop.buyer.expect(contains="Please type the correct shipping address for order W-2.")
    await shop.buyer.client.assert_quiet()
    await shop.buyer.send("Torstraße 21, 10119 Berlin")
    done = await shop.buyer.expect(contains="the address of order W-2 is now")
    assert "Torstraße 21, 10119 Berlin" in done.text
    line = await shop.agent.expect(contains="Order W-2: the buyer corrected the shipping address to")
    assert "Torstraße 21, 10119 Berlin" in line.text
    await shop.buyer.client.assert_quiet()
    assert (await order_of(bot_app, "W-2")).shipping_address == "Torstraße 21, 10119 Berlin"
    card = await open_menu(shop.buyer, "W-2")
    assert "Shipping address: Torstraße 21, 10119 Berlin" in card.text
    await shop.buyer.client.assert_quiet()


async def test_shipped_gives_the_buyer_the_tracking_link_and_the_order_card_shows_it_shipped(shop, bot_app):
    await waiting_order(bot_app, shop)
    await push(bot_app, "shipped", {"carrier": "DHL", "tracking_number": "JD0001"}, number="W-2")
    told = await shop.buyer.expect(contains="has shipped your order W-2", timeout=8)
    assert "DHL, tracking number JD0001" in told.text and "Track the parcel" in told.text
    links = [e.get("url") for e in told["entities"] or [] if e["type"] == "text_link"]
    assert links == ["https://www.dhl.com/global-en/home/tracking.html?tracking-id=JD0001"]
    await shop.buyer.client.assert_quiet()
    card = await open_menu(shop.buyer, "W-2")
    assert "Status: shipped" in card.text
    await shop.buyer.client.assert_quiet()


async def test_delivered_tells_the_buyer_the_date(shop, bot_app):
    await push(bot_app, "delivered", {"date": "2026-11-21"})
    told = await shop.buyer.expect(contains="was delivered on 2026-11-21", timeout=8)
    assert told.buttons == []
    await shop.buyer.client.assert_quiet()
    assert (await order_of(bot_app, "W-1")).delivered_on == date(2026, 11, 21)


async def test_the_store_is_reminded_at_2_days_past_ship_by_and_the_buyer_offered_a_refund_at_4(shop, bot_app):
    await waiting_order(bot_app, shop)
    # Reminder due 25 Nov 00:00 UTC: 2 days 12 hours from now.
    await move_clock(bot_app, days=2, hours=12, seconds=-1)
    await quiet_after_a_sweep(shop)
    await move_clock(bot_app, seconds=1)
    reminder = await shop.agent.expect(contains="⏰ Order W-2 has not shipped", timeout=8)
    assert "it was due by 2026-11-22 (2 days ago). Please ship it." in reminder.text
    await shop.buyer.client.assert_quiet()
    # The refund offer due 27 Nov 00:00 UTC.
    await move_clock(bot_app, days=2, seconds=-1)
    await quiet_after_a_sweep(shop)
    await move_clock(bot_app, seconds=1)
    offer = await shop.buyer.expect(contains="has not shipped your order W-2", timeout=8)
    assert "it was due to ship by 2026-11-22" in offer.text
    assert offer.buttons == [["💶 Refund", "⏳ Wait"]]
    await make_choice(offer, "⏳ Wait")
    await shop.buyer.expect(contains="you will wait for order W-2")
    await shop.agent.expect(contains="Order W-2: the buyer will wait.")
    await shop.buyer.client.assert_quiet()
    await move_clock(bot_app, days=10)  # fired once each
    await quiet_after_a_sweep(shop)
