"""Each role its own greeting, help and command menu: buyer, agent, moderator, and people who are several.

The bot here has a moderators' group (Jo sits in it), made before the bot starts
so that its menu is set at start as in production. Menus are read as a client
shows them (the web chat's route: the narrowest list set, in the person's language).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import aiohttp
import pytest

from bot.commands import AGENT_COMMANDS, GROUP_COMMANDS, MODERATOR_COMMANDS, PRIVATE_COMMANDS, staff_commands
from domain.enums import BindingSource, OrderStatus
from domain.services.orders import import_orders
from domain.services.stores import (
    add_store,
    create_group_link_code,
    invite_agent,
    redeem_agent_invite,
    redeem_group_link_code,
)
from tests.e2e.conftest import order_row


@dataclass(frozen=True)
class Moderators:
    chat_id: int
    jo: int  # a moderator's Telegram id


@pytest.fixture
def moderators(sandbox, bot_token) -> Moderators:
    world = sandbox.world
    jo = world.add_person("Jo", "en", label="Moderator · Jo")
    group = world.add_group(
        "Moderators", is_forum=False, member_ids=[jo.id], admin_bot_ids=[int(bot_token.split(":")[0])]
    )
    return Moderators(group.id, jo.id)


@pytest.fixture
def bot_settings(moderators: Moderators) -> dict[str, object]:
    return {"moderators_chat_id": moderators.chat_id}


@pytest.fixture
def bot_id(bot_token: str) -> int:
    return int(bot_token.split(":")[0])


async def make_agent(bot_app, person, *stores: str, with_group: dict[str, int] | None = None) -> None:
    """`person` an agent of each of `stores` (made if new); `with_group` links a store to a group id."""
    deps = bot_app.deps
    async with deps.uow_factory() as uow:
        for name in stores:
            store = await uow.stores.by_name(name) or await add_store(
                uow, deps.clock, name=name, timezone="UTC", country="DE"
            )
            code = await invite_agent(uow, deps.clock, store.id)
            await redeem_agent_invite(
                uow,
                deps.clock,
                code,
                person.id,
                person.info["first_name"],
                language=person.info.get("language_code", "en")[:2],
            )
            if with_group and name in with_group:
                link = await create_group_link_code(uow, deps.clock, store.id)
                await redeem_group_link_code(uow, deps.clock, link, with_group[name], "support")
        await uow.commit()


async def give_orders(bot_app, person, store: str, *numbers: str) -> None:
    deps = bot_app.deps
    async with deps.uow_factory() as uow:
        found = await uow.stores.by_name(store)
        rows = [order_row(number, OrderStatus.CONFIRMED) for number in numbers]
        await import_orders(uow, deps.clock, found.id, rows)
        user = await uow.users.get_or_create(person.id, at=deps.clock.now(), display_name="x")
        for number in numbers:
            order = await uow.orders.by_number(found.id, number)
            await uow.users.bind_order(user.id, order.id, source=BindingSource.DEMO, at=deps.clock.now())
        await uow.commit()


async def shown_menu(sandbox, bot_id: int, person, chat: int | None = None) -> list[str]:
    """The commands `person`'s client offers in `chat` (default: their private chat with the bot)."""
    params = {"person_id": person.id, "chat_id": chat if chat is not None else bot_id}
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{sandbox.url}/webchat/bots/{bot_id}/commands", params=params) as response:
            return [c["command"] for c in (await response.json())["result"]]


async def menu_becomes(sandbox, bot_id: int, person, commands, chat: int | None = None, timeout: float = 5) -> None:
    """An agent's menu is set from the outbox right after their answer: wait for it, a little."""
    deadline = asyncio.get_running_loop().time() + timeout
    while (shown := await shown_menu(sandbox, bot_id, person, chat)) != list(commands):
        assert asyncio.get_running_loop().time() < deadline, f"menu stayed {shown}"
        await asyncio.sleep(0.05)


async def test_a_buyer_gets_the_buyers_greeting_help_and_menu(chat, sandbox, bot_id):
    buyer = await chat.user("Alice", lang="en")
    await buyer.send("/start")
    greeting = await buyer.expect(contains="Hello, Alice")
    assert "after-sales desk" in greeting.text and "agent" not in greeting.text
    await buyer.send("/help")
    assert "How I can help" in (await buyer.expect()).text
    await chat.assert_quiet()
    assert await shown_menu(sandbox, bot_id, buyer) == list(PRIVATE_COMMANDS)


