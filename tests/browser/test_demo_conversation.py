"""A whole buyer ↔ seller conversation in the web chat of the offline demo (`make run`).

The offline stand-in is started as `aftersales run` starts it (demo people,
stores, support groups, orders bound to the demo buyers), with the real bot
and its update pipeline; a person in Chromium does the rest.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import aiohttp
import pytest
from playwright.async_api import Page, expect

from bot.app import build_application
from bot.cli import start_sandbox
from bot.context import Deps
from bot.launch import StandIn
from bot.pipeline.ratelimit import SendLimiter
from bot.pipeline.service import pipeline_for
from bot.rendering import default_renderer
from bot.settings import load_settings
from domain.clock import SystemClock
from domain.storage.engine import create_engine
from domain.storage.migrate import upgrade
from domain.storage.uow import UnitOfWorkFactory

# The demo's database by the stand-in's URL, for a test that seeds what a flow would have made.
_DATABASES: dict[str, tuple[UnitOfWorkFactory, SystemClock]] = {}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
async def demo(tmp_path) -> AsyncIterator[StandIn]:
    settings = load_settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'demo.sqlite3'}", sandbox_port=free_port(), _env_file=None
    )
    await upgrade(settings.database_url)
    engine = create_engine(settings.database_url)
    clock = SystemClock()
    uow_factory = UnitOfWorkFactory(engine)
    stand_in = await start_sandbox(settings, uow_factory, clock)
    _DATABASES[stand_in.url] = (uow_factory, clock)
    deps = Deps(settings=stand_in.settings, clock=clock, renderer=default_renderer(), uow_factory=uow_factory)
    application = build_application(deps, token=stand_in.token)
    # No flood limits here: the sandbox runs without them and the test would wait out 20/min per group.
    unlimited = SendLimiter(
        overall_per_second=10_000, private_per_second=10_000, private_burst=10_000, group_per_minute=1_000_000
    )
    pipeline = pipeline_for(application, poll_timeout=1, poll_interval=0.2, limiter=unlimited)
    try:
        async with application:
            await application.start()
            await pipeline.start()
            try:
                yield stand_in
            finally:
                await pipeline.stop()
                await application.stop()
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{stand_in.url}control/violations") as response:
                assert (await response.json())["result"] == []
    finally:
        await stand_in.stop()
        await engine.dispose()


async def person_id(demo: StandIn, label: str) -> int:
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{demo.url}control/people") as response:
            people = (await response.json())["result"]
    return next(p["id"] for p in people if p["label"] == label)


async def send(page: Page, text: str) -> None:
    composer = page.get_by_test_id("composer-input")
    await composer.fill(text)
    await composer.press("Enter")


async def test_a_buyer_and_an_agent_hold_a_conversation_in_the_web_chat(demo, page, screenshot):
    anna = await person_id(demo, "Buyer · Anna Schmidt")
    agent = await person_id(demo, "Agent · Berlin Gadgets")

    # The buyer asks the seller about an order.
    await page.goto(f"{demo.url}?as={anna}")
    await page.get_by_test_id("chat-item").filter(has_text="Aftersales").click()
    await send(page, "/start")
    await page.get_by_role("button", name="📦 BG-1001 · Berlin Gadgets").last.click()
    await page.get_by_role("button", name="Contact the seller").last.click()
    await expect(page.get_by_test_id("message").filter(has_text="What would you like to ask?")).to_be_visible()
    await send(page, "Could you send it in a gift box?")
    await page.get_by_role("button", name="📨 Send to the seller").last.click()
    await expect(page.get_by_test_id("message").filter(has_text="is open")).to_be_visible()

    # The agent finds the ticket's topic in the store's support group and answers.
    await page.goto(f"{demo.url}?as={agent}")
    await page.get_by_test_id("chat-item").filter(has_text="Berlin Gadgets support").click()
    await page.get_by_test_id("topic-item").filter(has_text="#1").click()
    await expect(page.get_by_test_id("message").filter(has_text="Could you send it in a gift box?")).to_be_visible()
    await send(page, "Of course, free of charge.")
    await screenshot("demo-agent-topic")

    # The buyer sees the answer under the store's name, never the agent's.
    await page.goto(f"{demo.url}?as={anna}")
    await page.get_by_test_id("chat-item").filter(has_text="Aftersales").click()
    answer = page.get_by_test_id("message").filter(has_text="Of course, free of charge.")
    await expect(answer).to_be_visible()
    await expect(answer).to_contain_text("Berlin Gadgets")
    await expect(answer).not_to_contain_text("Max")
    await screenshot("demo-buyer-answer")


async def _ask_the_seller(page: Page, order_button: str, question: str, *, tickets_after: int) -> None:
    await page.get_by_role("button", name=order_button).last.click()
    # That order's own card: an earlier order's card further up has the same button.
    card = page.get_by_test_id("message").filter(has_text=order_button.split(" · ")[0].removeprefix("📦 "))
    await card.get_by_role("button", name="Contact the seller").last.click()
    await expect(page.get_by_test_id("message").filter(has_text="What would you like to ask?").last).to_be_visible()
    await send(page, question)
    await page.get_by_role("button", name="📨 Send to the seller").last.click()
    await expect(page.get_by_test_id("message").filter(has_text="is open")).to_have_count(tickets_after)


async def test_the_ticket_list_shows_each_ticket_on_a_line_of_its_own(demo, page):
    anna = await person_id(demo, "Buyer · Anna Schmidt")
    await page.goto(f"{demo.url}?as={anna}")
    await page.get_by_test_id("chat-item").filter(has_text="Aftersales").click()
    await send(page, "/start")
    await _ask_the_seller(page, "📦 BG-1001 · Berlin Gadgets", "Can it come in a gift box?", tickets_after=1)
    await send(page, "/orders")
    await _ask_the_seller(page, "📦 BG-1002 · Berlin Gadgets", "Which carrier is it?", tickets_after=2)

    await send(page, "/tickets")
    listing = page.get_by_test_id("message").filter(has_text="Your tickets")
    await expect(listing).to_be_visible()
    # Read back as the buyer sees it: the bubble's text, line by line.
    lines = [line.strip() for line in (await listing.locator(".message-text").inner_text()).splitlines()]
    entries = [line for line in lines if line.startswith("#")]
    assert len(entries) == 2, lines
    assert {entry.split(" · ")[0] for entry in entries} == {"#1", "#2"}
    assert all("order BG-100" in entry for entry in entries), entries


async def _seed_request(demo: StandIn, buyer_telegram_id: int, order_number: str) -> None:
    """A missing-item request on the order (parcel not delivered: no screenshot), as the form sends it, announced."""
    from bot.relay.announce import announce
    from bot.relay.desk import Desk
    from domain.enums import RequestType, Resolution
    from domain.services.request_rules import RequestDraft
    from domain.services.requests import submit_request

    uow_factory, clock = _DATABASES[demo.url]
    async with uow_factory() as uow:
        store = await uow.stores.by_name("Berlin Gadgets")
        order = await uow.orders.by_number(store.id, order_number)
        draft = RequestDraft(
            type=RequestType.MISSING_ITEMS,
            items=((order.items[0].id, 1),),
            description="the lamp came without its shade",
            resolution=Resolution.RESHIPMENT,
            not_delivered=True,
            no_barcode=True,
        )
        submitted = await submit_request(uow, clock, buyer_telegram_id, order.id, draft)
        await announce(Desk.for_hook(uow, default_renderer(), clock), submitted.opened)
        await uow.commit()


async def test_an_agent_approves_a_request_from_its_card(demo, page):
    anna = await person_id(demo, "Buyer · Anna Schmidt")
    agent = await person_id(demo, "Agent · Berlin Gadgets")
    await page.goto(f"{demo.url}?as={anna}")
    await page.get_by_test_id("chat-item").filter(has_text="Aftersales").click()
    await send(page, "/start")  # a bot may write only to someone who started it
    await expect(page.get_by_test_id("message").filter(has_text="BG-1004").first).to_be_visible()
    await _seed_request(demo, anna, "BG-1004")

    await page.goto(f"{demo.url}?as={agent}")
    await page.get_by_test_id("chat-item").filter(has_text="Berlin Gadgets support").click()
    await page.get_by_test_id("topic-item").filter(has_text="#1").click()
    card = page.get_by_test_id("message").filter(has_text="without its shade").filter(has_text="Approve").first
    await expect(card).to_be_visible()
    await card.get_by_role("button", name="✅ Approve").click()
    await expect(page.get_by_test_id("message").filter(has_text="without its shade").first).not_to_contain_text(
        "✅ Approve"
    )

    await page.goto(f"{demo.url}?as={anna}")
    await page.get_by_test_id("chat-item").filter(has_text="Aftersales").click()
    await expect(page.get_by_test_id("message").filter(has_text="approved your request #1")).to_be_visible()
