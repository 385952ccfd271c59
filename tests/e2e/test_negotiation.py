"""The negotiation card end to end: the buyer's Accept, Reject and Counter-offer, the expiry, the store's side.

Each test ends asserting nothing else arrived: a duplicate card, a second edit or
an extra line fails it. The sandbox is strict, so an edit Telegram would refuse
("message is not modified") fails it too.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from domain.clock import FakeClock
from domain.models import OutboundWebhook
from domain.storage.migrate import upgrade
from sandbox.client import SandboxClient
from tests.e2e.seller_side import Shop, buyer_has_started_the_bot, make_shop
from tests.e2e.test_request_deadlines import move_clock, quiet_after_a_sweep, submitted
from tests.e2e.test_request_decisions import submit

PROPOSED_AT = datetime(2026, 11, 22, 12, tzinfo=UTC)  # the restart test's clock (the harness's start)


@pytest.fixture
async def shop(chat, bot_app) -> Shop:
    shop = await make_shop(chat, bot_app, with_group=True)
    await buyer_has_started_the_bot(shop)
    return shop


async def allow_counter_offers(bot_app) -> None:
    async with bot_app.deps.uow_factory() as uow:
        store = await uow.stores.get(1)
        store.counter_offers_allowed = True
        await uow.commit()


async def offer(shop: Shop, bot_app, amount: str = "€17.50"):
    """The agent offers `amount` from the request card: (request card, buyer's card, store's card)."""
    card = await submitted(shop, bot_app)
    await card.press("➗ Partial refund")
    amounts = await shop.agent.expect_edit(card)
    await amounts.press(amount)
    buyer_card = await shop.buyer.expect(contains="offers a partial refund")
    card = await shop.agent.expect_edit(card)
    store_card = await shop.agent.expect(contains="Partial refund offered", chat=shop.group, thread=card.thread_id)
    await shop.agent.client.assert_quiet()
    return card, buyer_card, store_card


async def request_state(bot_app) -> tuple[str, int | None]:
    async with bot_app.deps.uow_factory() as uow:
        request = await uow.requests.get(1)
        return str(request.status), request.refund_amount_minor


async def money_events(bot_app) -> list[tuple[str, dict | None]]:
    async with bot_app.deps.uow_factory() as uow:
        rows = (await uow.session.scalars(select(OutboundWebhook).order_by(OutboundWebhook.id))).all()
        return [(row.event_type, row.payload.get("amount")) for row in rows]


async def accepted_everywhere(shop: Shop, card, buyer_card, store_card) -> None:
    """What an accepted offer shows: the buyer's card, the request card, the store's card, a line for the store."""
    await shop.buyer.expect_edit(buyer_card)
    await shop.agent.expect_edit(card)
    await shop.agent.expect_edit(store_card)
    await shop.agent.expect(contains="The buyer accepted", chat=shop.group, thread=card.thread_id)
    await shop.agent.client.assert_quiet()


async def test_the_buyer_accepts_the_card_the_request_is_resolved_and_the_marketplace_told(shop, bot_app):
    card, buyer_card, store_card = await offer(shop, bot_app)
    assert "• Desk lamp × 1" in buyer_card.text and "You asked for: reshipment" in buyer_card.text
    assert "(in 24 h)" in buyer_card.text and buyer_card.buttons == [["✅ Accept", "❌ Reject"]]
    answer = await buyer_card.press("✅ Accept")
    assert answer["text"] == "Accepted." and not answer["show_alert"]
    accepted = await shop.buyer.expect_edit(buyer_card)
    assert "✅ Accepted" in accepted.text and "€17.50" in accepted.text and accepted.buttons == []
    assert "partially refunded" in (await shop.agent.expect_edit(card)).text
    assert "✅ Accepted" in (await shop.agent.expect_edit(store_card)).text
    told = await shop.agent.expect(contains="The buyer accepted", chat=shop.group, thread=card.thread_id)
    assert "€17.50" in told.text
    await shop.agent.client.assert_quiet()
    assert await request_state(bot_app) == ("partially_refunded", 1750)
    assert await money_events(bot_app) == [("partial_refund.accepted", {"minor": 1750, "currency": "EUR"})]


async def test_the_buyer_rejects_and_the_request_returns_to_the_store(shop, bot_app):
    card, buyer_card, store_card = await offer(shop, bot_app)
    answer = await buyer_card.press("❌ Reject")
    assert answer["text"] == "Declined."
    declined = await shop.buyer.expect_edit(buyer_card)
    assert "❌ Declined" in declined.text and declined.buttons == []
    back = await shop.agent.expect_edit(card)
    assert back.buttons[0] == ["✅ Approve", "❌ Reject"]
    assert all("Partial refund" not in label for row in back.buttons for label in row)  # approve or reject now
    await shop.agent.expect_edit(store_card)
    await shop.agent.expect(contains="The buyer declined the offer", chat=shop.group, thread=card.thread_id)
    await shop.agent.client.assert_quiet()
    assert await request_state(bot_app) == ("awaiting_seller", None)
    assert await money_events(bot_app) == []


async def test_one_reminder_two_hours_before_and_expiry_at_exactly_24_hours(shop, bot_app):
    card, buyer_card, store_card = await offer(shop, bot_app)
    await move_clock(bot_app, hours=22, seconds=-1)
    await quiet_after_a_sweep(shop)
    await move_clock(bot_app, seconds=1)
    reminder = await shop.buyer.expect(contains="2 hours left to answer the offer", timeout=8)
    assert "€17.50" in reminder.text and reminder["reply_to_message_id"] == buyer_card.message_id
    await quiet_after_a_sweep(shop)  # one reminder, for the buyer only
    await move_clock(bot_app, hours=2, seconds=-1)  # 23:59:59: still open
    await quiet_after_a_sweep(shop)
    assert await request_state(bot_app) == ("offer_pending", None)
    await move_clock(bot_app, seconds=1)  # 24:00:00
    expired = await shop.buyer.expect_edit(buyer_card, timeout=8)
    assert "⌛ Expired" in expired.text and expired.buttons == []
    await shop.buyer.expect(contains="The offer for your request #1 has expired")
    back = await shop.agent.expect_edit(card)
    assert back.buttons[0] == ["✅ Approve", "❌ Reject"]
    assert "⌛ Expired" in (await shop.agent.expect_edit(store_card)).text
    await shop.agent.expect(contains="did not answer the offer for #1", chat=shop.group, thread=card.thread_id)
    await shop.agent.client.assert_quiet()


async def test_a_press_at_23_59_59_wins_and_one_at_24_00_00_loses(shop, bot_app):
    card, buyer_card, store_card = await offer(shop, bot_app)
    bot_app.deps.clock.advance(hours=24)  # the sweeper has not looked yet: the card still has its buttons
    answer = await buyer_card.press("✅ Accept")
    assert answer["show_alert"] and answer["text"].startswith("This offer expired at ")
    expired = await shop.buyer.expect_edit(buyer_card)  # the pressed card says so at once
    assert "⌛ Expired" in expired.text and expired.buttons == []
    bot_app.wake_timers_in(0)
    await shop.buyer.expect(contains="has expired", timeout=8)  # the card is not edited twice
    await shop.agent.expect_edit(card)
    await shop.agent.expect_edit(store_card)
    await shop.agent.expect(contains="did not answer the offer", chat=shop.group, thread=card.thread_id)
    await shop.agent.client.assert_quiet()
    assert await money_events(bot_app) == []


async def test_accept_at_the_last_second_wins(shop, bot_app):
    card, buyer_card, store_card = await offer(shop, bot_app)
    bot_app.deps.clock.advance(hours=24, seconds=-1)
    assert (await buyer_card.press("✅ Accept"))["text"] == "Accepted."
    await accepted_everywhere(shop, card, buyer_card, store_card)
    bot_app.deps.clock.advance(seconds=1)
    bot_app.wake_timers_in(0)
    await quiet_after_a_sweep(shop)  # the expiry's deadline went with the answer
    assert await request_state(bot_app) == ("partially_refunded", 1750)
    assert await money_events(bot_app) == [("partial_refund.accepted", {"minor": 1750, "currency": "EUR"})]


async def test_a_double_press_decides_once_and_the_second_is_told_truthfully(shop, bot_app):
    card, buyer_card, store_card = await offer(shop, bot_app)
    answers = await asyncio.gather(buyer_card.press("✅ Accept"), buyer_card.press("✅ Accept"))
    texts = sorted(a["text"] for a in answers)
    assert texts[0] == "Accepted." and texts[1].startswith("This offer was accepted already"), texts
    await accepted_everywhere(shop, card, buyer_card, store_card)  # once: no second edit, no second line
    assert await money_events(bot_app) == [("partial_refund.accepted", {"minor": 1750, "currency": "EUR"})]


async def test_accept_and_reject_from_two_devices_end_in_one_outcome(shop, bot_app):
    card, buyer_card, store_card = await offer(shop, bot_app)
    answers = await asyncio.gather(buyer_card.press("✅ Accept"), buyer_card.press("❌ Reject"))
    alerts = [a for a in answers if a["show_alert"]]
    assert len(alerts) == 1, answers
    status, _ = await request_state(bot_app)
    assert status in ("partially_refunded", "awaiting_seller")
    if status == "partially_refunded":
        await accepted_everywhere(shop, card, buyer_card, store_card)
    else:
        await shop.buyer.expect_edit(buyer_card)
        await shop.agent.expect_edit(card)
        await shop.agent.expect_edit(store_card)
        await shop.agent.expect(contains="The buyer declined", chat=shop.group, thread=card.thread_id)
        await shop.agent.client.assert_quiet()
    assert len(await money_events(bot_app)) == (1 if status == "partially_refunded" else 0)


async def test_a_counter_offer_accepted_by_the_store(shop, bot_app):
    await allow_counter_offers(bot_app)
    card, buyer_card, store_card = await offer(shop, bot_app)
    assert buyer_card.buttons == [["✅ Accept", "❌ Reject"], ["↔️ Counter-offer"]]
    await buyer_card.press("↔️ Counter-offer")
    ask = await shop.buyer.expect(contains="How much do you ask")
    assert ask.buttons and ask.buttons[0][-1] == "€34.99"  # up to what was paid
    await ask.press(ask.buttons[0][0])
    countered = await shop.buyer.expect_edit(buyer_card)
    assert "counter-offer" in countered.text and countered.buttons == []
    await shop.buyer.expect_edit(ask)  # the suggestions are spent
    sent = await shop.buyer.expect(contains="Your counter-offer of")
    assert ask.buttons[0][0] in sent.text
    await shop.agent.expect_edit(card)
    await shop.agent.expect_edit(store_card)
    counter = await shop.agent.expect(contains="The buyer counters", chat=shop.group, thread=card.thread_id)
    assert counter.buttons == [["✅ Accept", "❌ Reject"]]
    await shop.agent.client.assert_quiet()
    assert (await counter.press("✅ Accept"))["text"] == "Accepted."
    assert "✅ Accepted" in (await shop.agent.expect_edit(counter)).text
    await shop.agent.expect_edit(card)
    await shop.buyer.expect(contains="accepted your counter-offer")
    await shop.agent.client.assert_quiet()
    events = await money_events(bot_app)
    assert [kind for kind, _ in events] == ["counter_offer.accepted"]
    assert (await request_state(bot_app))[0] == "partially_refunded"


async def test_a_counter_offer_rejected_then_no_second_counter(shop, bot_app):
    await allow_counter_offers(bot_app)
    card, buyer_card, store_card = await offer(shop, bot_app)
    await buyer_card.press("↔️ Counter-offer")
    ask = await shop.buyer.expect(contains="How much do you ask")
    await ask.press(ask.buttons[0][-1])  # all that was paid
    await shop.buyer.expect_edit(buyer_card)
    await shop.buyer.expect_edit(ask)
    await shop.buyer.expect(contains="Your counter-offer of €34.99")
    await shop.agent.expect_edit(card)
    await shop.agent.expect_edit(store_card)
    counter = await shop.agent.expect(contains="The buyer counters: €34.99", chat=shop.group, thread=card.thread_id)
    assert (await counter.press("❌ Reject"))["text"] == "Declined."
    await shop.agent.expect_edit(counter)
    back = await shop.agent.expect_edit(card)
    assert back.buttons[0] == ["✅ Approve", "❌ Reject"]
    await shop.agent.expect(contains="counter-offer for #1 was declined", chat=shop.group, thread=card.thread_id)
    await shop.buyer.expect(contains="declined your counter-offer")
    await shop.agent.client.assert_quiet()
    assert ask is not None and await request_state(bot_app) == ("awaiting_seller", None)


async def test_a_counter_offer_the_store_lets_lapse_returns_to_its_decision(shop, bot_app):
    await allow_counter_offers(bot_app)
    card, buyer_card, store_card = await offer(shop, bot_app)
    await buyer_card.press("↔️ Counter-offer")
    ask = await shop.buyer.expect(contains="How much do you ask")
    await ask.press(ask.buttons[0][1])
    await shop.buyer.expect_edit(buyer_card)
    await shop.buyer.expect_edit(ask)
    await shop.buyer.expect(contains="Your counter-offer of")
    await shop.agent.expect_edit(card)
    await shop.agent.expect_edit(store_card)
    counter = await shop.agent.expect(contains="The buyer counters", chat=shop.group, thread=card.thread_id)
    await move_clock(bot_app, hours=22)
    await shop.agent.expect(
        contains="2 hours left to answer the buyer's counter-offer", chat=shop.group, thread=card.thread_id, timeout=8
    )
    await shop.agent.expect_edit(card)  # its "in N h" drawn again
    await move_clock(bot_app, hours=2)
    assert "⌛ Expired" in (await shop.agent.expect_edit(counter, timeout=8)).text
    await shop.agent.expect_edit(card)
    await shop.agent.expect(contains="was not answered in time", chat=shop.group, thread=card.thread_id)
    await shop.buyer.expect(contains="did not answer your counter-offer")
    await shop.agent.client.assert_quiet()
    assert await request_state(bot_app) == ("awaiting_seller", None)


async def test_no_counter_offer_button_where_the_store_does_not_take_them(shop, bot_app):
    _, buyer_card, _ = await offer(shop, bot_app)
    assert buyer_card.buttons == [["✅ Accept", "❌ Reject"]]


async def test_a_pending_offer_survives_a_restart_and_its_expiry_edits_the_card(sandbox, start_bot, tmp_path):
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'restart.sqlite3'}"
    await upgrade(database_url)
    async with SandboxClient(sandbox.url) as chat:
        async with start_bot(database_url, clock=FakeClock(start=PROPOSED_AT)) as app:
            shop = await make_shop(chat, app, with_group=True)
            await buyer_has_started_the_bot(shop)
            card, buyer_card, store_card = await offer(shop, app)
        await chat.assert_quiet()
        # Down through the reminder and the expiry; back an hour after the offer ran out.
        async with start_bot(database_url, clock=FakeClock(start=PROPOSED_AT + timedelta(hours=53))) as app:
            expired = await shop.buyer.expect_edit(buyer_card, timeout=8)
            assert "⌛ Expired" in expired.text and expired.buttons == []
            await shop.buyer.expect(contains="has expired")  # no reminder first: it is moot now
            await shop.agent.expect_edit(card)
            assert "⌛ Expired" in (await shop.agent.expect_edit(store_card)).text
            await shop.agent.expect(contains="did not answer the offer", chat=shop.group, thread=card.thread_id)
            await quiet_after_a_sweep(shop)
            async with app.deps.uow_factory() as uow:
                assert str((await uow.requests.get(1)).status) == "awaiting_seller"
    assert sandbox.violations == [], sandbox.violations


async def test_someone_else_pressing_the_store_s_card_changes_nothing(chat, bot_app):
    shop = await make_shop(chat, bot_app, with_group=True, colleagues=("Eve",))
    await buyer_has_started_the_bot(shop)
    async with bot_app.deps.uow_factory() as uow:  # Eve left the store but is still in its group
        for agent in await uow.stores.agents(1, active_only=False):
            agent.active = agent.display_name != "Eve"
        await uow.commit()
    eve = shop.colleagues[0]
    _, card, _ = await submit(shop, bot_app)
    await card.press("➗ Partial refund")
    await (await shop.agent.expect_edit(card)).press("€17.50")
    await shop.buyer.expect(contains="offers a partial refund")
    await shop.agent.expect_edit(card)
    store_card = await shop.agent.expect(contains="Partial refund offered", chat=shop.group, thread=card.thread_id)
    await eve.skip(within=0.5)  # Eve is still in the group: she sees what it sees (not this test's point)
    await shop.agent.client.assert_quiet()
    answer = await eve.press(store_card, "↩️ Withdraw offer")
    assert answer["show_alert"] and answer["text"] == "This offer is not yours to answer."
    assert await request_state(bot_app) == ("offer_pending", None)
    await shop.agent.client.assert_quiet()  # nothing changed: no edit, no line


def the_buyer_types_to_the_bot_itself(bot_app) -> None:
    """The seller-side harness stands in for the buyer's typing (group -2); the counter-offer needs the real bot."""
    stand_ins = [h for h in bot_app.handlers.get(-2, []) if getattr(h.callback, "__name__", "") == "buyer_writes"]
    for handler in stand_ins:
        bot_app.remove_handler(handler, group=-2)
    assert stand_ins


