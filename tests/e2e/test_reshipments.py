"""An approved reshipment: the store marks the replacement shipped from its card, or misses the ship-by.

The request is made by the domain's `submit_request` (as in test_request_decisions)
and approved with the card's button; the ship-by is the end of the second working
day after the approval in the store's zone, with the country's public holidays.
The bot has a moderators' group (Jo sits in it), as in test_request_escalations.
"""

from __future__ import annotations

import pytest

from tests.e2e.seller_side import Shop, buyer_has_started_the_bot, make_shop
from tests.e2e.test_request_deadlines import move_clock, quiet_after_a_sweep, submitted
from tests.e2e.test_request_decisions import submit
from tests.e2e.test_roles import Moderators, moderators  # noqa: F401 - the fixture, used by name

TRACKING_URL = "https://www.dhl.de/de/privatkunden/pakete-empfangen/verfolgen.html?piececode=00340434161234567890"


@pytest.fixture
def bot_settings(moderators: Moderators) -> dict[str, object]:  # noqa: F811
    return {"moderators_chat_id": moderators.chat_id}


@pytest.fixture
async def shop(chat, bot_app) -> Shop:
    shop = await make_shop(chat, bot_app, with_group=True)
    await buyer_has_started_the_bot(shop)
    return shop


async def approved(shop: Shop, bot_app, ship_by: str):
    """The reshipment asked for is approved: the card shows the ship-by and the button to mark it shipped."""
    card = await submitted(shop, bot_app)  # answered once in the topic: only the request's own clocks run
    await card.press("✅ Approve")
    assert ": reshipment." in (await shop.buyer.expect(contains="approved your request #1")).text
    edited = await shop.agent.expect_edit(card)
    assert "Replacement: to be shipped" in edited.text
    assert ship_by in edited.text
    assert edited.buttons == [["📦 Mark as shipped"], ["📜 Timeline"], ["✅ Close ticket"]]
    await shop.agent.expect(contains="✅ Request #1 approved: reshipment.", chat=shop.group, thread=card.thread_id)
    await shop.agent.client.assert_quiet()
    return edited


async def reshipment(bot_app):
    async with bot_app.deps.uow_factory() as uow:
        return await uow.requests.reshipment_for((await uow.requests.by_ticket(1)).id)


async def test_the_agent_marks_the_replacement_shipped_and_the_buyer_gets_the_tracking(shop, bot_app):
    # Sunday 22 Nov 12:00 UTC in a store on UTC: Monday and Tuesday are the two working days.
    card = await approved(shop, bot_app, "Ship by: 24 Nov 23:59 UTC (in 60 h)")
    await card.press("📦 Mark as shipped")
    prompt = await shop.agent.expect(contains="Replacement for #1", chat=shop.group, thread=card.thread_id)
    assert "reply to this message" in prompt.text and "DHL 00340434161234567890" in prompt.text
    await shop.agent.client.assert_quiet()

    await shop.agent.reply(prompt, f"DHL 00340434161234567890 {TRACKING_URL}")
    told = await shop.buyer.expect(contains="shipped the replacement for your request #1")
    assert "Berlin Gadgets has shipped the replacement for your request #1: DHL, tracking number" in told.text
    assert "00340434161234567890" in told.text and "Track the parcel" in told.text
    assert [e.get("url") for e in told["entities"] or [] if e["type"] == "text_link"] == [TRACKING_URL]
    edited = await shop.agent.expect_edit(card)
    assert "Replacement: shipped · DHL 00340434161234567890 · tracking" in edited.text
    assert "Ship by" not in edited.text
    assert edited.buttons == [["📜 Timeline"], ["✅ Close ticket"]]
    line = await shop.agent.expect(contains="📦 Replacement for #1 shipped", chat=shop.group, thread=card.thread_id)
    assert "DHL 00340434161234567890; the buyer has the tracking number." in line.text
    await shop.agent.client.assert_quiet()
    shipped = await reshipment(bot_app)
    assert (str(shipped.status), shipped.carrier, shipped.tracking_url) == ("shipped", "DHL", TRACKING_URL)

    await shop.agent.reply(prompt, "UPS 1Z999AA10123456784")  # the prompt answered twice: the first one stands
    await shop.agent.expect(contains="marked as shipped already", chat=shop.group, thread=card.thread_id)
    await shop.agent.client.assert_quiet()
    assert (await reshipment(bot_app)).carrier == "DHL"


