"""The buyer's order card: items, prices, total, address and status, and only the reasons that fit the order.

What no longer applies is one line saying why, not a button that leads to a
refusal; a button pressed on a card older than the order's status gets an
alert saying why, and the card is brought up to date.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from domain.enums import OrderStatus
from domain.services.order_files import ItemRow
from domain.services.orders import import_orders
from tests.e2e.conftest import bind, open_menu, order_row

ITEMS = (ItemRow("LAMP-1", "Desk lamp", 2, 3499), ItemRow("BULB-E27", "Bulb E27", 1, 250))
ADDRESS = "Torstraße 12, 10119 Berlin"
CHANGES_OVER = "Changes (address, size or colour, removing a product) are no longer possible"


def row(number: str, status: OrderStatus, **fields):
    delivered_on = date(2026, 11, 20) if status == OrderStatus.DELIVERED else None
    return replace(
        order_row(number, status, delivered_on=delivered_on), items=ITEMS, shipping_address=ADDRESS, **fields
    )


async def marketplace_reports(bot_app, shop, *rows) -> None:
    """Orders created or updated as the marketplace's import does it; new numbers join `shop.orders`."""
    deps = bot_app.deps
    async with deps.uow_factory() as uow:
        await import_orders(uow, deps.clock, shop.store_id, list(rows))
        for one in rows:
            shop.orders[one.number] = (await uow.orders.by_number(shop.store_id, one.number)).id
        await uow.commit()


def buttons(message) -> list[str]:
    return [button for line in message.buttons for button in line]


CASES = {
    OrderStatus.CONFIRMED: (
        [
            "Remove a product",
            "Change size or colour",
            "Change the shipping address",
            "Order status",
            "Delivery estimate and tracking",
            "Cancel the order",
            "Contact the seller",
        ],
        [
            "Status: confirmed, not shipped yet",
            "✅ Changes (address, size or colour, removing a product) are still possible.",
            "🕓 Problems with the items, returns and refunds can be asked for once the order has been delivered.",
        ],
    ),
    OrderStatus.SHIPPED: (
        ["Order status", "Delivery estimate and tracking", "Cancel the order", "Contact the seller"],
        [
            "Status: shipped",
            f"⛔ {CHANGES_OVER}: the order has shipped.",
            "🕓 Problems with the items, returns and refunds can be asked for once the order has been delivered.",
        ],
    ),
    OrderStatus.DELIVERED: (
        ["Order status", "Report a problem with the item", "Return, exchange or refund", "Contact the seller"],
        [
            "Status: delivered on 2026-11-20",
            f"⛔ {CHANGES_OVER}: the order has been delivered.",
            "⛔ It can no longer be cancelled: it has been delivered. To send it back, choose Return, exchange or refund.",
        ],
    ),
    OrderStatus.CANCELLED: (
        ["Order status", "Contact the seller"],
        [
            "Status: cancelled",
            "⛔ This order is cancelled: it can no longer be changed, cancelled, returned or reported. "
            "You can still see its status or write to the seller.",
        ],
    ),
}


@pytest.mark.parametrize("status", list(CASES))
async def test_the_card_shows_the_order_and_only_the_reasons_that_fit_it(chat, shop, bot_app, status):
    await marketplace_reports(bot_app, shop, row("M-1", status))
    buyer = await chat.user("Alice", lang="en")
    await bind(bot_app, shop, buyer, "M-1")
    card = await open_menu(buyer, "M-1")
    offered, lines = CASES[status]
    assert buttons(card) == offered
    assert card.text.startswith("Order M-1 from Berlin Gadgets\n" + lines[0] + "\n\n")
    assert "• Desk lamp: 2 × €34.99\n• Bulb E27: 1 × €2.50\nTotal: €72.48\n" in card.text
    assert f"Shipping address: {ADDRESS}\n" in card.text
    assert "\n\n" + "\n".join(lines[1:]) + "\n\nWhat would you like to do?" in card.text


