"""The buyer withdraws a cancellation while it waits for the store: from the ticket's timeline, end to end."""

from __future__ import annotations

from domain.enums import OrderStatus
from tests.e2e.conftest import make_choice
from tests.e2e.test_change_decisions import _open, _order_status, _shop


async def _timeline(shop):
    await shop.buyer.send("/tickets")
    listing = await shop.buyer.expect(contains="#1")
    await make_choice(listing, listing.buttons[0][0])
    return await shop.buyer.expect(contains="Changed my mind")


async def test_the_buyer_withdraws_a_waiting_cancellation_and_the_store_is_told(chat, bot_app):
    shop = await _shop(chat, bot_app, OrderStatus.CONFIRMED)
    card = await _open(shop, "cancel_order", "Changed my mind: sorry")
    assert card.buttons[0] == ["✅ Approve cancellation", "❌ Reject"]
    timeline = await _timeline(shop)
    assert timeline.buttons == [["↩️ Withdraw my cancellation"], ["✅ Close this ticket"]]

    await timeline.press("↩️ Withdraw my cancellation")
    assert (await shop.buyer.expect_edit(timeline)).text.endswith("✔️ ↩️ Withdraw my cancellation")
    told = await shop.buyer.expect(contains="You withdrew the cancellation of order W-1 (#1)")
    assert "the order goes on and Berlin Gadgets has been told" in told.text
    edited = await shop.agent.expect_edit(card)
    assert "🛑 Cancellation · withdrawn by the buyer, the order goes on" in edited.text
    assert edited.buttons == [["✅ Close ticket"]]  # no Approve, no Reject
    await shop.agent.expect(contains="↩️ The buyer withdrew cancellation #1", chat=shop.group, thread=card.thread_id)
    await shop.agent.client.assert_quiet()
    await shop.buyer.client.assert_quiet()
    assert await _order_status(bot_app, shop) == "confirmed"
    async with bot_app.deps.uow_factory() as uow:
        assert str((await uow.requests.cancellation_by_ticket(1)).status) == "withdrawn"

    # A fresh timeline offers no withdrawal any more.
    assert (await _timeline(shop)).buttons == [["✅ Close this ticket"]]
    await shop.agent.client.assert_quiet()
    await shop.buyer.client.assert_quiet()
    assert await _order_status(bot_app, shop) == "confirmed"


async def test_a_decided_cancellation_offers_no_withdrawal_and_a_stale_press_is_refused(chat, bot_app):
    shop = await _shop(chat, bot_app, OrderStatus.CONFIRMED)
    card = await _open(shop, "cancel_order", "Changed my mind: sorry")
    timeline = await _timeline(shop)  # shown while it waited
    await card.press("✅ Approve cancellation")
    await shop.buyer.expect(contains="cancelled order W-1 (#1)")
    await shop.agent.expect_edit(card)
    await shop.agent.expect(contains="✅ Cancellation #1 approved", chat=shop.group, thread=card.thread_id)
    answer = await timeline.press("↩️ Withdraw my cancellation")
    assert answer["show_alert"] is True and answer["text"] == "the store has decided on it already"
    assert (await _timeline(shop)).buttons == [["✅ Close this ticket"]]
    await shop.agent.client.assert_quiet()
    await shop.buyer.client.assert_quiet()
    assert await _order_status(bot_app, shop) == "cancelled"
