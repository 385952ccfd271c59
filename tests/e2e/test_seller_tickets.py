"""Tickets on the seller side, end to end: a topic per ticket, the relay both ways, edits, closing, rating.

The buyer's own flows belong to the buyer side; here a stand-in handler plays
that part (`tests.e2e.seller_side`).
"""

from __future__ import annotations

from datetime import date

import aiohttp
import pytest

from domain.enums import OrderStatus
from domain.services.orders import import_orders
from tests.e2e.conftest import PHOTO, order_row
from tests.e2e.seller_side import Shop, copy_recorded, make_shop, open_in_topic, see_the_topic_closed


@pytest.fixture
async def shop(chat, bot_app) -> Shop:
    return await make_shop(chat, bot_app, with_group=True)


async def test_a_ticket_gets_a_topic_with_a_card_and_the_relay_works_both_ways(shop):
    thread = await open_in_topic(shop)
    topics = [c for c in await shop.agent.chats() if c["id"] == shop.group][0]["topics"]
    assert (
        topics[0]["name"] == "🟡 #1 Question for the seller · ⏰ 23 Nov 12:00 UTC"
    )  # waits for the store's first answer

    await shop.buyer.send("Hello again, any news?")
    copy = await shop.agent.expect(contains="Hello again", chat=shop.group, thread=thread)

    await shop.agent.send("Your lamp ships tomorrow.", chat=shop.group, thread=thread)
    answer = await shop.buyer.expect(contains="Your lamp ships tomorrow.")
    assert answer.text.startswith("🏪 Berlin Gadgets\n")
    await shop.agent.expect_topic("🔵 #1 Question for the seller · ⏰ 29 Nov 12:00 UTC", chat=shop.group, thread=thread)
    assert "Karl" not in answer.text
    assert answer["entities"][0]["type"] == "bold"

    # An internal note stays in the topic; the next reply arrives with nothing before it.
    await shop.agent.send("// check the warehouse first", chat=shop.group, thread=thread)
    await shop.agent.send("Tracking: TRK1", chat=shop.group, thread=thread)
    await shop.buyer.expect(contains="Tracking: TRK1")
    history = await shop.buyer.client.call("GET", f"/people/{shop.buyer.id}/chats/{shop.bot_id}/messages")
    assert not any("warehouse" in (m["text"] or "") for m in history)

    # Edits follow both ways.
    await shop.agent.edit(await _last_from(shop.agent, shop.group, thread, "Tracking"), "Tracking: TRK2")
    edited = await shop.buyer.expect_edit(await _last_bot_message(shop.buyer, shop.bot_id, "Tracking"))
    assert edited.text == "🏪 Berlin Gadgets\nTracking: TRK2"
    mine = await _last_from(shop.buyer, shop.bot_id, None, "Hello again")
    await shop.buyer.edit(mine, "Hello again, where is it?")
    assert (await shop.agent.expect_edit(copy)).text == "👤 Alice:\nHello again, where is it?"  # the name line stays

    # Media: the buyer's photo reaches the topic, the agent's photo reaches the buyer under the store's name.
    await shop.buyer.send_photo(PHOTO, caption="the box was open")
    photo = await shop.agent.expect(contains="the box was open", chat=shop.group, thread=thread)
    assert photo["photo"] is not None
    await shop.agent.expect_topic("🟡 #1 Question for the seller", chat=shop.group, thread=thread)  # the store's turn
    await shop.agent.send_photo(PHOTO, caption="this one?", chat=shop.group, thread=thread)
    reply = await shop.buyer.expect(contains="this one?")
    assert reply["photo"] is not None and reply.text.startswith("🏪 Berlin Gadgets")
    await shop.agent.expect_topic("🔵 #1 Question for the seller · ⏰ 29 Nov 12:00 UTC", chat=shop.group, thread=thread)


async def _last_from(person, chat_id: int, thread: int | None, contains: str):
    from sandbox.client import Msg

    params = {"thread_id": thread} if thread is not None else {}
    messages = await person.client.call("GET", f"/people/{person.id}/chats/{chat_id}/messages", params=params)
    found = [m for m in messages if not m["from"]["is_bot"] and contains in (m["text"] or m["caption"] or "")]
    return Msg(found[-1], person)


async def _last_bot_message(person, chat_id: int, contains: str):
    from sandbox.client import Msg

    messages = await person.client.call("GET", f"/people/{person.id}/chats/{chat_id}/messages")
    found = [m for m in messages if m["from"]["is_bot"] and contains in (m["text"] or m["caption"] or "")]
    return Msg(found[-1], person)


async def test_a_reply_to_a_buyer_who_blocked_the_bot_is_reported_in_the_topic(shop, expect_refusals):
    expect_refusals("sendMessage", "bot was blocked by the user")
    thread = await open_in_topic(shop)
    await shop.buyer.block()
    await shop.agent.send("Are you there?", chat=shop.group, thread=thread)
    report = await shop.agent.expect(contains="not delivered", chat=shop.group, thread=thread)
    assert "blocked" in report.text
    await shop.agent.expect_topic("🔵 #1", chat=shop.group, thread=thread)


