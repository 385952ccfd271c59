"""The store's decisions on change requests and cancellations, end to end: the card's buttons, both sides told.

Most tickets are opened by the stand-in buyer side (`/open <reason> <text>`,
the calls the buyer's flows make); one cancellation goes through the buyer's
real flow, so the reason the buyer picked reaches the record.
"""

from __future__ import annotations

import pytest

from domain.enums import OrderStatus
from domain.models import Cancellation, OrderItem
from tests.e2e.conftest import ask_to_cancel, make_choice, open_menu
from tests.e2e.seller_side import Shop, buyer_has_started_the_bot, copy_recorded, make_shop

NEW_ADDRESS = "Karl-Marx-Allee 90, 10243 Berlin"


async def _order_is(bot_app, shop: Shop, status: OrderStatus, *, international: bool = False) -> None:
    """The shop's order is shipped; an import cannot take it back, so the test sets the status it needs."""
    async with bot_app.deps.uow_factory() as uow:
        order = await uow.orders.get(shop.order_id)
        order.status, order.international = status, international
        await uow.commit()


async def _shop(chat, bot_app, status: OrderStatus, *, international: bool = False, **more) -> Shop:
    shop = await make_shop(chat, bot_app, with_group=True, **more)
    await _order_is(bot_app, shop, status, international=international)
    await buyer_has_started_the_bot(shop)
    return shop


async def _open(shop: Shop, reason: str, text: str):
    await shop.buyer.send(f"/open {reason} {text}")
    thread = (await shop.agent.expect_event("topic"))["topic"]["thread_id"]
    return await shop.agent.expect(contains="Ticket #1", chat=shop.group, thread=thread)


async def _order_status(bot_app, shop: Shop) -> str:
    async with bot_app.deps.uow_factory() as uow:
        return str((await uow.orders.get(shop.order_id)).status)


async def test_an_applied_address_change_reaches_the_order_card(chat, bot_app):
    shop = await _shop(chat, bot_app, OrderStatus.CONFIRMED)
    card = await _open(shop, "change_address", NEW_ADDRESS)
    assert "✏️ New address asked for · waiting for the store's decision" in card.text
    assert f"Asked: {NEW_ADDRESS}" in card.text
    assert card.buttons == [["✅ Apply", "❌ Decline"], ["✅ Close ticket"]]
    await card.press("✅ Apply")
    told = await shop.buyer.expect(contains="made the change you asked for in #1")
    assert f"the new shipping address is {NEW_ADDRESS}" in told.text
    edited = await shop.agent.expect_edit(card)
    assert "✏️ New address asked for · applied" in edited.text
    assert edited.buttons == [["✅ Close ticket"]]
    await shop.agent.expect(contains="✅ Change #1 applied to order W-1", chat=shop.group, thread=card.thread_id)
    await shop.agent.client.assert_quiet()
    await shop.buyer.client.assert_quiet()
    menu = await open_menu(shop.buyer, "W-1")
    assert f"Shipping address: {NEW_ADDRESS}\n" in menu.text
    await shop.buyer.client.assert_quiet()


async def test_a_declined_change_leaves_the_order_as_it_was(chat, bot_app):
    shop = await _shop(chat, bot_app, OrderStatus.CONFIRMED)
    card = await _open(shop, "change_address", NEW_ADDRESS)
    await card.press("❌ Decline")
    assert (
        "could not make the change you asked for in #1"
        in (await shop.buyer.expect(contains="could not make the change")).text
    )
    edited = await shop.agent.expect_edit(card)
    assert "✏️ New address asked for · declined" in edited.text and edited.buttons == [["✅ Close ticket"]]
    await shop.agent.expect(contains="❌ Change #1 declined", chat=shop.group, thread=card.thread_id)
    await shop.agent.client.assert_quiet()
    await shop.buyer.client.assert_quiet()
    async with bot_app.deps.uow_factory() as uow:
        assert (await uow.orders.get(shop.order_id)).shipping_address == "Torstraße 12, Berlin"


