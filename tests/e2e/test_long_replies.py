"""Agents' replies at Telegram's limits, end to end: the store's header never pushes a text over 4,096 or a caption over 1,024.

An agent's client sends at most 4,096 characters in one message; the store's
name added on top must not make Telegram refuse it. The buyer gets it in
parts, each headed by the store and within the limit, that read back as the
agent's text. A buyer-side stand-in opens the ticket (`tests.e2e.seller_side`).
"""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from domain.models import OutboxMessage
from tests.e2e.conftest import PHOTO
from tests.e2e.seller_side import Shop, copy_recorded, make_shop, open_in_topic

HEADER = "🏪 Berlin Gadgets"
URL = "https://example.com/returns/label"


@pytest.fixture
async def shop(chat, bot_app) -> Shop:
    return await make_shop(chat, bot_app, with_group=True)


def long_text(length: int, seed: str = "") -> str:
    """Paragraphs of sentences with links and hashtags (auto-detected entities), exactly `length` characters.

    Characters outside Latin-1 but inside the BMP (ß, 中) make code points and
    UTF-16 units differ from bytes while keeping one Telegram message.
    """
    sentence = f"Straße {seed}Nummer {{n}}: the parcel 中转 is on its way, see {URL} #tracking. "
    paragraphs, n = [], 0
    while sum(len(p) + 2 for p in paragraphs) < length:
        paragraphs.append("".join(sentence.format(n=n + i) for i in range(5)).strip())
        n += 5
    text = "\n\n".join(paragraphs)[: length - 10]
    text = (
        text[: text.rindex("#tracking.") + len("#tracking.")] + " Thanks"
    )  # ends after a whole sentence: no link cut short
    return text + "!" * (length - len(text))


def read_back(original: str, bodies: list[str]) -> bool:
    """Whether `bodies`, in order, are `original` with only whitespace left out between them."""
    position = 0
    for body in bodies:
        while position < len(original) and original[position].isspace():
            position += 1
        if not body or original[position : position + len(body)] != body:
            return False
        position += len(body)
    return original[position:].strip() == ""


def body_of(message) -> str:
    header, _, body = message.text.partition("\n")
    assert header.startswith(HEADER), message
    return body


async def settled(bot_app, timeout: float = 10) -> list[OutboxMessage]:
    """Wait until the outbox has sent (or given up on) every row; the rows that failed."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        async with bot_app.deps.uow_factory() as uow:
            rows = (await uow.session.scalars(select(OutboxMessage))).all()
        if all(row.sent_at is not None or row.failed_at is not None for row in rows):
            return [row for row in rows if row.failed_at is not None]
        assert asyncio.get_running_loop().time() < deadline, "the outbox never drained"
        await asyncio.sleep(0.05)


async def receive_whole(shop: Shop, original: str) -> list:
    """The buyer's new messages from the bot until they read back as `original`."""
    parts = []
    while not read_back(original, [body_of(part) for part in parts]):
        parts.append(await shop.buyer.expect())
        assert len(parts) <= 3, parts
    return parts


def assert_within_limits(part, limit: int) -> None:
    """At most `limit` characters (code points, as Telegram counts), the header bold, links whole."""
    text = part.text
    assert len(text) <= limit, (len(text), limit)
    units = text.encode("utf-16-le")
    assert part["entities"][0] == {
        "type": "bold",
        "offset": 0,
        "length": len(text.partition("\n")[0].encode("utf-16-le")) // 2,
    }
    for entity in part["entities"]:
        assert entity["offset"] + entity["length"] <= len(units) // 2
        if entity["type"] == "url":  # a link is never cut in two
            start, end = entity["offset"] * 2, (entity["offset"] + entity["length"]) * 2
            assert units[start:end].decode("utf-16-le") == URL


async def assert_nothing_refused_nothing_else(shop: Shop, bot_app, chat) -> None:
    assert await settled(bot_app) == []
    assert await chat.refusals() == []
    await shop.buyer.expect_nothing_more()
    await shop.agent.expect_nothing_more()  # no "not delivered" in the topic


async def reply_in_topic(shop: Shop, thread: int, text: str):
    """The agent's message in the ticket's topic; the topic's title then shows the ticket waits for the buyer."""
    sent = await shop.agent.send(text, chat=shop.group, thread=thread)
    assert sent.text == text  # one message from the agent's app
    await shop.agent.expect_event("topic")
    return sent


async def test_a_reply_of_4096_characters_reaches_the_buyer_whole_in_parts_headed_by_the_store(shop, bot_app, chat):
    thread = await open_in_topic(shop)
    original = long_text(4096)
    await reply_in_topic(shop, thread, original)

    parts = await receive_whole(shop, original)
    assert len(parts) == 2
    for part in parts:
        assert_within_limits(part, 4096)
    await assert_nothing_refused_nothing_else(shop, bot_app, chat)

    # Every part is the store's message: a reply to any of them reaches the ticket.
    for part in parts:
        await copy_recorded(bot_app, part)
    await shop.buyer.reply(parts[-1], "Thank you, all clear")
    await shop.agent.expect(contains="Thank you, all clear", chat=shop.group, thread=thread)
    await shop.agent.expect_event("topic")  # waits for the store again


