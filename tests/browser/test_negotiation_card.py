"""The negotiation card (#19) in the offline demo's web chat: a store offers a partial refund, the buyer accepts.

The demo runs as in `test_demo_conversation` (the real bot and its pipeline);
the request is made by the domain, as the form would, and everything after it
is pressed in Chromium. The database is read at the end: the money moved once.
"""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect
from sqlalchemy import select

from bot.launch import StandIn
from domain.models import AfterSalesRequest, OutboundWebhook
from tests.browser.test_demo_conversation import (
    _DATABASES,
    _seed_request,
    demo,  # noqa: F401 - the fixture, used by name
    person_id,
    send,
)

pytestmark = pytest.mark.browser


async def open_topic(page: Page, stand_in: StandIn, agent: int) -> None:
    await page.goto(f"{stand_in.url}?as={agent}")
    await page.get_by_test_id("chat-item").filter(has_text="Berlin Gadgets support").click()
    await page.get_by_test_id("topic-item").filter(has_text="#1").click()


async def stored(stand_in: StandIn) -> tuple[list[str], list[str]]:
    """The requests' statuses and the money events' types, as the database has them."""
    uow_factory, _ = _DATABASES[stand_in.url]
    async with uow_factory() as uow:
        requests = (await uow.session.scalars(select(AfterSalesRequest))).all()
        events = (await uow.session.scalars(select(OutboundWebhook))).all()
        return [str(r.status) for r in requests], [e.event_type for e in events]


async def test_the_buyer_accepts_a_partial_refund_offer_in_the_web_chat(demo, page, screenshot):  # noqa: F811
    anna = await person_id(demo, "Buyer · Anna Schmidt")
    agent = await person_id(demo, "Agent · Berlin Gadgets")
    await page.goto(f"{demo.url}?as={anna}")
    await page.get_by_test_id("chat-item").filter(has_text="Aftersales").click()
    await send(page, "/start")  # a bot may write only to someone who started it
    await expect(page.get_by_test_id("message").filter(has_text="BG-1004").first).to_be_visible()
    await _seed_request(demo, anna, "BG-1004")  # the €34.99 lamp: suggestions €7.00, €17.50, €27.99

    # The agent offers half from the request card.
    await open_topic(page, demo, agent)
    card = page.get_by_test_id("message").filter(has_text="without its shade").first  # it is edited in place
    await expect(card.get_by_role("button", name="➗ Partial refund")).to_be_visible()
    await card.get_by_role("button", name="➗ Partial refund").click()
    await card.get_by_role("button", name="€17.50").click()
    await expect(page.get_by_test_id("message").filter(has_text="Partial refund offered: €17.50")).to_be_visible()

    # The buyer's card, in the private chat with the bot.
    await page.goto(f"{demo.url}?as={anna}")
    await page.get_by_test_id("chat-item").filter(has_text="Aftersales").click()
    offer = page.get_by_test_id("message").filter(has_text="offers a partial refund").filter(has_text="Offered: €17.50")
    await expect(offer).to_have_count(1)
    await expect(offer).to_contain_text("Berlin Gadgets")
    await expect(offer.get_by_test_id("inline-button")).to_have_text(["✅ Accept", "❌ Reject"])
    await screenshot("negotiation-buyer-card")
    await offer.get_by_role("button", name="✅ Accept").click()
    await expect(page.get_by_test_id("toast")).to_have_text("Accepted.")
    await expect(offer).to_contain_text("✅ Accepted")
    await expect(offer).to_contain_text("a refund of €17.50 through the marketplace")
    await expect(offer.get_by_test_id("inline-button")).to_have_count(0)
    await screenshot("negotiation-buyer-accepted")

    # The store's topic hears of it.
    await open_topic(page, demo, agent)
    await expect(
        page.get_by_test_id("message").filter(has_text="The buyer accepted the partial refund of €17.50 for #1")
    ).to_have_count(1)
    store_card = page.get_by_test_id("message").filter(has_text="Partial refund offered: €17.50")
    await expect(store_card).to_contain_text("✅ Accepted")
    await expect(store_card.get_by_test_id("inline-button")).to_have_count(0)

    assert await stored(demo) == (["partially_refunded"], ["partial_refund.accepted"])
