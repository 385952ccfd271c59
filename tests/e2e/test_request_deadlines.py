"""The store's answer deadline acts: reminders in the topic, then approval by the system; an offer pauses it.

The request is made by the domain's `submit_request` (as in test_request_decisions);
the test clock is moved and the timer sweeper woken, as the bot's clock would move.
Submitted at 22 Nov 12:00 UTC, the store may answer until 24 Nov 12:00 (2 days).
"""

from __future__ import annotations

import asyncio

import pytest

from tests.e2e.seller_side import Shop, buyer_has_started_the_bot, make_shop
from tests.e2e.test_request_decisions import submit


@pytest.fixture
async def shop(chat, bot_app) -> Shop:
    shop = await make_shop(chat, bot_app, with_group=True)
    await buyer_has_started_the_bot(shop)
    return shop


async def move_clock(bot_app, **delta: float) -> None:
    """The clock moves on and the sweeper looks at once (else it polls every few seconds)."""
    bot_app.deps.clock.advance(**delta)
    bot_app.wake_timers_in(0)


async def quiet_after_a_sweep(shop: Shop) -> None:
    await asyncio.sleep(0.5)  # the woken sweep and what it might send
    await shop.agent.client.assert_quiet(within=1.0)


async def submitted(shop: Shop, bot_app):
    """The request, its card, and a first answer in the topic (so only the request's own clock runs)."""
    _, card, _ = await submit(shop, bot_app)
    await shop.agent.send("We are looking at it.", chat=shop.group, thread=card.thread_id)
    await shop.buyer.expect(contains="We are looking at it.")
    await shop.agent.expect_topic("🔵 #1 Problem report", chat=shop.group, thread=card.thread_id)
    await shop.agent.client.assert_quiet()
    return card


async def status(bot_app) -> str:
    async with bot_app.deps.uow_factory() as uow:
        return str((await uow.requests.by_ticket(1)).status)


async def test_reminders_then_the_request_is_approved_when_the_store_stays_silent(shop, bot_app):
    card = await submitted(shop, bot_app)
    thread = card.thread_id
    await move_clock(bot_app, hours=24)
    half = await shop.agent.expect(contains="⏰ Request #1", chat=shop.group, thread=thread, timeout=8)
    assert "half the time is gone, it is due 24 Nov 12:00 UTC (in 24 h)" in half.text
    assert "Answer by: 24 Nov 12:00 UTC (in 24 h)" in (await shop.agent.expect_edit(card)).text
    await shop.agent.client.assert_quiet()

    await move_clock(bot_app, hours=22)
    late = await shop.agent.expect(contains="⏰ Request #1", chat=shop.group, thread=thread, timeout=8)
    assert "still has no decision: it is due 24 Nov 12:00 UTC (in 2 h)" in late.text
    assert "approved automatically" in late.text
    assert "(in 2 h)" in (await shop.agent.expect_edit(card)).text
    await shop.agent.client.assert_quiet()

    await move_clock(bot_app, hours=2, seconds=-1)  # one second before the due time: nothing yet
    await quiet_after_a_sweep(shop)
    assert await status(bot_app) == "awaiting_seller"

    await move_clock(bot_app, seconds=1)
    told = await shop.buyer.expect(contains="approved your request #1", timeout=8)
    assert "the store did not answer in time, so it was approved automatically" in told.text
    assert ": reshipment." in told.text
    edited = await shop.agent.expect_edit(card)
    assert "📋 Defective item · approved" in edited.text and "Decided: reshipment" in edited.text
    assert ["✅ Approve", "❌ Reject"] not in edited.buttons
    line = await shop.agent.expect(contains="Request #1 approved", chat=shop.group, thread=thread)
    assert "approved automatically: the store did not answer in time" in line.text
    await shop.agent.client.assert_quiet()
    assert await status(bot_app) == "approved"


async def test_a_pending_offer_pauses_the_clock_and_its_withdrawal_resumes_what_was_left(shop, bot_app):
    card = await submitted(shop, bot_app)
    thread = card.thread_id
    await move_clock(bot_app, hours=30)  # past half-time: one reminder, 18 h left
    assert "(in 18 h)" in (await shop.agent.expect(contains="⏰ Request #1", chat=shop.group, thread=thread)).text
    await shop.agent.expect_edit(card)
    await shop.agent.client.assert_quiet()

    await card.press("➗ Partial refund")
    amounts = await shop.agent.expect_edit(card)
    await amounts.press(amounts.buttons[0][0])
    buyer_card = await shop.buyer.expect(contains="offers a partial refund")
    offered = await shop.agent.expect_edit(card)
    assert "Answer by" not in offered.text and "Buyer answers by: 24 Nov 18:00 UTC (in 24 h)" in offered.text
    store_card = await shop.agent.expect(contains="your answer clock is paused", chat=shop.group, thread=thread)
    await shop.agent.client.assert_quiet()

    await move_clock(bot_app, hours=20)  # the first due time (24 Nov 12:00) passes while the offer waits
    await quiet_after_a_sweep(shop)
    assert await status(bot_app) != "approved"

    await offered.press("↩️ Withdraw offer")
    await shop.buyer.expect_edit(buyer_card)
    await shop.buyer.expect(contains="withdrew its offer")
    back = await shop.agent.expect_edit(card)
    assert "Answer by: 25 Nov 08:00 UTC (in 18 h)" in back.text  # what was left when the offer paused it
    await shop.agent.expect_edit(store_card)
    await shop.agent.expect(contains="the answer clock runs again", chat=shop.group, thread=thread)
    await shop.agent.client.assert_quiet()

    await move_clock(bot_app, hours=18, seconds=-1)
    assert "(in 1 h)" in (await shop.agent.expect(contains="⏰ Request #1", chat=shop.group, thread=thread)).text
    await shop.agent.expect_edit(card)
    await shop.agent.client.assert_quiet()
    assert await status(bot_app) == "awaiting_seller"
    await move_clock(bot_app, seconds=1)
    assert "approved automatically" in (await shop.buyer.expect(contains="approved your request #1", timeout=8)).text
    await shop.agent.expect_edit(card)
    await shop.agent.expect(contains="approved automatically", chat=shop.group, thread=thread)
    await shop.agent.client.assert_quiet()
