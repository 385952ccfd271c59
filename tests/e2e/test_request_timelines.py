"""An after-sales request's status, timeline and what is due next: the buyer's view of the ticket, the store's button.

Requests are made by the domain's `submit_request` (`test_request_decisions.submit`); times are the store's (UTC here).
"""

from __future__ import annotations

import pytest

from tests.e2e.seller_side import Shop, buyer_has_started_the_bot, make_shop
from tests.e2e.test_request_decisions import submit


@pytest.fixture
async def shop(chat, bot_app) -> Shop:
    shop = await make_shop(chat, bot_app, with_group=True)
    await buyer_has_started_the_bot(shop)
    return shop


async def buyer_timeline(shop):
    await shop.buyer.send("/tickets")
    listing = await shop.buyer.expect(contains="Your tickets")
    await listing.press(listing.buttons[0][0])
    timeline = await shop.buyer.expect(contains="Request #1")
    await shop.buyer.expect_edit(listing)  # the used keyboard closes
    return timeline


async def test_the_buyer_sees_the_status_and_when_the_store_answers(shop, bot_app):
    await submit(shop, bot_app)
    text = (await buyer_timeline(shop)).text
    assert "📋 Request #1 · waiting for the store's decision" in text
    assert "Submitted: Defective item, reshipment wanted" in text
    assert "⏰ The store answers by 24 Nov 12:00 UTC (in 48 h)" in text
    await shop.buyer.client.assert_quiet()
    await shop.agent.client.assert_quiet()


async def test_after_a_rejection_the_buyer_sees_the_reason_and_the_escalation_window(shop, bot_app):
    _, card, _ = await submit(shop, bot_app)
    await card.press("❌ Reject")
    reasons = await shop.agent.expect_edit(card)
    await reasons.press("Photos do not show the fault")
    prompt = await shop.agent.expect(contains="Rejecting #1", chat=shop.group, thread=card.thread_id)
    await shop.agent.reply(prompt, "The lamp in the photos is lit.")
    await shop.buyer.expect(contains="rejected your request #1")
    await shop.agent.expect_edit(card)
    await shop.agent.expect(contains="❌ Request #1 rejected", chat=shop.group, thread=card.thread_id)
    text = (await buyer_timeline(shop)).text
    assert "📋 Request #1 · rejected" in text
    assert "Rejected: Photos do not show the fault · The lamp in the photos is lit." in text
    assert "You may escalate until" in text and "The store answers" not in text
    assert "Alex" not in text and "Reminder" not in text  # no agent's name, no store reminders
    await shop.buyer.client.assert_quiet()
    await shop.agent.client.assert_quiet()


async def test_a_pending_offer_pauses_the_stores_answer_time(shop, bot_app):
    _, card, _ = await submit(shop, bot_app)
    await card.press("➗ Partial refund")
    amounts = await shop.agent.expect_edit(card)
    await amounts.press(amounts.buttons[0][1])
    await shop.buyer.expect(contains="partial refund")
    await shop.agent.expect_edit(card)
    await shop.agent.expect(contains="Partial refund of", chat=shop.group, thread=card.thread_id)
    text = (await buyer_timeline(shop)).text
    assert "📋 Request #1 · offer pending" in text
    assert "Partial refund offered: €17.50" in text
    assert "⏸ The store's time to answer is paused while the offer waits for you (48 h left)" in text
    assert "⏰ You answer the offer by" in text
    await shop.buyer.client.assert_quiet()
    await shop.agent.client.assert_quiet()


async def test_the_agents_timeline_button_posts_the_stores_view_in_the_topic(shop, bot_app):
    _, card, _ = await submit(shop, bot_app)
    await card.press("✅ Approve")
    await shop.buyer.expect(contains="approved your request #1")
    edited = await shop.agent.expect_edit(card)
    await shop.agent.expect(contains="✅ Request #1 approved", chat=shop.group, thread=card.thread_id)
    await edited.press("📜 Timeline")
    posted = await shop.agent.expect(contains="📋 Request #1 · approved", chat=shop.group, thread=card.thread_id)
    assert "Times in UTC" in posted.text
    assert "Approved: reshipment · " in posted.text  # with the agent's name
    assert "⏰ Ship the replacement by" in posted.text and " h)" in posted.text
    await shop.buyer.client.assert_quiet()
    await shop.agent.client.assert_quiet()