async def test_a_cancellation_before_shipment_approved_cancels_the_order(chat, bot_app):
    shop = await _shop(chat, bot_app, OrderStatus.CONFIRMED, stand_in=False)
    menu = await open_menu(shop.buyer, "W-1")
    summary = await ask_to_cancel(
        shop.buyer, menu, notice="It has not shipped yet", reason="Found it cheaper", details="Elsewhere for less"
    )
    await make_choice(summary, "📨 Send the cancellation request")
    await shop.buyer.expect(contains="#1")
    thread = (await shop.agent.expect_event("topic"))["topic"]["thread_id"]
    card = await shop.agent.expect(contains="Ticket #1", chat=shop.group, thread=thread)
    assert "🛑 Cancellation · waiting for the store's decision" in card.text
    assert "Reason: found it cheaper" in card.text
    assert card.buttons == [["✅ Approve cancellation", "❌ Reject"], ["✅ Close ticket"]]
    await card.press("✅ Approve cancellation")
    assert "you will be refunded" in (await shop.buyer.expect(contains="cancelled order W-1 (#1)")).text
    edited = await shop.agent.expect_edit(card)
    assert "approved, the order is cancelled and refunded" in edited.text
    assert edited.buttons == [["✅ Close ticket"]]
    await shop.agent.expect(contains="✅ Cancellation #1 approved", chat=shop.group, thread=thread)
    await shop.agent.client.assert_quiet()
    await shop.buyer.client.assert_quiet()
    assert await _order_status(bot_app, shop) == "cancelled"
    async with bot_app.deps.uow_factory() as uow:
        cancellation = await uow.requests.cancellation_by_ticket(1)
        assert isinstance(cancellation, Cancellation) and str(cancellation.reason) == "found_cheaper"
        assert cancellation.decided_by and cancellation.decided_at is not None


async def test_a_rejected_cancellation_tells_the_buyer_why(chat, bot_app):
    shop = await _shop(chat, bot_app, OrderStatus.CONFIRMED)
    card = await _open(shop, "cancel_order", "Changed my mind: sorry")
    await card.press("❌ Reject")
    prompt = await shop.agent.expect(contains="Rejecting cancellation #1", chat=shop.group, thread=card.thread_id)
    await shop.agent.reply(prompt, "It is made to order and already in production.")
    told = await shop.buyer.expect(contains="did not cancel order W-1 (#1)")
    assert "made to order" in told.text
    edited = await shop.agent.expect_edit(card)
    assert "🛑 Cancellation · rejected" in edited.text and "Store's reason: It is made to order" in edited.text
    await shop.agent.expect(contains="❌ Cancellation #1 rejected", chat=shop.group, thread=card.thread_id)
    await shop.agent.client.assert_quiet()
    await shop.buyer.client.assert_quiet()
    assert await _order_status(bot_app, shop) == "confirmed"


@pytest.mark.parametrize(
    ("button", "buyer_says", "card_says", "line", "status"),
    [
        (
            "📦 Interception succeeded",
            "stopped the parcel",
            "intercepted, the order is cancelled",
            "intercepted",
            "cancelled",
        ),
        (
            "🚚 Interception failed",
            "could not stop the parcel",
            "interception failed, not refunded",
            "failed",
            "shipped",
        ),
    ],
)
async def test_a_domestic_parcel_on_its_way_is_intercepted_or_not(
    chat, bot_app, button, buyer_says, card_says, line, status
):
    shop = await _shop(chat, bot_app, OrderStatus.SHIPPED)
    card = await _open(shop, "cancel_order", "Changed my mind: sorry")
    assert "on its way: try to intercept the parcel" in card.text
    assert card.buttons == [["📦 Interception succeeded", "🚚 Interception failed"], ["✅ Close ticket"]]
    await card.press(button)
    await shop.buyer.expect(contains=buyer_says)
    edited = await shop.agent.expect_edit(card)
    assert card_says in edited.text and edited.buttons == [["✅ Close ticket"]]
    await shop.agent.expect(contains=line, chat=shop.group, thread=card.thread_id)
    await shop.agent.client.assert_quiet()
    await shop.buyer.client.assert_quiet()
    assert await _order_status(bot_app, shop) == status


async def test_an_international_parcel_on_its_way_gets_no_refund_buttons(chat, bot_app):
    shop = await _shop(chat, bot_app, OrderStatus.IN_TRANSIT, international=True)
    card = await _open(shop, "cancel_order", "Changed my mind: sorry")
    assert "international parcel on its way: it cannot be stopped and is not refunded" in card.text
    assert card.buttons == [["✅ Close ticket"]]
    await shop.agent.client.assert_quiet()
    await shop.buyer.client.assert_quiet()


