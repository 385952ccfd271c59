"""Agents writing to a buyer first (`/notify`, `/order` and its button), and a buyer's album reaching the topic whole."""

from __future__ import annotations

from domain.services.orders import import_orders
from domain.services.tickets import open_ticket
from tests.e2e.conftest import PHOTO, make_choice
from tests.e2e.seller_side import buyer_has_started_the_bot, copy_recorded, make_shop, shipped_order


async def add_unlinked_order(bot_app, number: str) -> None:
    deps = bot_app.deps
    async with deps.uow_factory() as uow:
        store = (await uow.stores.list())[0]
        await import_orders(uow, deps.clock, store.id, [shipped_order(number)])
        await uow.commit()


async def topic_after_the_album_wait(shop, clock) -> int:
    """The sweeper passes an album on once its wait is over; the tests' clock moves by hand until the topic appears."""
    for _ in range(50):
        clock.advance(seconds=1)
        try:
            return (await shop.agent.expect_event("topic", timeout=0.2))["topic"]["thread_id"]
        except AssertionError:
            continue
    raise AssertionError("the album never reached a topic")


async def test_notify_opens_a_ticket_when_the_order_has_none(chat, bot_app):
    shop = await make_shop(chat, bot_app, with_group=True)
    await buyer_has_started_the_bot(shop)
    await shop.agent.send("/notify W-1 Your parcel ships on <b>Monday</b>.", chat=shop.group)
    await shop.agent.expect(contains="Sent to the buyer in ticket #1", chat=shop.group)
    note = await shop.buyer.expect(contains="Your parcel ships on")
    assert note.text == "🏪 Berlin Gadgets\nYour parcel ships on <b>Monday</b>."  # text, not markup

    thread = (await shop.agent.expect_event("topic"))["topic"]["thread_id"]
    card = await shop.agent.expect(contains="Ticket #1", chat=shop.group, thread=thread)
    assert "W-1" in card.text and card.buttons == [["✅ Close ticket"]]
    await shop.agent.expect(contains="Your parcel ships on", chat=shop.group, thread=thread)  # what was sent

    await shop.buyer.send("Great, thank you!")
    await shop.agent.expect(contains="Great, thank you!", chat=shop.group, thread=thread)
    await shop.agent.expect_topic("🟡 #1", chat=shop.group, thread=thread)  # the store's turn again


async def test_the_order_card_button_opens_the_ticket_and_its_topic(chat, bot_app):
    shop = await make_shop(chat, bot_app, with_group=True)
    await buyer_has_started_the_bot(shop)
    await shop.agent.send("/order W-1", chat=shop.group)
    card = await shop.agent.expect(contains="Order W-1", chat=shop.group)
    assert "Desk lamp × 2" in card.text and card.buttons == [["✉️ Message the buyer"]]

    answer = await card.press("✉️ Message the buyer")
    assert answer["show_alert"] and answer["text"] == "Ticket #1 is open. Write to the buyer in its topic."
    thread = (await shop.agent.expect_event("topic"))["topic"]["thread_id"]
    await shop.agent.expect(contains="Ticket #1", chat=shop.group, thread=thread)
    await shop.agent.send("Hello! A question about your order.", chat=shop.group, thread=thread)
    assert (await shop.buyer.expect(contains="A question about")).text.startswith("🏪 Berlin Gadgets")
    await shop.agent.expect_topic("🔵 #1", chat=shop.group, thread=thread)  # the buyer's turn

    again = await card.press("✉️ Message the buyer")
    assert again["text"].startswith("Ticket #1 is already open on this order.")
    await shop.agent.send("/queue", chat=shop.group)
    queue = await shop.agent.expect(contains="Open tickets of Berlin Gadgets", chat=shop.group)
    assert queue.text.count("#1 ") == 1 and "waits for the buyer" in queue.text


async def test_without_a_group_the_button_sends_a_card_to_reply_to(chat, bot_app):
    shop = await make_shop(chat, bot_app, with_group=False)
    await buyer_has_started_the_bot(shop)
    await shop.agent.send("/order W-1")
    card = await shop.agent.expect(contains="Order W-1")
    answer = await card.press("✉️ Message the buyer")
    assert answer["text"] == "Ticket #1 is open. Reply to its card to write to the buyer."
    ticket_card = await shop.agent.expect(contains="Ticket #1")
    assert "Reply to this card" in ticket_card.text
    await copy_recorded(bot_app, ticket_card)
    await shop.agent.reply(ticket_card, "Would you like gift wrapping?")
    await shop.buyer.expect(contains="Would you like gift wrapping?")


