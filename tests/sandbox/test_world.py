"""Media, albums, forum topics, blocking, edits and replies, end to end."""

from __future__ import annotations

import struct
import zlib

import pytest
import telegram
from telegram.error import BadRequest, Forbidden

from sandbox.client import ControlError, SandboxClient
from sandbox.server import SandboxServer
from sandbox.world import Bot


def png(width: int, height: int) -> bytes:
    """A tiny valid PNG of the given size."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


async def test_person_photo_getfile_download(api, ptb: telegram.Bot, sandbox: SandboxClient, http) -> None:
    buyer = await sandbox.user("Alice")
    image = png(40, 30)
    sent = await buyer.send_photo(image, caption="broken /help")
    assert sent["photo"]["width"] == 40 and sent["caption"] == "broken /help"

    message = await api.next_update("message")
    assert message["caption"] == "broken /help"
    photo = message["photo"][-1]
    assert (photo["width"], photo["height"]) == (40, 30)

    file = await ptb.get_file(photo["file_id"])
    assert bytes(await file.download_as_bytearray()) == image
    async with http.get(sandbox.url + sent["photo"]["url"]) as response:
        assert await response.read() == image


async def test_bot_uploads_get_unique_ids(ptb: telegram.Bot, sandbox: SandboxClient) -> None:
    buyer = await sandbox.user("Alice")
    await buyer.send("/start")
    first = await ptb.send_document(buyer.id, document=b"%PDF-1", filename="a.pdf", caption="invoice")
    second = await ptb.send_document(buyer.id, document=b"%PDF-1", filename="a.pdf")
    assert first.document.file_id != second.document.file_id
    assert first.document.file_unique_id != second.document.file_unique_id
    again = await ptb.send_photo(buyer.id, photo=png(8, 8))
    resent = await ptb.send_photo(buyer.id, photo=again.photo[-1].file_id)
    assert resent.photo[-1].file_unique_id == again.photo[-1].file_unique_id
    seen = await buyer.expect(contains="invoice")
    assert seen["document"]["file_name"] == "a.pdf"
    with pytest.raises(BadRequest):
        await ptb.send_photo(buyer.id, photo="no-such-file-id")


async def test_albums_both_ways(api, ptb: telegram.Bot, sandbox: SandboxClient) -> None:
    buyer = await sandbox.user("Alice")
    album = await buyer.send_album([png(10, 10), png(20, 20), png(30, 30)], caption="damage")
    assert len({m["media_group_id"] for m in album}) == 1 and album[0]["media_group_id"]
    updates = [await api.next_update("message") for _ in album]
    assert [u["media_group_id"] for u in updates] == [album[0]["media_group_id"]] * 3
    assert updates[0]["caption"] == "damage" and "caption" not in updates[1]

    sent = await ptb.send_media_group(
        buyer.id,
        [telegram.InputMediaPhoto(png(5, 5), caption="one"), telegram.InputMediaPhoto(png(6, 6))],
    )
    assert len(sent) == 2 and sent[0].media_group_id == sent[1].media_group_id
    assert sent[0].caption == "one"
    copied = await ptb.copy_messages(buyer.id, buyer.id, [m.message_id for m in sent])
    assert len(copied) == 2


async def test_forum_topic_lifecycle(
    ptb: telegram.Bot, server: SandboxServer, bot: Bot, sandbox: SandboxClient, api
) -> None:
    agent = await sandbox.user("Agent")
    group = await sandbox.group("Store support", members=[agent])
    topic = await ptb.create_forum_topic(group, "Order #812")
    thread = topic.message_thread_id

    created = await agent.expect_event("topic")
    assert created["topic"]["name"] == "Order #812"
    sent = await ptb.send_message(group, "New ticket", message_thread_id=thread)
    assert sent.message_thread_id == thread and sent.is_topic_message
    seen = await agent.expect(chat=group, thread=thread, contains="New ticket")
    assert seen.thread_id == thread

    await agent.send("I'll take it", chat=group, thread=thread)
    update = await api.next_update("message")
    assert update["message_thread_id"] == thread and update["is_topic_message"] is True
    assert update["chat"]["is_forum"] is True
    # Telegram shows the topic's creation message as what a plain topic message replies to.
    assert update["reply_to_message"]["forum_topic_created"] == {"name": "Order #812", "icon_color": 7322096}

    assert await ptb.edit_forum_topic(group, thread, name="Order #812 (done)")
    assert await ptb.close_forum_topic(group, thread)
    with pytest.raises(BadRequest, match="(?i)topic_not_modified"):
        await ptb.close_forum_topic(group, thread)
    assert await ptb.reopen_forum_topic(group, thread)
    assert await ptb.delete_forum_topic(group, thread)
    with pytest.raises(BadRequest, match="^Message thread not found$"):
        await ptb.send_message(group, "late", message_thread_id=thread)
    summary = next(chat for chat in await agent.chats() if chat["id"] == group)
    assert summary["topics"] == []


async def test_forum_topic_needs_rights(ptb: telegram.Bot, server: SandboxServer, bot: Bot) -> None:
    group = server.world.add_group("No rights", admin_bot_ids=[bot.id], admin_rights={"can_manage_topics": False})
    with pytest.raises(BadRequest, match="^Not enough rights to create a topic$"):
        await ptb.create_forum_topic(group.id, "x")
    plain = server.world.add_group("Plain", is_forum=False, admin_bot_ids=[bot.id])
    with pytest.raises(BadRequest, match="^The chat is not a forum$"):
        await ptb.create_forum_topic(plain.id, "x")


async def test_block_sends_my_chat_member_and_refuses(api, ptb: telegram.Bot, sandbox: SandboxClient, bot: Bot) -> None:
    buyer = await sandbox.user("Alice")
    await buyer.send("/start")
    await api.next_update("message")
    await buyer.block()
    update = await api.next_update("my_chat_member")
    assert update["old_chat_member"]["status"] == "member"
    assert update["new_chat_member"] == {"status": "kicked", "user": bot.as_user(), "until_date": 0}
    with pytest.raises(Forbidden):
        await ptb.send_message(buyer.id, "still there?")
    await buyer.unblock()
    update = await api.next_update("my_chat_member")
    assert update["new_chat_member"]["status"] == "member"
    assert (await ptb.send_message(buyer.id, "welcome back")).text == "welcome back"


async def test_edits_and_replies(api, ptb: telegram.Bot, sandbox: SandboxClient) -> None:
    buyer = await sandbox.user("Alice")
    mine = await buyer.send("my order is late")
    await api.next_update("message")
    await buyer.edit(mine, "my order is very late")
    edited = await api.next_update("edited_message")
    assert edited["text"] == "my order is very late" and edited["edit_date"] >= edited["date"]

    keyboard = telegram.InlineKeyboardMarkup([[telegram.InlineKeyboardButton("Track", callback_data="t")]])
    reply = await ptb.send_message(
        buyer.id, "Sorry!", reply_parameters=telegram.ReplyParameters(mine.message_id), reply_markup=keyboard
    )
    assert reply.reply_to_message.message_id == mine.message_id
    shown = await buyer.expect(contains="Sorry")
    assert shown["reply_to_message_id"] == mine.message_id

    await reply.edit_text("Sorry, on its way")  # no reply_markup: the keyboard goes
    after = await buyer.expect_edit(shown)
    assert after.text == "Sorry, on its way" and after["reply_markup"] is None

    answer = await buyer.reply(shown, "thanks")
    update = await api.next_update("message")
    assert update["reply_to_message"]["message_id"] == shown.message_id and answer.text == "thanks"
    legacy = await ptb.send_message(buyer.id, "legacy", reply_to_message_id=answer.message_id)
    assert legacy.reply_to_message.text == "thanks"

    assert await ptb.delete_message(buyer.id, reply.message_id)
    deleted = await buyer.expect_event("delete")
    assert deleted["message_ids"] == [reply.message_id]


async def test_group_messages_reach_admin_bot(api, sandbox: SandboxClient) -> None:
    agent, other = await sandbox.user("Agent"), await sandbox.user("Other")
    group = await sandbox.group("Plain group", members=[agent, other], forum=False)
    await agent.send("hello all", chat=group)
    update = await api.next_update("message")
    assert update["chat"] == {"id": group, "title": "Plain group", "type": "supergroup"}
    assert update["from"]["id"] == agent.id
    events = await other.client.call("GET", f"/people/{other.id}/events", params={"after": 0})
    assert events["events"][0]["message"]["text"] == "hello all"


async def test_bot_is_told_it_became_admin(api, sandbox: SandboxClient, bot: Bot) -> None:
    agent = await sandbox.user("Agent")
    group = await sandbox.group("Store support", members=[agent])
    update = await api.next_update("my_chat_member")
    assert update["chat"]["id"] == group and update["from"]["id"] == agent.id
    assert update["new_chat_member"]["status"] == "administrator"
    assert update["new_chat_member"]["can_manage_topics"] is True


async def test_closed_topic(ptb: telegram.Bot, server: SandboxServer, bot: Bot, sandbox: SandboxClient) -> None:
    agent = await sandbox.user("Agent")
    group_id = await sandbox.group("Support", members=[agent])
    thread = (await ptb.create_forum_topic(group_id, "Closed one")).message_thread_id
    await ptb.close_forum_topic(group_id, thread)
    assert (await ptb.send_message(group_id, "admins may", message_thread_id=thread)).text == "admins may"
    server.world.groups[group_id].bot_rights[bot.id]["can_manage_topics"] = False
    with pytest.raises(BadRequest, match="(?i)topic_closed"):
        await ptb.send_message(group_id, "now refused", message_thread_id=thread)
    with pytest.raises(ControlError, match="is closed"):
        await agent.send("me too?", chat=group_id, thread=thread)