async def test_a_typed_counter_offer_is_asked_again_until_it_fits(shop, bot_app):
    await allow_counter_offers(bot_app)
    card, buyer_card, store_card = await offer(shop, bot_app)
    the_buyer_types_to_the_bot_itself(bot_app)
    await buyer_card.press("↔️ Counter-offer")
    ask = await shop.buyer.expect(contains="How much do you ask")
    for typed, why in (("€5", "not more than the offer"), ("lots", "could not read"), ("100", "more than the €34.99")):
        await shop.buyer.send(typed)
        assert why in (await shop.buyer.expect(contains="Please press an amount or type one")).text
    await shop.buyer.send("25")
    await shop.buyer.expect_edit(buyer_card)
    await shop.buyer.expect(contains="Your counter-offer of €25.00")
    await shop.agent.expect_edit(card)
    await shop.agent.expect_edit(store_card)
    await shop.agent.expect(contains="The buyer counters: €25.00", chat=shop.group, thread=card.thread_id)
    await shop.agent.client.assert_quiet()
    assert ask.buttons  # the suggestions stay on the question; the amount was typed


async def test_cancel_leaves_the_offer_as_it_was(shop, bot_app):
    await allow_counter_offers(bot_app)
    card, buyer_card, store_card = await offer(shop, bot_app)
    the_buyer_types_to_the_bot_itself(bot_app)
    await buyer_card.press("↔️ Counter-offer")
    await shop.buyer.expect(contains="How much do you ask")
    await shop.buyer.send("/cancel")
    assert "answer it on its card" in (await shop.buyer.expect(contains="was not sent")).text
    await shop.agent.client.assert_quiet()
    assert (await buyer_card.press("✅ Accept"))["text"] == "Accepted."
    await accepted_everywhere(shop, card, buyer_card, store_card)
