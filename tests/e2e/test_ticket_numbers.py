"""Ticket numbers count per store: two buyers' first tickets are #1 and #2 everywhere agents and buyers see them."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from domain.enums import BindingSource
from domain.services.orders import import_orders
from domain.services.stores import add_store, create_group_link_code, redeem_group_link_code
from domain.services.tickets import open_ticket
from tests.e2e.seller_side import Shop, make_shop, open_in_topic, shipped_order, stand_in_buyer_side


def _utf16_slice(text: str, offset: int, length: int) -> str:
    """What an entity covers: Telegram counts in UTF-16 code units."""
    return text.encode("utf-16-le")[2 * offset : 2 * (offset + length)].decode("utf-16-le")


@pytest.fixture
async def shop(chat, bot_app) -> Shop:
    return await make_shop(chat, bot_app, with_group=True)


async def _second_buyer(chat, bot_app, shop: Shop, *, store_name: str | None = None):
    """Bob, bound to an order W-2 of the shop's store (or of a new store of that name), with the stand-in buyer side."""
    bob = await chat.user("Bob", lang="en")
    deps = bot_app.deps
    async with deps.uow_factory() as uow:
        store = (await uow.orders.get(shop.order_id)).store_id
        await import_orders(uow, deps.clock, store, [shipped_order("W-2")])
        order = await uow.orders.by_number(store, "W-2")
        user = await uow.users.get_or_create(bob.id, at=deps.clock.now(), display_name="Bob", language="en")
        await uow.users.bind_order(user.id, order.id, source=BindingSource.DEMO, at=deps.clock.now())
        await uow.commit()
    stand_in_buyer_side(bot_app, bob.id, order.id)
    return bob


async def test_two_buyers_first_tickets_are_one_and_two_in_titles_queue_and_close(chat, bot_app, shop):
    bob = await _second_buyer(chat, bot_app, shop)
    alices = await open_in_topic(shop, "Where is my lamp?")
    await bob.send("/open contact_seller Where is my kettle?")
    bobs = (await shop.agent.expect_event("topic"))["topic"]["thread_id"]
    card = await shop.agent.expect(contains="Ticket #2", chat=shop.group, thread=bobs)
    assert "Where is my kettle?" in card.text
    names = {
        t["thread_id"]: t["name"] for t in [c for c in await shop.agent.chats() if c["id"] == shop.group][0]["topics"]
    }
    assert names[alices].startswith("🟡 #1 ") and names[bobs].startswith("🟡 #2 ")

    await shop.agent.send("/queue", chat=shop.group)
    queue = await shop.agent.expect(contains="#1", chat=shop.group)
    assert queue.text.count("#1") == 1 and queue.text.count("#2") == 1
    assert "🔴 first answer overdue · 🟠 urgent" in queue.text  # the marks explained
    internal = str(shop.group).removeprefix("-100")
    links = {
        _utf16_slice(queue.text, e["offset"], e["length"]): e["url"]
        for e in queue["entities"]
        if e["type"] == "text_link"
    }
    assert links == {"#1": f"https://t.me/c/{internal}/{alices}", "#2": f"https://t.me/c/{internal}/{bobs}"}

    # In the group's General topic, /close with a number closes that ticket of the store, Bob's.
    await shop.agent.send("/close 2", chat=shop.group)
    closed = await bob.expect(contains="Your ticket #2 with Berlin Gadgets is closed")
    await bob.expect(contains="Rate it from 1 to 5")
    assert "Status: closed" in (await shop.agent.expect_edit(card)).text
    await shop.agent.expect(contains="Ticket #2 is closed", chat=shop.group, thread=bobs)
    await shop.agent.expect_topic("✅ #2", chat=shop.group, thread=bobs)
    assert (await shop.agent.expect_topic("✅ #2", chat=shop.group, thread=bobs))["is_closed"] is True
    assert "#2" in closed.text
    await shop.agent.send("/close 7", chat=shop.group)
    refused = await shop.agent.expect(contains="no ticket 7", chat=shop.group)
    assert "/queue" in refused.text
    await chat.assert_quiet()


