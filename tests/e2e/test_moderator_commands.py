"""The moderators' /ticket (a ticket's whole transcript), their menus and their help, through the sandbox.

The bot has a moderators' group (Jo sits in it; AFTERSALES_MODERATORS_CHAT_ID), as in test_roles. The
ticket is made with the domain's own services, as the buyer's and the agent's messages would make it;
what is under test is what a moderator (and nobody else) reads of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from telegram import BotCommandScopeChat

from bot.commands import MODERATOR_COMMANDS, staff_commands
from bot.relay.long_texts import TEXT_LIMIT
from domain.enums import AttachmentKind, BindingSource, OrderStatus, TicketReason
from domain.results import IncomingFile
from domain.services.orders import import_orders
from domain.services.relay import record_agent_message, record_buyer_message
from domain.services.stores import add_store, invite_agent, redeem_agent_invite
from domain.services.tickets import open_ticket
from tests.e2e.conftest import order_row
from tests.e2e.test_roles import Moderators, bot_id, menu_becomes, moderators, shown_menu  # noqa: F401 - fixtures

KARL = 777001  # the store's agent: never in the chat here, so a plain id


@pytest.fixture
def bot_settings(moderators: Moderators) -> dict[str, object]:  # noqa: F811
    return {"moderators_chat_id": moderators.chat_id}


@dataclass(frozen=True)
class Talk:
    ticket_id: int
    store_id: int
    buyer: object  # the sandbox person


async def _ticket(bot_app, buyer, *, messages=()) -> tuple[int, int]:
    """Berlin Gadgets' first ticket, from the buyer's question on W-1; `messages`: (who, text) after it."""
    deps, clock = bot_app.deps, bot_app.deps.clock
    async with deps.uow_factory() as uow:
        store = await add_store(uow, clock, name="Berlin Gadgets", timezone="UTC", country="DE")
        await import_orders(uow, clock, store.id, [order_row("W-1", OrderStatus.SHIPPED)])
        order = await uow.orders.by_number(store.id, "W-1")
        user = await uow.users.get_or_create(buyer.id, at=clock.now(), display_name="Alice")
        await uow.users.bind_order(user.id, order.id, source=BindingSource.DEMO, at=clock.now())
        await redeem_agent_invite(uow, clock, await invite_agent(uow, clock, store.id), KARL, "Karl", language="en")
        opened = await open_ticket(uow, clock, buyer.id, order.id, TicketReason.CONTACT_SELLER, "Where <is> my lamp?")
        ticket_id = opened.ticket.ticket_id
        for who, text, files in messages:
            if who == "agent":
                await record_agent_message(uow, clock, ticket_id, KARL, text)
            else:
                await record_buyer_message(uow, clock, ticket_id, text, None, files, buyer_telegram_id=buyer.id)
        await uow.commit()
        return ticket_id, store.id


@pytest.fixture
async def talk(chat, bot_app) -> Talk:
    """A question, the agent's note and (later edited) answer, the buyer's photo of the box."""
    buyer = await chat.user("Alice", lang="en")
    box = IncomingFile(AttachmentKind.PHOTO, "file-box", "unique-box")
    ticket_id, store_id = await _ticket(
        bot_app,
        buyer,
        messages=[("agent", "// ask the warehouse", ()), ("agent", "It ships today", ()), ("buyer", "the box", [box])],
    )
    deps = bot_app.deps
    async with deps.uow_factory() as uow:
        answer = (await uow.tickets.messages(ticket_id))[1]
        answer.text, answer.edited_at = "It ships tomorrow", deps.clock.now() + timedelta(minutes=3)
        await uow.commit()
    return Talk(ticket_id, store_id, buyer)


async def test_a_moderator_reads_a_ticket_by_its_id_in_the_moderators_group(chat, moderators, talk):  # noqa: F811
    jo = await chat.person(moderators.jo)
    await jo.send(f"/ticket {talk.ticket_id}", chat=moderators.chat_id)
    text = (await jo.expect(contains=f"📜 Ticket {talk.ticket_id} · Berlin Gadgets #1", chat=moderators.chat_id)).text
    for line in (
        "Order: W-1",
        "Reason: Question for the seller",
        "Status: waiting for the store",
        "4 messages, times in UTC",
        "👤 Buyer · 22 Nov 12:00\nWhere <is> my lamp?",  # as typed: escaped for Telegram, read back intact
        "🏪 Store · Karl · 22 Nov 12:00 · 🔒 internal note\n// ask the warehouse",
        "🏪 Store · Karl · 22 Nov 12:00 · ✏️ edited\nIt ships tomorrow",
        "👤 Buyer · 22 Nov 12:00\n📎 photo\nthe box",
    ):
        assert line in text, (line, text)
    assert "It ships today" not in text  # the record as it stands; the old text is in the audit trail
    assert text.index("Where <is>") < text.index("ask the warehouse") < text.index("ships tomorrow") < text.index("box")
    await chat.assert_quiet()


async def test_a_store_and_its_own_number_name_the_ticket_and_a_moderator_may_ask_in_private(chat, moderators, talk):  # noqa: F811
    jo = await chat.person(moderators.jo)
    for ref in ("Berlin Gadgets 1", f"{talk.store_id} #1"):
        await jo.send(f"/ticket {ref}", chat=moderators.chat_id)
        await jo.expect(contains=f"📜 Ticket {talk.ticket_id} · Berlin Gadgets #1", chat=moderators.chat_id)
    await jo.send("/ticket Berlin Gadgets 1")  # in Jo's private chat with the bot
    assert "🔒 internal note" in (await jo.expect(contains=f"📜 Ticket {talk.ticket_id}")).text
    await chat.assert_quiet()


async def test_an_unknown_ticket_or_store_gets_a_clear_answer(chat, moderators, talk):  # noqa: F811
    jo = await chat.person(moderators.jo)
    for command, answer in (
        ("/ticket 999", "There is no ticket 999."),
        ("/ticket Berlin Gadgets 7", "Berlin Gadgets has no ticket #7."),
        ("/ticket Lamps & Co 1", "There is no store named or numbered “Lamps & Co”."),
        ("/ticket 99999999999999999999", "There is no ticket 99999999999999999999."),  # past any database integer
        ("/ticket", "To read a ticket: /ticket ID"),
        ("/ticket Berlin Gadgets", "To read a ticket: /ticket ID"),
    ):
        await jo.send(command, chat=moderators.chat_id)
        await jo.expect(contains=answer, chat=moderators.chat_id)
    await chat.assert_quiet()


async def test_nobody_else_reads_a_transcript_and_a_support_group_is_shown_none(chat, moderators, talk):  # noqa: F811
    buyer = talk.buyer
    for command in (f"/ticket {talk.ticket_id}", "/ticket 999", "/ticket"):
        await buyer.send(command)  # the same refusal whether the ticket exists or not
        refusal = (await buyer.expect()).text
        assert refusal == "/ticket is for the platform's moderators. Your own tickets: /tickets"
    jo = await chat.person(moderators.jo)
    group = await chat.group("Berlin Gadgets support", members=[buyer, jo], forum=False)
    await buyer.send(f"/ticket {talk.ticket_id}", chat=group)  # not a moderator: ignored
    await chat.assert_quiet()
    await jo.send("/start")  # the bot may write to Jo in private once Jo has written to it
    await jo.expect(contains="Hello, Jo")
    await jo.send(f"/ticket {talk.ticket_id}", chat=group)  # a moderator there reads it in private
    assert "🔒 internal note" in (await jo.expect(contains=f"📜 Ticket {talk.ticket_id}")).text
    await jo.send("/ticket 999", chat=group)
    await jo.expect(contains="There is no ticket 999.")
    await chat.assert_quiet()  # and the group saw nothing of either


async def test_a_long_ticket_comes_in_parts_that_each_fit_and_end_between_messages(chat, bot_app, moderators):  # noqa: F811
    buyer = await chat.user("Alice", lang="en")
    said = [("buyer" if i % 2 else "agent", f"{i:02d} " + "<lamp> & bulb " * 140, ()) for i in range(12)]
    said.append(("agent", "LONG" + " word" * 818, ()))  # 4,094 characters: with its line, more than a part holds
    ticket_id, _ = await _ticket(bot_app, buyer, messages=said)
    jo = await chat.person(moderators.jo)
    await jo.send(f"/ticket {ticket_id}", chat=moderators.chat_id)
    parts = [await jo.expect(contains=f"📜 Ticket {ticket_id}", chat=moderators.chat_id)]
    while sum(p.text.count("word") for p in parts) < 818:
        parts.append(
            await jo.expect(contains=f"📜 Ticket {ticket_id} · Berlin Gadgets #1 · part", chat=moderators.chat_id)
        )
    await chat.assert_quiet()
    assert "(continued)\n" in parts[-1].text  # the long one, cut inside and carried on
    assert len(parts) >= 3 and [p.text.split("\n", 1)[0][-6:] for p in parts[1:]] == [
        f"part {n}" for n in range(2, len(parts) + 1)
    ]
    assert all(len(p.text) <= TEXT_LIMIT for p in parts)
    everything = "\n".join(p.text for p in parts)
    for i in range(12):  # every message whole, in order, none cut between parts
        assert sum(p.text.count(f"{i:02d} <lamp> & bulb") for p in parts) == 1
        assert everything.count(f"{i:02d} " + "<lamp> & bulb " * 139 + "<lamp> & bulb") == 1
    assert sum(p.text.count("word") for p in parts) == 818
    assert everything.index("00 <lamp>") < everything.index("11 <lamp>") < everything.index("LONG")


async def test_the_moderators_group_menu_lists_the_moderators_commands(chat, bot_app, moderators, sandbox, bot_id):  # noqa: F811
    jo = await chat.person(moderators.jo)
    assert MODERATOR_COMMANDS == ("ticket", "flag", "unsuspend", "help")
    assert await shown_menu(sandbox, bot_id, jo, moderators.chat_id) == list(MODERATOR_COMMANDS)
    listed = await bot_app.bot.get_my_commands(scope=BotCommandScopeChat(moderators.chat_id))
    assert {c.command: c.description for c in listed} == {
        "ticket": "Read a ticket: /ticket ID, or /ticket STORE NUMBER",
        "flag": "Flag a store's message: reply to it",
        "unsuspend": "Lift a store's suspension: /unsuspend STORE",
        "help": "What moderators can do here",
    }
    chinese = await bot_app.bot.get_my_commands(scope=BotCommandScopeChat(moderators.chat_id), language_code="zh")
    assert [c.command for c in chinese] == list(MODERATOR_COMMANDS) and chinese[0].description.startswith("查看工单")


async def test_a_moderators_help_in_private_explains_the_work_and_sets_their_menu(chat, moderators, sandbox, bot_id):  # noqa: F811
    jo = await chat.person(moderators.jo)
    await jo.send("/help")
    text = (await jo.expect(contains="You are a moderator")).text
    for part in (
        "Release",
        "Block",
        "Confirm and warn",
        "Confirm and strike",
        "Dismiss",
        "/ticket ID",
        "/flag",
        "/unsuspend STORE",
        "Uphold",
    ):
        assert part in text, part
    assert "You can also use me as a buyer" in text
    await chat.assert_quiet()
    await menu_becomes(sandbox, bot_id, jo, staff_commands(agent=False, moderator=True))
    assert staff_commands(agent=False, moderator=True) == (
        "start",
        "ticket",
        "flag",
        "unsuspend",
        "help",
        "orders",
        "tickets",
        "claim",
        "report",
        "language",
        "cancel",
    )


async def test_a_moderator_who_is_an_agent_gets_both_menus_in_one(chat, bot_app, moderators, sandbox, bot_id):  # noqa: F811
    from tests.e2e.test_roles import make_agent

    jo = await chat.person(moderators.jo)
    await make_agent(bot_app, jo, "Berlin Gadgets")
    await jo.send("/start")
    await jo.expect(contains="Hello, Jo")
    await chat.assert_quiet()
    both = staff_commands(agent=True, moderator=True)
    assert both[:8] == ("start", "queue", "order", "notify", "ticket", "flag", "unsuspend", "help")
    await menu_becomes(sandbox, bot_id, jo, both)
