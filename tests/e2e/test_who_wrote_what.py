"""Who wrote what in a ticket's topic, where everything arrives from the bot.

A buyer's copy starts with the buyer's first name, the ticket's card names
the buyer (with their @username), and the bot marks an agent's own message:
✍ for a note that stayed among the agents, 👌 once the buyer has the reply.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from domain.models import OutboxMessage
from sandbox.server import SandboxServer
from tests.e2e.conftest import PHOTO
from tests.e2e.seller_side import Shop, make_shop, open_in_topic


@pytest.fixture
async def shop(chat, bot_app) -> Shop:
    return await make_shop(chat, bot_app, with_group=True)


async def test_the_card_and_every_copy_name_the_buyer_as_telegram_shows_them(shop: Shop, sandbox: SandboxServer):
    # The buyer has a username, and goes by another first name than the one the store has on file.
    person = sandbox.world.people[shop.buyer.id]
    person.first_name, person.username = "Alicia", "alicia_b"
    await shop.buyer.send("/open contact_seller Where is my lamp?")
    thread = (await shop.agent.expect_event("topic"))["topic"]["thread_id"]
    card = await shop.agent.expect(contains="Ticket #1", chat=shop.group, thread=thread)
    assert "Buyer: Alicia (@alicia_b)\n" in card.text
    assert "Where is my lamp?" in card.text

    await shop.buyer.send("Any news? See https://example.com/order")
    copy = await shop.agent.expect(contains="Any news?", chat=shop.group, thread=thread)
    assert copy.text == "👤 Alicia:\nAny news? See https://example.com/order"
    bold, link = copy["entities"]
    assert (bold["type"], bold["offset"], bold["length"]) == (
        "bold",
        0,
        len("👤 Alicia:") + 1,
    )  # 👤 is two UTF-16 units
    assert link["type"] == "url" and copy.text[link["offset"] - 1 : link["offset"] - 1 + link["length"]].startswith(
        "https"
    )

    await shop.buyer.send_photo(PHOTO, caption="the box was open")
    photo = await shop.agent.expect(contains="the box was open", chat=shop.group, thread=thread)
    assert photo["photo"] is not None and photo.text == "👤 Alicia:\nthe box was open"

    await shop.buyer.send_photo(PHOTO)  # no caption: the name alone is one
    bare = await shop.agent.expect(chat=shop.group, thread=thread)
    assert bare["photo"] is not None and bare.text == "👤 Alicia:"


async def test_a_reply_gets_ok_once_the_buyer_has_it(shop: Shop):
    thread = await open_in_topic(shop)
    reply = await shop.agent.send("Your lamp ships tomorrow.", chat=shop.group, thread=thread)
    answer = await shop.buyer.expect(contains="Your lamp ships tomorrow.")
    assert answer.text.startswith("🏪 Berlin Gadgets")
    marked = await shop.agent.expect_reaction(reply, "👌")
    assert marked.reactions == ["👌"]
    await shop.agent.expect_topic("🔵 #1", chat=shop.group, thread=thread)
    # The mark is on the agent's message only: nothing else in the topic, nothing more for the buyer.
    await shop.agent.expect_nothing_more()
    await shop.buyer.expect_nothing_more()


async def test_a_long_reply_is_marked_after_its_last_part(shop: Shop, bot_app):
    thread = await open_in_topic(shop)
    long = ("word " * 818).strip()  # one message from the agent, two at the buyer's end with the store's header
    reply = await shop.agent.send(long, chat=shop.group, thread=thread)
    await shop.agent.expect_reaction(reply, "👌")
    # By the time it shows, the buyer has every part.
    history = await shop.buyer.client.call("GET", f"/people/{shop.buyer.id}/chats/{shop.bot_id}/messages")
    assert [m["text"].split("\n")[0] for m in history if m["from"]["is_bot"]][-2:] == [
        "🏪 Berlin Gadgets · 1/2",
        "🏪 Berlin Gadgets · 2/2",
    ]
    await shop.buyer.expect(contains="1/2")
    await shop.buyer.expect(contains="2/2")
    assert await shop.agent.reactions_on(reply) == ["👌"]
    async with bot_app.deps.uow_factory() as uow:  # once, not once per part: a group's sends are few
        rows = (
            await uow.session.execute(select(OutboxMessage).where(OutboxMessage.method == "setMessageReaction"))
        ).scalars()
        assert [row.payload["reaction"] for row in rows] == [[{"type": "emoji", "emoji": "👌"}]]
    await shop.agent.expect_topic("🔵 #1", chat=shop.group, thread=thread)


async def test_a_note_gets_a_pen_and_reaches_nobody(shop: Shop):
    thread = await open_in_topic(shop)
    note = await shop.agent.send("// call the courier before answering", chat=shop.group, thread=thread)
    marked = await shop.agent.expect_reaction(note, "✍")
    assert marked.reactions == ["✍"]
    await shop.buyer.expect_nothing_more(within=0.5)
    await shop.agent.expect_nothing_more()  # no reply in the topic, no rename: the ticket still waits for the store
    assert await shop.agent.reactions_on(note) == ["✍"]  # never 👌: it went nowhere


async def test_an_undelivered_reply_gets_no_ok(shop: Shop, expect_refusals):
    expect_refusals("sendMessage", "bot was blocked by the user")
    thread = await open_in_topic(shop)
    await shop.buyer.block()
    reply = await shop.agent.send("Are you there?", chat=shop.group, thread=thread)
    await shop.agent.expect(contains="This reply was not delivered", chat=shop.group, thread=thread)
    await shop.agent.expect_topic("🔵 #1", chat=shop.group, thread=thread)
    assert await shop.agent.reactions_on(reply) == []


async def test_in_private_mode_a_reply_to_the_card_is_marked_too(chat, bot_app):
    shop = await make_shop(chat, bot_app, with_group=False)
    await shop.buyer.send("/open contact_seller Where is my lamp?")
    card = await shop.agent.expect(contains="Ticket #1")
    assert "Buyer: Alice\n" in card.text
    reply = await shop.agent.reply(card, "It ships tomorrow.")
    await shop.buyer.expect(contains="It ships tomorrow.")
    await shop.agent.expect_reaction(reply, "👌")
    await shop.buyer.send("Thanks!")
    await shop.agent.expect(contains="New message in ticket #1 from Alice")
    await shop.agent.expect(contains="Thanks!")  # a plain copy: the line above names the buyer
