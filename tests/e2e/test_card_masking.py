"""A buyer's card number never reaches the seller (issue #20): masked in the topic, in the database, in edits.

The buyer's real handlers are in charge: what the buyer writes goes to their
open ticket's topic with all but the last four digits of a card number as
"•", and the buyer is told once per message not to share card numbers.
"""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from domain.services.albums import ALBUM_WAIT
from domain.services.tickets import open_ticket
from tests.e2e.conftest import PHOTO, bind, make_choice, open_menu
from tests.e2e.seller_side import Shop, buyer_has_started_the_bot, make_shop, open_ticket_in_topic

CARD = "4111 1111 1111 1111"
MASKED = "•••• •••• •••• 1111"
WARNING = "We hid your card number from the seller"


@pytest.fixture
async def group_shop(chat, bot_app) -> Shop:
    return await make_shop(chat, bot_app, with_group=True, stand_in=False)


async def test_a_card_number_in_a_text_a_caption_and_an_edit_reaches_the_topic_masked(group_shop, bot_app, tmp_path):
    shop = group_shop
    ticket_id, thread = await open_ticket_in_topic(shop, bot_app, "About my lamp")
    await shop.agent.expect(contains="Hello, it's me again", chat=shop.group, thread=thread)

    sent = await shop.buyer.send(f"my card is {CARD} please refund")
    copy = await shop.agent.expect(contains="please refund", chat=shop.group, thread=thread)
    assert copy.text == f"👤 Alice:\nmy card is {MASKED} please refund"
    warning = await shop.buyer.expect(contains=WARNING)
    assert "Never share card numbers, CVV or one-time codes" in warning.text
    assert warning["reply_to_message_id"] == sent.message_id  # the buyer sees which message
    await shop.agent.client.assert_quiet()

    await shop.buyer.send_photo(PHOTO, caption="charged twice on 5555-5555-5555-4444")
    photo = await shop.agent.expect(contains="charged twice", chat=shop.group, thread=thread)
    assert photo["photo"] is not None and photo["caption"] == "👤 Alice:\ncharged twice on ••••-••••-••••-4444"
    await shop.buyer.expect(contains=WARNING)
    await shop.agent.client.assert_quiet()

    # An edit that adds a card number: the topic's copy changes to the masked text, and the buyer is warned.
    mine = await shop.buyer.send("the lamp flickers")
    plain = await shop.agent.expect(contains="the lamp flickers", chat=shop.group, thread=thread)
    await shop.agent.client.assert_quiet()
    await shop.buyer.edit(mine, f"the lamp flickers, refund to {CARD}")
    edited = await shop.agent.expect_edit(plain)
    assert edited.text == f"👤 Alice:\nthe lamp flickers, refund to {MASKED}"
    await shop.buyer.expect(contains=WARNING)
    # Edited again, with the card still there: the copy follows, the buyer is not told twice.
    await shop.buyer.edit(mine, f"the lamp flickers badly, refund to {CARD}")
    assert (await shop.agent.expect_edit(plain)).text == f"👤 Alice:\nthe lamp flickers badly, refund to {MASKED}"

    # The ticket's record has the masked text only, and the audit trail the count, never the number.
    async with bot_app.deps.uow_factory() as uow:
        messages = await uow.tickets.messages(ticket_id)
        stored = [m.text for m in messages] + [a.caption for m in messages for a in m.attachments]
        events = [e for e in await uow.audit.for_subject("ticket", ticket_id) if e.event_type.endswith("card_masked")]
    assert f"my card is {MASKED} please refund" in stored
    assert f"the lamp flickers badly, refund to {MASKED}" in stored
    assert [e.data["count"] for e in events] == [1, 1, 1, 1]
    # Nowhere in the bot's records: not the ticket, not the audit trail, not the outbox's calls. (The inbox keeps
    # Telegram's updates as they came, to tell a redelivery from a new update: the pipeline's, not a record.)
    database = sqlite3.connect(tmp_path / "e2e.sqlite3")
    try:
        tables = [
            row[0]
            for row in database.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if row[0] != "inbox_updates"
        ]
        assert {"ticket_messages", "audit_events", "outbox_messages"} <= set(tables)
        for table in tables:
            for row in database.execute(f'SELECT * FROM "{table}"'):  # noqa: S608 - the database's own table names
                dump = " ".join(str(value) for value in row)
                for number in (CARD, CARD.replace(" ", ""), "5555-5555-5555-4444", "5555555555554444"):
                    assert number not in dump, f"{table}: {dump[:300]}"
    finally:
        database.close()