async def test_a_non_agents_press_gets_an_alert_and_changes_nothing(chat, bot_app):
    shop = await _shop(chat, bot_app, OrderStatus.CONFIRMED, colleagues=("Eve",))
    eve = shop.colleagues[0]
    async with bot_app.deps.uow_factory() as uow:  # Eve left the store but is still in its group
        for agent in await uow.stores.agents(1, active_only=False):
            if agent.display_name == "Eve":
                agent.active = False
        await uow.commit()
    card = await _open(shop, "change_address", NEW_ADDRESS)
    await eve.expect_event("topic")
    await eve.expect(contains="Ticket #1", chat=shop.group, thread=card.thread_id)
    answer = await eve.press(card, "✅ Apply")
    assert answer["show_alert"] is True and "Only the store's agents" in answer["text"]
    await shop.buyer.client.assert_quiet()
    await shop.agent.client.assert_quiet()
    async with bot_app.deps.uow_factory() as uow:
        assert (await uow.orders.get(shop.order_id)).shipping_address == "Torstraße 12, Berlin"


async def test_a_private_card_carries_the_buttons_and_is_redrawn(chat, bot_app):
    shop = await make_shop(chat, bot_app, with_group=False)
    await _order_is(bot_app, shop, OrderStatus.CONFIRMED)
    await buyer_has_started_the_bot(shop)
    await shop.buyer.send("/open change_size_colour black instead of white")
    card = await shop.agent.expect(contains="Size or colour change asked for")
    assert card.buttons == [["✅ Apply", "❌ Decline"], ["✅ Close ticket"]]
    await copy_recorded(bot_app, card)
    await card.press("✅ Apply")  # one item: no need to ask which
    assert "(Desk lamp)" in (await shop.buyer.expect(contains="made the change you asked for in #1")).text
    edited = await shop.agent.expect_edit(card)
    assert "Size or colour change asked for · applied" in edited.text and "Item: Desk lamp" in edited.text
    await shop.agent.expect(contains="✅ Change #1 applied to order W-1 (Desk lamp)")
    await shop.agent.client.assert_quiet()
    await shop.buyer.client.assert_quiet()
    async with bot_app.deps.uow_factory() as uow:
        (item,) = (await uow.orders.get(shop.order_id)).items
        assert item.title == "Desk lamp (black instead of white)"


async def test_removing_a_product_asks_which_item_and_never_the_only_one(chat, bot_app):
    shop = await _shop(chat, bot_app, OrderStatus.CONFIRMED)
    card = await _open(shop, "remove_product", "the lamp shade please")
    answer = await card.press("✅ Apply")
    assert answer["show_alert"] is True and "only item" in answer["text"]
    async with bot_app.deps.uow_factory() as uow:
        uow.session.add(
            OrderItem(
                order_id=shop.order_id, position=2, sku="SHADE", title="Lamp shade", quantity=1, unit_price_minor=999
            )
        )
        await uow.commit()
    await card.press("✅ Apply")
    items = await shop.agent.expect_edit(card)
    assert items.buttons == [["Desk lamp × 2"], ["Lamp shade × 1"], ["⬅️ Back"]]
    await items.press("⬅️ Back")
    back = await shop.agent.expect_edit(card)
    assert back.buttons == [["✅ Apply", "❌ Decline"], ["✅ Close ticket"]]
    await back.press("✅ Apply")
    await (await shop.agent.expect_edit(card)).press("Lamp shade × 1")
    await shop.buyer.expect(contains="made the change you asked for in #1 on order W-1 (Lamp shade)")
    edited = await shop.agent.expect_edit(card)
    assert "Product removal asked for · applied" in edited.text and edited.buttons == [["✅ Close ticket"]]
    await shop.agent.expect(contains="✅ Change #1 applied", chat=shop.group, thread=card.thread_id)
    await shop.agent.client.assert_quiet()
    await shop.buyer.client.assert_quiet()
    async with bot_app.deps.uow_factory() as uow:
        assert [item.sku for item in (await uow.orders.get(shop.order_id)).items] == ["LAMP-1"]