async def test_an_agent_gets_one_greeting_naming_the_store_and_the_agents_menu(chat, bot_app, sandbox, bot_id):
    karl = await chat.user("Karl", lang="en")
    await make_agent(bot_app, karl, "Berlin Gadgets")
    await karl.send("/start")
    greeting = await karl.expect(contains="Hello, Karl")
    text = greeting.text
    assert "You are an agent of Berlin Gadgets." in text
    assert "Berlin Gadgets: it has no support group, so its tickets come here as cards." in text
    assert "Reply to a ticket card" in text and "ticket's topic" not in text  # no group: cards only
    for command in ("/queue", "/order <number>", "/notify <number> <text>"):
        assert command in text
    assert "The card's button closes the ticket" in text and "/close" not in text  # /close works in a topic only
    assert "You can also use me as a buyer: /orders" in text
    assert "How I can help" not in text and "Your orders" not in text
    await chat.assert_quiet()
    await menu_becomes(sandbox, bot_id, karl, AGENT_COMMANDS)

    await karl.send("/help")  # the same, without the hello
    help_text = (await karl.expect(contains="You are an agent of Berlin Gadgets")).text
    assert not help_text.startswith("👋") and "/queue" in help_text
    await chat.assert_quiet()


async def test_an_agent_of_two_stores_sees_both_and_where_their_tickets_go(chat, bot_app):
    karl = await chat.user("Karl", lang="en")
    group = await chat.group("Lamps support", members=[karl], forum=True)
    await make_agent(bot_app, karl, "Berlin Gadgets", "Lamps & Co", with_group={"Lamps & Co": group})
    await karl.send("/help")
    text = (await karl.expect(contains="You are an agent of Berlin Gadgets, Lamps & Co.")).text
    assert "Lamps & Co: its tickets come to its support group, a topic each." in text
    assert "Write in a ticket's topic" in text and "Reply to a ticket card" in text
    await chat.assert_quiet()


async def test_an_agent_who_buys_gets_one_message_covering_both(chat, bot_app, sandbox, bot_id):
    karl = await chat.user("Karl", lang="en")
    await make_agent(bot_app, karl, "Berlin Gadgets")
    await give_orders(bot_app, karl, "Berlin Gadgets", "W-1", "W-2")
    await karl.send("/start")
    text = (await karl.expect(contains="Hello, Karl")).text
    assert "You are an agent of Berlin Gadgets." in text
    assert "You also buy here: /orders lists your 2 orders, /tickets your tickets." in text
    await chat.assert_quiet()  # one message: no buyer greeting, no order list after it
    await menu_becomes(sandbox, bot_id, karl, AGENT_COMMANDS)
    assert {"orders", "tickets", "claim"} <= set(AGENT_COMMANDS)  # the agent's menu keeps buying at hand

    await karl.send("/orders")  # and buying works as for anyone
    orders = await karl.expect(contains="Your orders (2)")
    assert any("W-1" in label for row in orders.buttons for label in row)
    await chat.assert_quiet()


async def test_an_agents_start_with_a_payload_works_as_before(chat, bot_app):
    karl = await chat.user("Karl", lang="en")
    await make_agent(bot_app, karl, "Berlin Gadgets")
    await karl.send("/start o_somelinktoken")  # an order link (no link secret here: refused as before)
    await karl.expect(contains="order links cannot be used right now")
    await chat.assert_quiet()


async def test_joining_a_store_sets_the_agents_menu(chat, bot_app, sandbox, bot_id):
    deps = bot_app.deps
    async with deps.uow_factory() as uow:
        store = await add_store(uow, deps.clock, name="Berlin Gadgets", timezone="UTC", country="DE")
        code = await invite_agent(uow, deps.clock, store.id)
        await uow.commit()
    karl = await chat.user("Karl", lang="en")
    assert await shown_menu(sandbox, bot_id, karl) == list(PRIVATE_COMMANDS)
    await karl.send(f"/start a_{code}")
    joined = await karl.expect(contains="You are now an agent of Berlin Gadgets")
    assert "/help shows what you can do" in joined.text
    await chat.assert_quiet()
    await menu_becomes(sandbox, bot_id, karl, AGENT_COMMANDS)