async def test_the_queue_is_for_the_stores_agents_only(chat, bot_app, shop):
    mia = await chat.user("Mia", lang="en")
    lobby = await chat.group("Berlin Gadgets lobby", members=[shop.agent, mia], forum=True)
    deps = bot_app.deps
    async with deps.uow_factory() as uow:
        store = (await uow.orders.get(shop.order_id)).store_id
        await redeem_group_link_code(
            uow, deps.clock, await create_group_link_code(uow, deps.clock, store), lobby, "lobby"
        )
        await uow.commit()
    await open_in_topic(shop)
    await mia.send("/queue", chat=lobby)
    refused = await mia.expect(chat=lobby)
    assert "#1" not in refused.text and "agent" in refused.text
    await shop.agent.expect(contains="Only the store's agents", chat=lobby)  # Karl sees the answer to Mia too
    await shop.agent.send("/queue", chat=lobby)
    assert "#1" in (await shop.agent.expect(chat=lobby)).text
    await mia.expect(
        contains="Open tickets of Berlin Gadgets", chat=lobby
    )  # the agent's answer, in the group Mia is in
    await chat.assert_quiet()


async def test_a_store_reply_names_its_ticket_only_when_the_buyer_has_several_open(chat, bot_app, shop):
    first = await open_in_topic(shop, "Where is my lamp?")
    await shop.agent.send("It ships today.", chat=shop.group, thread=first)
    alone = await shop.buyer.expect(contains="It ships today.")
    assert alone.text.startswith("🏪 Berlin Gadgets\n")  # one open ticket: no need to say which
    await shop.agent.expect_topic("🔵 #1", chat=shop.group, thread=first)

    second = await open_in_topic(shop, "Can you gift-wrap it?", reason="order_status")
    await shop.agent.send("Yes, we can.", chat=shop.group, thread=second)
    tagged = await shop.buyer.expect(contains="Yes, we can.")
    assert tagged.text.startswith("🏪 Berlin Gadgets · #2 · order W-1\n")
    await shop.agent.expect_topic("🔵 #2", chat=shop.group, thread=second)
    await chat.assert_quiet()


async def test_a_buyer_with_tickets_at_two_stores_sees_each_stores_name_beside_the_number(chat, bot_app, shop):
    deps = bot_app.deps
    await open_in_topic(shop, "Where is my lamp?")
    async with deps.uow_factory() as uow:
        kettles = await add_store(uow, deps.clock, name="Kettle Corner", timezone="Asia/Bangkok", country="TH")
        await import_orders(uow, deps.clock, kettles.id, [shipped_order("K-1")])
        order = await uow.orders.by_number(kettles.id, "K-1")
        alice = await uow.users.by_telegram_id(shop.buyer.id)
        await uow.users.bind_order(alice.id, order.id, source=BindingSource.DEMO, at=deps.clock.now())
        opened = await open_ticket(
            uow, deps.clock, shop.buyer.id, order.id, "contact_seller", "Is the kettle 1.7 l?", []
        )
        await uow.commit()
    assert opened.ticket.number == 1  # the other store's own first ticket

    await shop.buyer.send("/tickets")
    listing = await shop.buyer.expect(contains="Your tickets")
    lines = listing.text.splitlines()
    assert any(line.startswith("#1 Kettle Corner · ") for line in lines), lines
    assert any(line.startswith("#1 Berlin Gadgets · ") for line in lines), lines
    assert sorted(b for row in listing.buttons for b in row if b.startswith("#1 ")) == sorted(
        [b for row in listing.buttons for b in row]
    )
    assert {b.split(" · ")[0] for row in listing.buttons for b in row} == {"#1 Kettle Corner", "#1 Berlin Gadgets"}

    # Its history is in the store's time, and says so: Bangkok has no letters for its zone.
    await listing.press(next(b for row in listing.buttons for b in row if "Kettle Corner" in b))
    await shop.buyer.expect_edit(listing)  # the list closes on the choice
    history = await shop.buyer.expect(contains="Ticket #1")
    opened_at = deps.clock.now().astimezone(ZoneInfo("Asia/Bangkok")).strftime("%d %b %H:%M")
    assert "Times in UTC+7" in history.text and f"{opened_at} opened" in history.text, history.text
    await chat.assert_quiet()