async def test_a_number_that_is_not_a_card_reaches_the_topic_as_written(group_shop, bot_app):
    """An order or tracking number, a phone number, a locker PIN: the seller needs them, the buyer is not warned."""
    shop = group_shop
    _, thread = await open_ticket_in_topic(shop, bot_app, "About my lamp")
    await shop.agent.expect(contains="Hello, it's me again", chat=shop.group, thread=thread)
    text = "tracking 4539 1488 0343 6467, call +62 812 3456 7890 1, locker pin 84920173, card 4111 1111 1111 1112"
    await shop.buyer.send(text)
    assert (await shop.agent.expect(contains="tracking", chat=shop.group, thread=thread)).text == f"👤 Alice:\n{text}"


@pytest.fixture
async def private_shop(chat, bot_app) -> Shop:
    return await make_shop(chat, bot_app, with_group=False, stand_in=False)


async def test_without_a_group_the_agents_private_copy_is_masked_too(private_shop, bot_app):
    """A private copy is the buyer's Telegram message copied: one with a card number goes as its masked text."""
    shop = private_shop
    deps = bot_app.deps
    async with deps.uow_factory() as uow:
        await open_ticket(uow, deps.clock, shop.buyer.id, shop.order_id, "contact_seller", "About my lamp")
        await uow.commit()
    await buyer_has_started_the_bot(shop)
    await shop.buyer.send(f"card {CARD}, and a photo:")
    await shop.agent.expect(contains="Alice")  # the line naming the buyer and the ticket
    assert (await shop.agent.expect(contains="a photo")).text == f"card {MASKED}, and a photo:"
    await shop.buyer.expect(contains=WARNING)
    await shop.buyer.send_photo(PHOTO, caption=f"on {CARD}")
    await shop.agent.expect(contains="Alice")
    photo = await shop.agent.expect()
    assert photo["photo"] is not None and photo["caption"] == f"on {MASKED}"
    await shop.buyer.expect(contains=WARNING)
    await shop.buyer.send("no card in this one")
    await shop.agent.expect(contains="Alice")
    await shop.agent.expect(contains="no card in this one")  # copied as it is


async def test_an_albums_caption_reaches_the_topic_masked_and_the_buyer_is_warned_once(group_shop, bot_app):
    shop = group_shop
    ticket_id, thread = await open_ticket_in_topic(shop, bot_app, "About my lamp")
    await shop.agent.expect(contains="Hello, it's me again", chat=shop.group, thread=thread)
    await shop.buyer.send_album([PHOTO, PHOTO], caption=f"both charged to {CARD}")
    await shop.buyer.expect(contains=WARNING)  # with the album's first part, before it goes on
    await album_gathered(bot_app, ticket_id, parts=2)
    bot_app.deps.clock.advance(seconds=ALBUM_WAIT.total_seconds() + 1)
    bot_app.wake_timers_in(0)
    album = await shop.agent.expect_album(chat=shop.group, thread=thread)
    assert len(album) == 2 and all(m["photo"] for m in album)
    assert album[0]["caption"] == f"👤 Alice:\nboth charged to {MASKED}"
    async with bot_app.deps.uow_factory() as uow:
        (*_, message) = await uow.tickets.messages(ticket_id)
    assert message.text == f"both charged to {MASKED}"
    assert {a.caption for a in message.attachments} <= {None, f"both charged to {MASKED}"}


async def test_a_card_number_typed_in_a_flow_reaches_the_store_masked(chat, shop, bot_app):
    """The text a flow gathers opens the ticket: the store's card shows it masked, the buyer is warned after."""
    buyer = await chat.user("Alice", lang="en")
    await bind(bot_app, shop, buyer, "W-2")
    menu = await open_menu(buyer, "W-2")
    await menu.press("Contact the seller")
    await buyer.expect(contains="What would you like to ask?")
    await buyer.send(f"Was I charged twice? My card is {CARD}")
    confirm = await buyer.expect(contains="Ready to send")
    await make_choice(confirm, "📨 Send to the seller")
    await buyer.expect(contains="Ticket #1 is open")
    await buyer.expect(contains=WARNING)
    card = await shop.agent.expect(contains="Was I charged twice?")
    assert f"My card is {MASKED}" in card.text and CARD not in card.text


async def album_gathered(bot_app, ticket_id: int, parts: int, timeout: float = 5) -> None:
    """Every part recorded; only then may the test clock pass the album's wait (a later part would push it back)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        async with bot_app.deps.uow_factory() as uow:
            (*_, message) = await uow.tickets.messages(ticket_id)
            if len(message.attachments) == parts:
                return
        assert asyncio.get_running_loop().time() < deadline, "the album's parts were never all recorded"
        await asyncio.sleep(0.05)