async def test_a_chinese_agent_is_greeted_and_offered_the_menu_in_chinese(chat, bot_app, sandbox, bot_id):
    wang = await chat.user("王芳", lang="zh-hans")
    await make_agent(bot_app, wang, "Berlin Gadgets")
    await wang.send("/start")
    text = (await wang.expect(contains="您好，王芳")).text
    assert "您是 Berlin Gadgets 的客服。" in text and "/queue" in text
    await chat.assert_quiet()
    await menu_becomes(sandbox, bot_id, wang, AGENT_COMMANDS)
    async with aiohttp.ClientSession() as http:
        params = {"person_id": wang.id, "chat_id": bot_id}
        async with http.get(f"{sandbox.url}/webchat/bots/{bot_id}/commands", params=params) as response:
            descriptions = {c["command"]: c["description"] for c in (await response.json())["result"]}
    assert descriptions["queue"] == "待处理工单，最紧急的在前"
    assert descriptions["start"] == "我的店铺和可用功能"


async def test_a_moderator_gets_the_moderators_greeting(chat, moderators: Moderators, sandbox, bot_id):
    jo = await chat.person(moderators.jo)
    await jo.send("/start")
    text = (await jo.expect(contains="Hello, Jo")).text
    assert "You are a moderator; your place is the moderators' group." in text
    assert "Release" in text and "/ticket ID" in text and "/unsuspend STORE" in text  # the moderation work
    assert "You can also use me as a buyer: /orders" in text
    assert "You are an agent" not in text and "after-sales desk of your marketplace" not in text
    await jo.send("/help")
    assert "You are a moderator" in (await jo.expect()).text
    await chat.assert_quiet()
    # Their own list, set on /start or /help: only Telegram knows who sits in the moderators' group.
    await menu_becomes(sandbox, bot_id, jo, staff_commands(agent=False, moderator=True))


async def test_help_in_the_moderators_group_is_the_moderators_help_and_its_menu_theirs(
    chat, moderators, sandbox, bot_id
):
    jo = await chat.person(moderators.jo)
    await jo.send("/help", chat=moderators.chat_id)
    text = (await jo.expect(chat=moderators.chat_id)).text
    assert text.startswith("🛡 This is the moderators' group.")
    assert "ask them to pay outside the platform" in text and "/queue" not in text
    await chat.assert_quiet()
    assert await shown_menu(sandbox, bot_id, jo, moderators.chat_id) == list(MODERATOR_COMMANDS)


async def test_a_moderator_who_is_an_agent_gets_both_in_one_message(chat, bot_app, moderators):
    jo = await chat.person(moderators.jo)
    await make_agent(bot_app, jo, "Berlin Gadgets")
    await jo.send("/help")
    text = (await jo.expect(contains="You are an agent of Berlin Gadgets.")).text
    assert "You are a moderator" in text and "You can also use me as a buyer" in text
    await chat.assert_quiet()


async def test_help_in_a_support_group_is_the_agents_help_and_the_group_menu_the_agents(chat, bot_app, sandbox, bot_id):
    karl = await chat.user("Karl", lang="en")
    group = await chat.group("Berlin Gadgets support", members=[karl], forum=True)
    await make_agent(bot_app, karl, "Berlin Gadgets", with_group={"Berlin Gadgets": group})
    await karl.send("/help", chat=group)
    text = (await karl.expect(chat=group)).text
    assert text.startswith("🧑‍💼 This is a support group of Berlin Gadgets")
    assert "Write in a ticket's topic" in text and "Reply to a ticket card" not in text
    assert "You can also use me as a buyer" not in text  # a private matter
    await chat.assert_quiet()
    assert await shown_menu(sandbox, bot_id, karl, group) == list(GROUP_COMMANDS)


async def test_help_in_a_group_that_is_not_linked_says_how_to_link_it(chat):
    someone = await chat.user("Karl", lang="en")
    group = await chat.group("Just a group", members=[someone], forum=True)
    await someone.send("/help", chat=group)
    text = (await someone.expect(chat=group)).text
    assert "no store's support group yet" in text and "/link g_<code>" in text and "/queue" not in text
    await chat.assert_quiet()


async def test_help_in_the_middle_of_a_flow_leaves_it_and_answers_once(chat, sandbox):
    # /claim waits for an order number; /help leaves it and runs (its moderator check asks Telegram first).
    buyer = await chat.user("Alice", lang="en")
    await buyer.send("/claim")
    await buyer.expect(contains="order number")
    await buyer.send("/help")
    assert "How I can help" in (await buyer.expect()).text
    await buyer.send("/help")  # the claim was left: help again, not "that is no order number"
    assert "How I can help" in (await buyer.expect()).text
    await chat.assert_quiet()
