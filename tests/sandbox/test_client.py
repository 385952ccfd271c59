"""The chat-like test client: handles on existing people, strict reading order, unread output, failures that explain."""

from __future__ import annotations

import asyncio

import pytest
import telegram

from sandbox.client import ControlError, SandboxClient
from sandbox.server import SandboxServer
from tests.sandbox.test_world import png

KEYBOARD = {"inline_keyboard": [[{"text": "Orders", "callback_data": "orders"}]]}


async def test_handle_on_existing_person_and_strict_reading_order(
    api, server: SandboxServer, sandbox: SandboxClient
) -> None:
    made = server.world.add_person("Carol", language_code="de", label="Buyer · Carol")
    carol = await sandbox.person(made.id)
    assert carol.info["label"] == "Buyer · Carol"
    assert await sandbox.person(made.id) is carol  # one handle, so one idea of what Carol has read
    await carol.send("/start")
    for text in ("one", "two", "three"):
        await api.ok("sendMessage", chat_id=carol.id, text=text)
    # "one" came first: expecting "two" fails at once, saying so.
    with pytest.raises(AssertionError, match="but the next one was 'one'; what arrived: \\['one', 'two', 'three'\\]"):
        await carol.expect(contains="two", timeout=2)
    assert (await carol.expect(contains="two", skip_others=True)).text == "two"
    # "one" was passed over on purpose: reading goes on after "two".
    assert (await carol.expect()).text == "three"
    with pytest.raises(AssertionError, match="waited 0.2s .* what arrived: \\[\\]"):
        await carol.expect(timeout=0.2)


async def test_a_duplicate_or_an_unexpected_edit_is_unread_output(api, sandbox: SandboxClient) -> None:
    dan = await sandbox.user("Dan")
    await sandbox.user("Erin")
    await dan.send("hi")
    await dan.expect_nothing_more(within=0)  # his own message is not the bot's output
    for _ in range(2):  # the same answer twice
        await api.ok("sendMessage", chat_id=dan.id, text="Hello, Dan", reply_markup=KEYBOARD)
    hello = await dan.expect(contains="Hello")
    with pytest.raises(AssertionError, match="^Dan got unexpected bot output: message in chat \\d+: 'Hello, Dan'$"):
        await dan.expect_nothing_more()
    await dan.expect(contains="Hello")

    await api.ok("editMessageText", chat_id=dan.id, message_id=hello.message_id, text="Hello again")
    with pytest.raises(AssertionError, match=f"Dan: edit of message {hello.message_id} in chat \\d+: 'Hello again'"):
        await sandbox.assert_quiet(within=0)
    assert (await dan.expect_edit(hello)).text == "Hello again"
    await sandbox.assert_quiet(within=0)  # Dan has read everything, and Erin got nothing at all

    await api.ok("sendMessage", chat_id=dan.id, text="A tip")
    await api.ok("deleteMessage", chat_id=dan.id, message_id=hello.message_id)
    assert [event["type"] for event in await dan.skip(within=0.3)] == ["message", "delete"]  # said so, on purpose
    await sandbox.assert_quiet(within=0)


async def test_a_press_and_its_answer_are_no_unread_output(api, sandbox: SandboxClient) -> None:
    fay = await sandbox.user("Fay")
    await fay.send("/start")
    await api.ok("sendMessage", chat_id=fay.id, text="Menu", reply_markup=KEYBOARD)
    menu = await fay.expect(contains="Menu")

    async def bot_answers() -> None:
        query = await api.next_update("callback_query")
        await api.ok("answerCallbackQuery", callback_query_id=query["id"], text="Your orders")

    answering = asyncio.create_task(bot_answers())
    assert (await menu.press("Orders"))["text"] == "Your orders"
    await answering
    await fay.expect_nothing_more(within=0)


async def test_topic_changes_and_deletions_are_read_with_expect_topic_and_expect_event(
    ptb: telegram.Bot, sandbox: SandboxClient
) -> None:
    agent = await sandbox.user("Agent")
    group = await sandbox.group("Store support", members=[agent])
    thread = (await ptb.create_forum_topic(group, "🟡 #1 Order 812")).message_thread_id
    await ptb.edit_forum_topic(group, thread, name="🔵 #1 Order 812")
    sent = await ptb.send_message(group, "Ticket #1", message_thread_id=thread)
    await ptb.delete_message(group, sent.message_id)
    # The topic's service line is no bot message to expect: its "topic" event stands for it.
    with pytest.raises(AssertionError, match="^Agent got unexpected bot output: ") as unread:
        await agent.expect_nothing_more(within=0)
    assert "topic change in chat" in str(unread.value) and "deletion in chat" in str(unread.value)
    assert "'Ticket #1'" in str(unread.value)

    with pytest.raises(AssertionError, match="but the next one was topic change .*'🟡 #1 Order 812'"):
        await agent.expect_topic("🔵", chat=group)
    assert (await agent.expect_topic("🟡 #1", chat=group))["thread_id"] == thread
    assert (await agent.expect_topic("🔵 #1", chat=group, thread=thread))["name"] == "🔵 #1 Order 812"
    await agent.expect(contains="Ticket #1", chat=group, thread=thread)
    assert (await agent.expect_event("delete"))["message_ids"] == [sent.message_id]
    await agent.expect_nothing_more(within=0)


async def test_an_album_is_expected_whole(ptb: telegram.Bot, sandbox: SandboxClient) -> None:
    gus = await sandbox.user("Gus")
    await gus.send("/start")
    await ptb.send_media_group(
        gus.id, [telegram.InputMediaPhoto(png(5, 5), caption="the box"), telegram.InputMediaPhoto(png(6, 6))]
    )
    await ptb.send_message(gus.id, "Anything else?")
    album = await gus.expect_album(contains="the box")
    assert len(album) == 2 and album[0]["media_group_id"] == album[1]["media_group_id"]
    await gus.expect(contains="Anything else?")
    await gus.expect_nothing_more(within=0)


async def test_control_errors_raise(sandbox: SandboxClient) -> None:
    with pytest.raises(ControlError, match="no person with id 1"):
        await sandbox.person(1)
    buyer = await sandbox.user("Dan")
    await buyer.block()
    with pytest.raises(ControlError, match="has blocked this bot"):
        await buyer.send("hello?")