async def test_a_photo_with_a_1024_character_caption_reaches_the_buyer_with_the_rest_following(shop, bot_app, chat):
    thread = await open_in_topic(shop)
    original = long_text(1024)
    photo = await shop.agent.send_photo(PHOTO, caption=original, chat=shop.group, thread=thread)
    await shop.agent.expect_event("topic")

    parts = await receive_whole(shop, original)
    assert parts[0]["photo"] is not None
    assert [p["photo"] for p in parts[1:]] == [None]  # the rest as a text right after it
    assert_within_limits(parts[0], 1024)
    assert_within_limits(parts[1], 4096)
    await assert_nothing_refused_nothing_else(shop, bot_app, chat)
    for part in parts:
        await copy_recorded(bot_app, part)

    # A shorter caption: the photo's caption changes, the text that followed says it is gone.
    await shop.agent.edit(photo, "Just this photo, sorry.")
    captioned, rest = [await shop.buyer.expect_edit(part) for part in parts]
    assert captioned["caption"] == f"{HEADER}\nJust this photo, sorry." and captioned["photo"] is not None
    assert "removed" in rest.text
    await assert_nothing_refused_nothing_else(shop, bot_app, chat)


async def test_a_long_reply_to_a_buyer_who_blocked_the_bot_is_reported_once(shop, bot_app, chat, expect_refusals):
    thread = await open_in_topic(shop)
    await shop.buyer.block()
    expect_refusals("sendMessage", "bot was blocked by the user")  # the first part; the second is not tried
    await reply_in_topic(shop, thread, long_text(4096))
    report = await shop.agent.expect(contains="not delivered", chat=shop.group, thread=thread)
    assert "blocked" in report.text
    assert len(await settled(bot_app)) == 2  # both parts given up
    await shop.agent.expect_nothing_more()


async def test_edits_of_a_reply_in_parts_stay_within_the_limit_and_reach_every_part(shop, bot_app, chat):
    thread = await open_in_topic(shop)
    original = long_text(4096)
    sent = await reply_in_topic(shop, thread, original)
    parts = await receive_whole(shop, original)
    for part in parts:
        await copy_recorded(bot_app, part)

    # The same length, every part changed: each is edited in place.
    changed = long_text(4096, seed="No. ")
    await shop.agent.edit(sent, changed)
    edited = [await shop.buyer.expect_edit(part) for part in parts]
    assert read_back(changed, [body_of(part) for part in edited])
    for part in edited:
        assert_within_limits(part, 4096)

    # Only the end changed: the first part is left alone (an edit that changes nothing is refused).
    await shop.agent.edit(sent, changed[:-10] + "Tschüss!!!")
    last = await shop.buyer.expect_edit(parts[-1])
    assert read_back(changed[:-10] + "Tschüss!!!", [body_of(edited[0]), body_of(last)])

    # Shortened to one message: the first part says it all, the second says it is gone.
    await shop.agent.edit(sent, "Sorry, wrong ticket: your lamp ships tomorrow.")
    first, second = [await shop.buyer.expect_edit(part) for part in parts]
    assert first.text == f"{HEADER}\nSorry, wrong ticket: your lamp ships tomorrow."
    assert second.text.startswith(HEADER) and "removed" in second.text
    await assert_nothing_refused_nothing_else(shop, bot_app, chat)


async def test_a_reply_edited_past_the_limit_goes_on_in_a_new_part_under_the_first(shop, bot_app, chat):
    thread = await open_in_topic(shop)
    short = long_text(3000)
    sent = await reply_in_topic(shop, thread, short)
    (only,) = await receive_whole(shop, short)
    await copy_recorded(bot_app, only)

    longer = long_text(4096)
    await shop.agent.edit(sent, longer)
    first = await shop.buyer.expect_edit(only)
    rest = await shop.buyer.expect()
    assert rest["reply_to_message_id"] == only.message_id
    assert read_back(longer, [body_of(first), body_of(rest)])
    assert_within_limits(first, 4096)
    assert_within_limits(rest, 4096)
    await assert_nothing_refused_nothing_else(shop, bot_app, chat)
    await copy_recorded(bot_app, rest)


async def test_a_long_notify_from_outside_the_topic_reaches_the_buyer_whole_and_colleagues_see_an_excerpt(shop, chat):
    thread = await open_in_topic(shop)
    command = "/notify W-1 "
    text = long_text(4096 - len(command))  # all an agent's message holds
    await shop.agent.send(command + text)  # from the agent's private chat
    await shop.agent.expect(contains="Sent to the buyer in ticket #1")
    await receive_whole(shop, text)
    note = await shop.agent.expect(contains="Karl wrote to the buyer with /notify", chat=shop.group, thread=thread)
    assert len(note.text) <= 4096 and note.text.endswith("…")
    await shop.agent.expect_topic("🔵 #1", chat=shop.group, thread=thread)
    assert await chat.refusals() == []
