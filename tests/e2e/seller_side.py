"""The seller side's end-to-end setup: a store with an agent (and a forum group), a buyer bound to one order.

Most seller-side tests let a stand-in play the buyer's side with the same
calls the buyer's flows make (`open_ticket` then `announce_ticket`,
`record_buyer_message` then `relay_buyer_message`); `stand_in=False` leaves the
real buyer handlers in charge.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from telegram import Update
from telegram.ext import ApplicationHandlerStop, MessageHandler, filters

from bot.relay import relay_buyer_message
from bot.relay.announce import announce_ticket
from bot.relay.incoming import incoming_files
from domain.enums import BindingSource, OrderStatus
from domain.services.order_files import OrderRow
from domain.services.orders import import_orders
from domain.services.relay import find_by_copy, record_buyer_message, route_free_text
from domain.services.stores import (
    add_store,
    create_group_link_code,
    invite_agent,
    redeem_agent_invite,
    redeem_group_link_code,
)
from domain.services.tickets import open_ticket
from tests.e2e.conftest import order_row


def shipped_order(number: str) -> OrderRow:
    return order_row(number, OrderStatus.SHIPPED, eta=None)


@dataclass
class Shop:
    buyer: object
    agent: object
    group: int | None
    bot_id: int
    order_id: int
    colleagues: list = field(default_factory=list)  # more agents of the store, in its group too


def stand_in_buyer_side(application, buyer_id: int, order_id: int) -> None:
    """`/open <reason> <text>` opens a ticket; anything else goes to the buyer's open ticket."""

    async def buyer_writes(update: Update, context) -> None:
        message, clock = update.effective_message, context.deps.clock
        command = message.text if message.text is not None else message.caption
        if command and command.startswith("/open"):
            # A photo captioned "/open ..." stands for a flow that collected files along the way.
            _, reason, text = command.split(" ", 2)
            opened = await open_ticket(context.uow, clock, buyer_id, order_id, reason, text, incoming_files(message))
            await announce_ticket(context, opened)
            raise ApplicationHandlerStop
        route = await route_free_text(context.uow, buyer_id)
        if route.kind == "one":
            text = message.text if message.text is not None else message.caption
            entities = [
                e.to_dict() for e in (message.entities if message.text is not None else message.caption_entities)
            ]
            recorded = await record_buyer_message(
                context.uow,
                clock,
                route.ticket_id,
                text,
                entities,
                incoming_files(message),
                buyer_telegram_id=buyer_id,
            )
            await relay_buyer_message(context, route.ticket_id, recorded, message)
        raise ApplicationHandlerStop

    application.add_handler(
        # Commands other than /open (/tickets, /start) reach the buyer's real handlers.
        MessageHandler(
            filters.User(buyer_id)
            & filters.ChatType.PRIVATE
            & filters.UpdateType.MESSAGE
            & (~filters.COMMAND | filters.Regex(r"^/open ")),
            buyer_writes,
        ),
        group=-2,
    )


async def make_shop(
    chat, bot_app, *, with_group: bool, stand_in: bool = True, colleagues: tuple[str, ...] = ()
) -> Shop:
    deps = bot_app.deps
    buyer = await chat.user("Alice", lang="en")
    agent = await chat.user("Karl", lang="en")
    others = [await chat.user(name, lang="en") for name in colleagues]
    group = await chat.group("Berlin Gadgets support", members=[agent, *others], forum=True) if with_group else None
    async with deps.uow_factory() as uow:
        store = await add_store(uow, deps.clock, name="Berlin Gadgets", timezone="UTC", country="DE")
        await import_orders(uow, deps.clock, store.id, [shipped_order("W-1")])
        order = await uow.orders.by_number(store.id, "W-1")
        user = await uow.users.get_or_create(buyer.id, at=deps.clock.now(), display_name="Alice", language="en")
        await uow.users.bind_order(user.id, order.id, source=BindingSource.DEMO, at=deps.clock.now())
        for person, name in ((agent, "Karl"), *zip(others, colleagues)):
            await redeem_agent_invite(
                uow, deps.clock, await invite_agent(uow, deps.clock, store.id), person.id, name, language="en"
            )
        if group is not None:
            await redeem_group_link_code(
                uow, deps.clock, await create_group_link_code(uow, deps.clock, store.id), group, "support"
            )
        await uow.commit()
    if stand_in:
        stand_in_buyer_side(bot_app, buyer.id, order.id)
    await agent.send("/help")  # an agent must have started the bot to get private cards
    await agent.expect(contains="You are an agent of")
    for other in others:
        await other.send("/help")
        await other.expect(contains="You are an agent of")
    return Shop(buyer, agent, group, buyer.default_chat, order.id, others)


async def buyer_has_started_the_bot(shop: Shop) -> None:
    """The buyer talked to the bot before (an order link, say), so the bot may write to them."""
    await shop.buyer.send("/start")
    await shop.buyer.expect(contains="Hello, Alice")
    await shop.buyer.expect(contains="Your orders (1)")


async def open_ticket_in_topic(shop: Shop, bot_app, text: str, files=()) -> tuple[int, int]:
    """With the buyer's real handlers (`stand_in=False`): a ticket opened on the buyer's order; its topic appears when the buyer next writes. (ticket id, thread)."""
    deps = bot_app.deps
    async with deps.uow_factory() as uow:
        opened = await open_ticket(uow, deps.clock, shop.buyer.id, shop.order_id, "contact_seller", text, files)
        await uow.commit()
    await buyer_has_started_the_bot(shop)
    await shop.buyer.send("Hello, it's me again")
    thread = (await shop.agent.expect_event("topic"))["topic"]["thread_id"]
    await shop.agent.expect(contains="Ticket #1", chat=shop.group, thread=thread)
    return opened.ticket.ticket_id, thread


async def open_in_topic(shop: Shop, text: str = "Where is my lamp?", reason: str = "contact_seller") -> int:
    await shop.buyer.send(f"/open {reason} {text}")
    event = await shop.agent.expect_event("topic")
    thread = event["topic"]["thread_id"]
    card = await shop.agent.expect(contains="Ticket #", chat=shop.group, thread=thread)
    assert text in card.text
    return thread


async def copy_recorded(bot_app, message, timeout: float = 5) -> None:
    """The bot learns a copy's id just after Telegram shows it; a human never replies that fast."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        async with bot_app.deps.uow_factory() as uow:
            if await find_by_copy(
                uow, message.chat_id if message.chat_id < 0 else message.person.id, message.message_id
            ):
                return
        assert asyncio.get_running_loop().time() < deadline, f"{message!r} was never recorded"
        await asyncio.sleep(0.05)


async def see_the_topic_closed(shop: Shop, thread: int, card) -> None:
    """What agents see of a ticket closing: its card says so, its topic is renamed ✅ and closed."""
    assert "Status: closed" in (await shop.agent.expect_edit(card)).text
    await shop.agent.expect_topic("✅ #1", chat=shop.group, thread=thread)
    assert (await shop.agent.expect_topic("✅ #1", chat=shop.group, thread=thread))["is_closed"] is True
    topic = [c for c in await shop.agent.chats() if c["id"] == shop.group][0]["topics"][0]
    assert topic["is_closed"] is True and topic["name"].startswith("✅ #1")