async def test_a_deleted_topic_is_made_again_with_the_history(shop, sandbox, bot_token, expect_refusals):
    # Telegram tells a bot nothing of a deleted topic: the bot learns it when what it sends there is refused.
    expect_refusals("sendMessage", "message thread not found")  # the buyer's text, under their name
    expect_refusals("editForumTopic", "message thread not found")  # the rename sent along with the copy
    thread = await open_in_topic(shop, "My lamp flickers")
    reply = await shop.agent.send("Try another bulb", chat=shop.group, thread=thread)
    await shop.buyer.expect(contains="Try another bulb")
    await shop.agent.expect_topic("🔵 #1", chat=shop.group, thread=thread)
    await shop.agent.expect_reaction(reply, "👌")  # delivered; the topic goes only after that
    async with aiohttp.ClientSession() as http:
        async with http.post(
            f"{sandbox.bot_api_base_url}{bot_token}/deleteForumTopic",
            json={"chat_id": shop.group, "message_thread_id": thread},
        ) as response:
            assert (await response.json())["ok"] is True
    await shop.agent.expect_event("delete")
    assert (await shop.agent.expect_topic(chat=shop.group, thread=thread))["deleted"]
    await shop.buyer.send("Still flickering")
    new_thread = (await shop.agent.expect_topic("#1", chat=shop.group))["thread_id"]
    await shop.agent.expect(contains="Ticket #1", chat=shop.group, thread=new_thread)
    history = await shop.agent.expect(contains="History of ticket #1", chat=shop.group, thread=new_thread)
    assert "Try another bulb" in history.text and "My lamp flickers" in history.text
    assert "Still flickering" not in history.text  # it comes as its own copy, next
    await shop.agent.expect(contains="Still flickering", chat=shop.group, thread=new_thread)
    shown = await shop.agent.client.call(
        "GET", f"/people/{shop.agent.id}/chats/{shop.group}/messages", params={"thread_id": new_thread}
    )
    said = [m["text"] for m in shown if m["from"]["is_bot"] and m["text"]]  # not the "topic created" line
    assert len(said) == 3 and said[2] == "👤 Alice:\nStill flickering"  # card, history, the new message: nothing twice


async def test_files_a_flow_collected_reach_the_topic(shop):
    await shop.buyer.send_photo(PHOTO, caption="/open contact_seller Scratched on arrival")
    event = await shop.agent.expect_event("topic")
    thread = event["topic"]["thread_id"]
    await shop.agent.expect(contains="Scratched on arrival", chat=shop.group, thread=thread)
    photo = await shop.agent.expect(chat=shop.group, thread=thread)
    assert photo["photo"] is not None


async def test_an_agent_closes_and_the_buyer_rates(shop):
    thread = await open_in_topic(shop)
    card = await _last_bot_message(shop.agent, shop.group, "Ticket #1")
    await card.press("✅ Close ticket")
    await shop.buyer.expect(contains="ticket #1 with Berlin Gadgets is closed")
    ask = await shop.buyer.expect(contains="Rate it from 1 to 5")
    answer = await ask.press("⭐⭐⭐⭐")
    assert answer["text"] == "Thank you!"
    await shop.agent.expect(contains="Ticket #1 is closed", chat=shop.group, thread=thread)
    await shop.agent.expect(contains="rated ticket #1: 4 of 5", chat=shop.group, thread=thread)
    await see_the_topic_closed(shop, thread, card)
    thanked = await shop.buyer.expect_edit(ask)
    assert "⭐⭐⭐⭐" in thanked.text and thanked.buttons == []  # no second rating


async def test_the_queue_puts_quality_checks_first(shop, bot_app):
    await open_in_topic(shop, "Just a question", reason="contact_seller")
    deps = bot_app.deps
    async with deps.uow_factory() as uow:  # the parcel arrives: only then can a problem be reported
        order = await uow.orders.get(shop.order_id)
        row = order_row(order.external_number, OrderStatus.DELIVERED, eta=None, delivered_on=date(2026, 11, 21))
        await import_orders(uow, deps.clock, order.store_id, [row])
        await uow.commit()
    await open_in_topic(shop, "It arrived broken", reason="after_sales")
    await shop.agent.send("/queue", chat=shop.group)
    queue = await shop.agent.expect(contains="Open tickets of Berlin Gadgets", chat=shop.group)
    assert queue.text.index("Problem report") < queue.text.index("Question for the seller")
    assert "waits for a first answer" in queue.text


