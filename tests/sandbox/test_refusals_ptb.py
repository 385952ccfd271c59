"""The same refusals through python-telegram-bot 22.8, as the bot will meet them.

python-telegram-bot strips "Bad Request: " and capitalises the rest (lower-casing it),
hence the case-insensitive matches.
"""

from __future__ import annotations

import pytest
import telegram
from telegram.error import BadRequest, Conflict, EndPointNotFound, Forbidden, InvalidToken

from sandbox.server import SandboxServer
from sandbox.world import Bot


@pytest.fixture
async def alice(sandbox):
    person = await sandbox.user("Alice")
    await person.send("/start")
    return person


async def test_get_me(ptb: telegram.Bot, bot: Bot) -> None:
    me = await ptb.get_me()
    assert (me.id, me.username, me.is_bot) == (bot.id, "aftersales_test_bot", True)


async def test_wrong_token_raises_invalid_token(server: SandboxServer, bot: Bot) -> None:
    wrong = telegram.Bot(f"{bot.id}:wrong", base_url=server.bot_api_base_url)
    with pytest.raises(InvalidToken):
        await wrong.get_me()


async def test_unknown_chat(ptb: telegram.Bot) -> None:
    with pytest.raises(BadRequest, match="^Chat not found$"):
        await ptb.send_message(chat_id=424242, text="hi")


async def test_blocked_person(ptb: telegram.Bot, alice) -> None:
    await alice.block()
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await ptb.send_message(chat_id=alice.id, text="hi")


async def test_edit_and_delete_missing(ptb: telegram.Bot, alice) -> None:
    with pytest.raises(BadRequest, match="^Message to edit not found$"):
        await ptb.edit_message_text(chat_id=alice.id, message_id=999, text="x")
    with pytest.raises(BadRequest, match="^Message to delete not found$"):
        await ptb.delete_message(chat_id=alice.id, message_id=999)


async def test_not_modified(ptb: telegram.Bot, alice) -> None:
    sent = await ptb.send_message(chat_id=alice.id, text="same")
    with pytest.raises(BadRequest, match="^Message is not modified"):
        await sent.edit_text("same")


async def test_unescaped_html_is_refused(ptb: telegram.Bot, alice) -> None:
    with pytest.raises(BadRequest, match="^Can't parse entities"):
        await ptb.send_message(chat_id=alice.id, text="a < b <c", parse_mode="HTML")


async def test_long_callback_data_is_refused(ptb: telegram.Bot, alice) -> None:
    keyboard = telegram.InlineKeyboardMarkup([[telegram.InlineKeyboardButton("x", callback_data="x" * 65)]])
    with pytest.raises(BadRequest, match="(?i)button_data_invalid"):
        await ptb.send_message(chat_id=alice.id, text="menu", reply_markup=keyboard)


async def test_thread_not_found(ptb: telegram.Bot, server: SandboxServer, bot: Bot, alice) -> None:
    group = server.world.add_group("Support", member_ids=[alice.id], admin_bot_ids=[bot.id])
    with pytest.raises(BadRequest, match="^Message thread not found$"):
        await ptb.send_message(chat_id=group.id, message_thread_id=777, text="x")


async def test_webhook_conflict(ptb: telegram.Bot) -> None:
    assert await ptb.set_webhook("http://127.0.0.1:9/hook")
    with pytest.raises(Conflict, match="can't use getUpdates method while webhook is active"):
        await ptb.get_updates()
    info = await ptb.get_webhook_info()
    assert info.url == "http://127.0.0.1:9/hook"
    assert await ptb.delete_webhook()
    with pytest.raises(BadRequest, match="(?i)bad webhook: an https url must be provided for webhook"):
        await ptb.set_webhook("http://example.com/hook")


async def test_happy_paths_parse(ptb: telegram.Bot, alice, server: SandboxServer, bot: Bot) -> None:
    """python-telegram-bot de-serialises every result without complaint."""
    sent = await ptb.send_message(chat_id=alice.id, text="<b>Hi</b> /help", parse_mode="HTML")
    assert sent.text == "Hi /help" and sent.entities[0].type == "bold"
    copied = await ptb.copy_message(chat_id=alice.id, from_chat_id=alice.id, message_id=sent.message_id)
    forwarded = await ptb.forward_message(chat_id=alice.id, from_chat_id=alice.id, message_id=sent.message_id)
    assert forwarded.forward_origin.sender_user.id == bot.id and copied.message_id > sent.message_id
    assert await ptb.send_chat_action(chat_id=alice.id, action="typing")
    assert await ptb.set_my_commands([("start", "Start"), ("help", "Help")])
    assert [c.command for c in await ptb.get_my_commands()] == ["start", "help"]
    chat = await ptb.get_chat(alice.id)
    assert chat.first_name == "Alice" and chat.type == "private"
    member = await ptb.get_chat_member(alice.id, alice.id)
    assert member.status == "member"
    group = server.world.add_group("Support", member_ids=[alice.id], admin_bot_ids=[bot.id])
    admin = await ptb.get_chat_member(group.id, bot.id)
    assert admin.status == "administrator" and admin.can_manage_topics
    assert await ptb.pin_chat_message(alice.id, sent.message_id)
    assert await ptb.delete_messages(alice.id, [sent.message_id, 9999])


async def test_unknown_method_through_do_api_request(ptb: telegram.Bot) -> None:
    with pytest.raises(EndPointNotFound):
        await ptb.do_api_request("sendTelepathy", api_kwargs={"chat_id": 1})


async def test_media_edits(ptb: telegram.Bot, alice) -> None:
    keyboard = telegram.InlineKeyboardMarkup([[telegram.InlineKeyboardButton("A", callback_data="a")]])
    sent = await ptb.send_photo(alice.id, photo=b"\x89PNG fake", caption="before")
    with pytest.raises(BadRequest, match="^There is no text in the message to edit$"):
        await sent.edit_text("text")
    captioned = await sent.edit_caption("after", reply_markup=keyboard)
    assert captioned.caption == "after" and captioned.reply_markup == keyboard
    cleared = await captioned.edit_reply_markup(None)
    assert cleared.reply_markup is None and cleared.edit_date is not None
    swapped = await sent.edit_media(telegram.InputMediaDocument(b"%PDF", filename="x.pdf", caption="as pdf"))
    assert swapped.document.file_name == "x.pdf" and swapped.caption == "as pdf" and not swapped.photo


async def test_allowed_updates_are_remembered(ptb: telegram.Bot, sandbox) -> None:
    assert await ptb.get_updates(allowed_updates=["callback_query"]) == ()
    person = await sandbox.user("Bob")
    await person.send("not wanted")
    assert await ptb.get_updates() == ()  # the earlier allowed_updates still applies
    assert await ptb.get_updates(allowed_updates=[]) == ()  # the default again, for what comes next
    await person.send("wanted")
    assert [u.message.text for u in await ptb.get_updates()] == ["wanted"]