async def test_an_international_parcel_on_its_way_warns_before_the_cancel_button(chat, shop, bot_app):
    buyer = await chat.user("Alice", lang="en")
    await bind(bot_app, shop, buyer, "W-3")  # in transit, international
    card = await open_menu(buyer, "W-3")
    assert buttons(card) == ["Order status", "Delivery estimate and tracking", "Cancel the order", "Contact the seller"]
    assert (
        "⚠️ This international parcel cannot be stopped any more: if you cancel now, the order is not refunded."
        in card.text
    )
    assert "• Desk lamp: 2 × €34.99\nTotal: €69.98\n" in card.text


async def test_money_is_written_as_the_buyers_language_writes_it(chat, shop, bot_app):
    await marketplace_reports(bot_app, shop, row("M-2", OrderStatus.CONFIRMED, currency="CNY"))
    english, chinese = await chat.user("Alice", lang="en"), await chat.user("李伟", lang="zh-hans")
    await bind(bot_app, shop, english, "M-2")
    await bind(bot_app, shop, chinese, "M-2", lang="zh")
    assert "Total: CN¥72.48" in (await open_menu(english, "M-2")).text
    card = await open_menu(chinese, "M-2")
    assert (
        "• Desk lamp：2 × ¥34.99\n" in card.text and "合计：¥72.48" in card.text and f"收货地址：{ADDRESS}" in card.text
    )
    assert buttons(card) == [
        "删除商品",
        "更改尺码或颜色",
        "更改收货地址",
        "订单状态",
        "预计送达与物流跟踪",
        "取消订单",
        "联系卖家",
    ]


async def test_a_button_on_an_old_card_gets_an_alert_and_the_card_catches_up(chat, shop, bot_app):
    await marketplace_reports(bot_app, shop, row("M-3", OrderStatus.CONFIRMED))
    buyer = await chat.user("Alice", lang="en")
    await bind(bot_app, shop, buyer, "M-3")
    card = await open_menu(buyer, "M-3")

    await marketplace_reports(bot_app, shop, row("M-3", OrderStatus.SHIPPED))  # meanwhile, it ships
    answer = await card.press("Change the shipping address")
    assert answer["show_alert"] is True
    assert answer["text"] == (
        '"Change the shipping address" is no longer possible: this order has shipped already. '
        "The order's card now shows what you can do."
    )
    card = await buyer.expect_edit(card)
    assert buttons(card) == CASES[OrderStatus.SHIPPED][0] and "Status: shipped" in card.text

    await marketplace_reports(bot_app, shop, row("M-3", OrderStatus.DELIVERED))  # and arrives
    answer = await card.press("Delivery estimate and tracking")  # an instant answer's button, as stale
    assert answer["show_alert"] is True and "has been delivered already" in answer["text"]
    card = await buyer.expect_edit(card)
    assert buttons(card) == CASES[OrderStatus.DELIVERED][0]
    await card.press("Return, exchange or refund")  # what the card offers now works
    await buyer.expect(contains="What would you like, and why?")
    await buyer.send("/cancel")
    await buyer.expect(contains="Nothing was sent to the seller")


async def test_ask_the_seller_after_the_order_was_cancelled_gets_an_alert(chat, shop, bot_app):
    await marketplace_reports(bot_app, shop, row("M-4", OrderStatus.SHIPPED))
    buyer = await chat.user("Alice", lang="en")
    await bind(bot_app, shop, buyer, "M-4")
    card = await open_menu(buyer, "M-4")
    await card.press("Delivery estimate and tracking")
    eta = await buyer.expect(contains="Estimated delivery: 2026-11-25")

    await marketplace_reports(bot_app, shop, row("M-4", OrderStatus.CANCELLED))  # intercepted
    answer = await eta.press("💬 Ask the seller")
    assert answer["show_alert"] is True
    assert answer["text"] == '"Delivery estimate and tracking" is no longer possible: this order is cancelled.'
    await buyer.send("/tickets")
    await buyer.expect(contains="You have no tickets yet")  # nothing was opened