async def test_first_response_reminders_come_at_half_time_and_when_due(shop, bot_app):
    thread = await open_in_topic(shop)
    bot_app.deps.clock.advance(hours=12, minutes=1)
    await shop.agent.expect(contains="has no answer yet", chat=shop.group, thread=thread, timeout=12)
    bot_app.deps.clock.advance(hours=12)
    await shop.agent.expect(contains="first response is overdue", chat=shop.group, thread=thread, timeout=12)


async def test_without_a_group_agents_answer_by_replying_to_cards(chat, bot_app):
    shop = await make_shop(chat, bot_app, with_group=False)
    await shop.buyer.send("/open contact_seller Is it waterproof?")
    card = await shop.agent.expect(contains="Is it waterproof?")
    await copy_recorded(bot_app, card)
    await shop.agent.reply(card, "Yes, IP44.")
    answer = await shop.buyer.expect(contains="Yes, IP44.")
    assert answer.text.startswith("🏪 Berlin Gadgets")

    await shop.buyer.send("And dustproof?")
    await shop.agent.expect(contains="New message in ticket #1")
    copy = await shop.agent.expect(contains="And dustproof?")
    await copy_recorded(bot_app, copy)
    await shop.agent.reply(copy, "Also.")
    await shop.buyer.expect(contains="Also.")

    # Closed from its card, the card loses its buttons: a second press has nothing to press.
    assert card.buttons
    await card.press("✅ Close ticket")
    await shop.buyer.expect(contains="ticket #1 with Berlin Gadgets is closed")
    await shop.buyer.expect(contains="Rate it from 1 to 5")
    await shop.agent.expect(contains="Ticket #1 is closed")
    assert (await shop.agent.expect_edit(card)).buttons == []


async def test_a_ticket_waiting_on_a_silent_buyer_closes_after_seven_days(shop, bot_app):
    thread = await open_in_topic(shop)
    card = await _last_bot_message(shop.agent, shop.group, "Ticket #1")
    await shop.agent.send("Which colour would you like?", chat=shop.group, thread=thread)
    await shop.buyer.expect(contains="Which colour would you like?")
    await shop.agent.expect_topic("🔵 #1 Question for the seller · ⏰ 29 Nov 12:00 UTC", chat=shop.group, thread=thread)
    bot_app.deps.clock.advance(days=7, minutes=1)
    await shop.buyer.expect(contains="as we heard nothing for a while", timeout=12)
    await shop.buyer.expect(contains="Rate it from 1 to 5")
    await shop.agent.expect(contains="closed after the buyer's silence", chat=shop.group, thread=thread)
    await see_the_topic_closed(shop, thread, card)


async def test_chinese_agents_get_the_card_in_chinese(chat, bot_app, sandbox):
    shop = await make_shop(chat, bot_app, with_group=True)
    async with bot_app.deps.uow_factory() as uow:
        agent = await uow.users.by_telegram_id(shop.agent.id)
        agent.language = "zh"
        await uow.commit()
    await shop.buyer.send("/open shipping_eta 我的包裹在哪里")
    event = await shop.agent.expect_event("topic")
    assert "预计送达与物流" in event["topic"]["name"]
    card = await shop.agent.expect(contains="工单 #1", chat=shop.group, thread=event["topic"]["thread_id"])
    assert "我的包裹在哪里" in card.text and card.buttons == [["✅ 关闭工单"]]


async def test_an_agent_writes_first_with_notify_into_the_orders_open_ticket(shop):
    thread = await open_in_topic(shop)
    await shop.agent.send("/notify W-1 Your parcel ships on Monday.")
    await shop.agent.expect(contains="Sent to the buyer in ticket #1")
    note = await shop.buyer.expect(contains="Your parcel ships on Monday.")
    assert note.text == "🏪 Berlin Gadgets\nYour parcel ships on Monday."
    await shop.agent.expect(contains="Karl wrote to the buyer with /notify", chat=shop.group, thread=thread)
    await shop.agent.expect_topic("🔵 #1", chat=shop.group, thread=thread)  # now the buyer's turn

    await shop.agent.send("/notify W-404 Hello")
    await shop.agent.expect(contains="There is no order W-404 in your store")
    await shop.agent.send("/notify W-1")
    await shop.agent.expect(contains="/notify <order number> <message>")


async def test_a_group_that_refuses_topics_hands_tickets_to_the_agents_private_chats(
    shop, sandbox, bot_app, expect_refusals
):
    expect_refusals("createForumTopic", "not enough rights to create a topic")  # how the bot learns of it
    group = sandbox.world.groups[shop.group]
    for rights in group.bot_rights.values():
        rights["can_manage_topics"] = False  # an admin took the right away after linking
    await shop.buyer.send("/open contact_seller Do you ship to Austria?")
    card = await shop.agent.expect(contains="Do you ship to Austria?")
    assert "Reply to this card" in card.text
    await copy_recorded(bot_app, card)
    await shop.agent.reply(card, "Yes, we do.")
    await shop.buyer.expect(contains="Yes, we do.")