async def test_outreach_says_why_it_cannot_write(chat, bot_app):
    shop = await make_shop(chat, bot_app, with_group=True, stand_in=False)
    await add_unlinked_order(bot_app, "W-9")
    await shop.agent.send("/notify W-9 Hello", chat=shop.group)
    await shop.agent.expect(contains="has not linked it to Telegram yet", chat=shop.group)
    await shop.agent.send("/order W-9", chat=shop.group)
    card = await shop.agent.expect(contains="Order W-9", chat=shop.group)
    assert card.buttons == [] or card.buttons is None
    assert "cannot write to them" in card.text
    await shop.agent.send("/order", chat=shop.group)
    await shop.agent.expect(contains="/order <order number>", chat=shop.group)
    # Someone who is no agent: in a private chat /notify is refused, /order shows their own orders.
    await shop.buyer.send("/notify W-1 hi")
    await shop.buyer.expect(contains="Only the store's agents can do that")
    await shop.buyer.send("/order")
    orders = await shop.buyer.expect()
    assert any("W-1" in button for row in orders.buttons for button in row)


async def test_an_album_reaches_the_topic_as_one_album(chat, bot_app):
    shop = await make_shop(chat, bot_app, with_group=True, stand_in=False)
    deps = bot_app.deps
    async with deps.uow_factory() as uow:
        opened = await open_ticket(uow, deps.clock, shop.buyer.id, shop.order_id, "contact_seller", "Is it broken?")
        await uow.commit()
    sent = await shop.buyer.send_album([PHOTO, PHOTO, PHOTO], caption="three sides of the box")
    assert len({m["media_group_id"] for m in sent}) == 1
    thread = await topic_after_the_album_wait(shop, deps.clock)
    await shop.agent.expect(contains="Ticket #1", chat=shop.group, thread=thread)
    album = await shop.agent.expect_album(contains="three sides of the box", chat=shop.group, thread=thread)
    assert len(album) == 3 and all(m["photo"] for m in album)
    assert album[0].text == "👤 Alice:\nthree sides of the box"  # the buyer's name over the album's caption
    async with deps.uow_factory() as uow:
        kept = [m for m in await uow.tickets.messages(opened.ticket.ticket_id) if m.media_group_id]
        assert len(kept) == 1 and len(kept[0].attachments) == 3 and kept[0].text == "three sides of the box"


async def test_a_buyers_sticker_reaches_the_topic(chat, bot_app):
    shop = await make_shop(chat, bot_app, with_group=True, stand_in=False)
    deps = bot_app.deps
    async with deps.uow_factory() as uow:
        opened = await open_ticket(
            uow, deps.clock, shop.buyer.id, shop.order_id, "contact_seller", "Thanks for the help"
        )
        await uow.commit()
    await shop.buyer.send_sticker(emoji="👍")
    thread = (await shop.agent.expect_event("topic"))["topic"]["thread_id"]
    await shop.agent.expect(contains="Ticket #1", chat=shop.group, thread=thread)
    await shop.agent.expect(
        contains="👤 Alice:", chat=shop.group, thread=thread
    )  # a sticker has no caption to carry it
    sticker = await shop.agent.expect(chat=shop.group, thread=thread)
    assert sticker["sticker"]["emoji"] == "👍"
    async with deps.uow_factory() as uow:
        kinds = [[a.kind for a in m.attachments] for m in await uow.tickets.messages(opened.ticket.ticket_id)]
    assert kinds == [[], ["sticker"]]
    await buyer_has_started_the_bot(shop)  # (the stand-in is off: the bot may write only to who wrote first)
    await shop.agent.send_sticker(emoji="🙏", chat=shop.group, thread=thread)
    got = await shop.buyer.expect()
    assert got["sticker"]["emoji"] == "🙏"
    await shop.agent.expect_topic("🔵 #1", chat=shop.group, thread=thread)


async def test_an_album_with_several_open_tickets_is_asked_about_once_and_goes_whole(chat, bot_app):
    shop = await make_shop(chat, bot_app, with_group=True, stand_in=False)
    deps = bot_app.deps
    async with deps.uow_factory() as uow:
        await open_ticket(uow, deps.clock, shop.buyer.id, shop.order_id, "contact_seller", "A question")
        second = await open_ticket(uow, deps.clock, shop.buyer.id, shop.order_id, "shipping_eta", "Where is it?")
        await uow.commit()
    await shop.buyer.send_album([PHOTO, PHOTO], caption="the label")
    question = await shop.buyer.expect(contains="Which one is this message for")
    await make_choice(question, next(b for row in question.buttons for b in row if "#2" in b))
    thread = await topic_after_the_album_wait(shop, deps.clock)
    await shop.agent.expect(contains="Ticket #2", chat=shop.group, thread=thread)
    album = await shop.agent.expect_album(contains="the label", chat=shop.group, thread=thread)
    assert len(album) == 2 and all(m["photo"] for m in album)
    questions = await shop.buyer.client.call("GET", f"/people/{shop.buyer.id}/chats/{shop.bot_id}/messages")
    assert len([m for m in questions if "Which one is this" in (m["text"] or "")]) == 1
    async with deps.uow_factory() as uow:
        kept = [m for m in await uow.tickets.messages(second.ticket.ticket_id) if m.media_group_id]
        assert len(kept) == 1 and len(kept[0].attachments) == 2
