"""A whole conversation: a person writes, the bot polls and answers, the person presses a button."""

from __future__ import annotations

import asyncio

import pytest

from sandbox.client import SandboxClient
from sandbox.world import Bot

KEYBOARD = {"inline_keyboard": [[{"text": "Orders", "callback_data": "orders"}]]}


async def test_start_keyboard_press_and_answer(api, sandbox: SandboxClient, bot: Bot) -> None:
    buyer = await sandbox.user("Alice", lang="en")
    await buyer.send("/start")

    updates = await api.ok("getUpdates", timeout=1)
    assert len(updates) == 1
    message = updates[0]["message"]
    assert message["text"] == "/start"
    assert message["entities"] == [{"offset": 0, "length": 6, "type": "bot_command"}]
    assert message["chat"] == {"id": buyer.id, "first_name": "Alice", "type": "private"}
    assert message["from"]["language_code"] == "en"

    await api.ok("sendMessage", chat_id=buyer.id, text="Hello, Alice", reply_markup=KEYBOARD)
    greeting = await buyer.expect(contains="Hello")
    assert greeting.buttons == [["Orders"]]

    async def bot_answers() -> None:
        offset = updates[0]["update_id"] + 1
        pressed = await api.ok("getUpdates", offset=offset, timeout=5)
        query = pressed[0]["callback_query"]
        assert query["data"] == "orders"
        assert query["message"]["message_id"] == greeting.message_id
        await api.ok("answerCallbackQuery", callback_query_id=query["id"], text="Your orders")

    answering = asyncio.create_task(bot_answers())
    answer = await greeting.press("Orders")
    await answering
    assert answer == {"text": "Your orders", "show_alert": False, "url": None}


async def test_expect_fails_with_what_arrived(api, sandbox: SandboxClient) -> None:
    buyer = await sandbox.user("Bob")
    await buyer.send("hi")
    await api.ok("sendMessage", chat_id=buyer.id, text="Something else")
    with pytest.raises(AssertionError, match="what arrived: \\['Something else'\\]"):
        await buyer.expect(contains="Hello", timeout=0.3)