async def test_a_line_without_a_tracking_number_is_asked_again(shop, bot_app):
    card = await approved(shop, bot_app, "Ship by: 24 Nov 23:59 UTC")
    await card.press("📦 Mark as shipped")
    prompt = await shop.agent.expect(contains="Replacement for #1", chat=shop.group, thread=card.thread_id)
    await shop.agent.reply(prompt, "sent it today")
    again = await shop.agent.expect(contains="could not read a carrier", chat=shop.group, thread=card.thread_id)
    assert "reply to the prompt again" in again.text and "DHL 00340434161234567890" in again.text
    await shop.agent.reply(prompt, "DHL 00340434161234567890 www.dhl.de")
    await shop.agent.expect(contains="must start with https://", chat=shop.group, thread=card.thread_id)
    await shop.agent.client.assert_quiet()
    assert str((await reshipment(bot_app)).status) == "awaiting_shipment"

    await shop.agent.reply(prompt, "Deutsche Post RR123456785DE")  # a carrier of two words, no link
    told = await shop.buyer.expect(contains="shipped the replacement for your request #1")
    assert "Deutsche Post, tracking number RR123456785DE." in told.text and "Track the parcel" not in told.text
    assert "Replacement: shipped · Deutsche Post RR123456785DE" in (await shop.agent.expect_edit(card)).text
    await shop.agent.expect(contains="📦 Replacement for #1 shipped", chat=shop.group, thread=card.thread_id)
    await shop.agent.client.assert_quiet()


async def test_a_non_agent_press_gets_an_alert(chat, bot_app):
    shop = await make_shop(chat, bot_app, with_group=True, colleagues=("Eve",))
    await buyer_has_started_the_bot(shop)
    eve = shop.colleagues[0]
    _, card, _ = await submit(shop, bot_app)
    await card.press("✅ Approve")
    await shop.buyer.expect(contains="approved your request #1")
    card = await shop.agent.expect_edit(card)
    await shop.agent.expect(contains="✅ Request #1 approved", chat=shop.group, thread=card.thread_id)
    async with bot_app.deps.uow_factory() as uow:  # Eve left the store but is still in its group
        for agent in await uow.stores.agents(1, active_only=False):
            if agent.display_name == "Eve":
                agent.active = False
        await uow.commit()
    await eve.skip(within=0.3)  # Eve is in the group: she saw what it saw
    await shop.agent.client.assert_quiet()
    answer = await eve.press(card, "📦 Mark as shipped")
    assert answer["show_alert"] is True and "Only the store's agents" in answer["text"]
    await shop.agent.client.assert_quiet()
    assert str((await reshipment(bot_app)).status) == "awaiting_shipment"


async def test_a_missed_ship_by_over_a_weekend_is_escalated_to_the_moderators(shop, bot_app, moderators):  # noqa: F811
    async with bot_app.deps.uow_factory() as uow:  # a store in Germany, on Berlin's clock
        (await uow.stores.get(1)).timezone = "Europe/Berlin"
        await uow.commit()
    await move_clock(bot_app, days=4, hours=21)  # Friday 27 Nov 2026, 10:00 in Berlin
    # Two working days after a Friday: Monday and Tuesday; the ship-by is the end of Tuesday in Berlin.
    card = await approved(shop, bot_app, "Ship by: 01 Dec 23:59 CET (in 110 h)")
    thread = card.thread_id

    await move_clock(bot_app, days=4, hours=13, minutes=59, seconds=59)  # Tuesday 23:59:59 in Berlin: nothing yet
    await quiet_after_a_sweep(shop)
    assert str((await reshipment(bot_app)).status) == "awaiting_shipment"

    await move_clock(bot_app, seconds=1)  # the end of Tuesday
    edited = await shop.agent.expect_edit(card, timeout=8)
    assert "Replacement: not shipped by the ship-by date; the moderators have been told" in edited.text
    assert edited.buttons == [["📦 Mark as shipped"], ["📜 Timeline"], ["✅ Close ticket"]]  # it can still ship
    line = await shop.agent.expect(contains="⏰ The replacement for #1", chat=shop.group, thread=thread)
    assert "was not shipped in time; the moderators have been told. It can still ship." in line.text
    jo = await shop.agent.client.person(moderators.jo)
    told = await jo.expect(contains="⏰ Request #1", chat=moderators.chat_id)
    assert "(Berlin Gadgets, order W-1): the replacement was not shipped by 02 Dec 00:00 CET." in told.text
    await shop.agent.client.assert_quiet()
    overdue = await reshipment(bot_app)
    assert str(overdue.status) == "overdue" and overdue.escalated_at is not None
