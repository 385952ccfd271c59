"""python-telegram-bot's own Application, polling the sandbox unchanged but for base_url."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, MessageHandler, filters

from sandbox.client import SandboxClient
from sandbox.server import SandboxServer
from sandbox.world import Bot


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Orders", callback_data="orders")]])
    await update.message.reply_text(f"Hello, {update.effective_user.first_name}", reply_markup=keyboard)


async def orders(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.callback_query.answer("No orders yet")
    await update.callback_query.edit_message_text("You have no orders.")


async def photo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    file = await update.message.photo[-1].get_file()
    data = await file.download_as_bytearray()
    await update.message.reply_text(f"Got {len(data)} bytes")


@pytest.fixture
def refusals_checked() -> bool:
    return True  # a real bot: any refused call is a fault (tests/conftest.py)


@pytest.fixture
async def application(server: SandboxServer, bot: Bot) -> AsyncIterator[Application]:
    app = (
        Application.builder()
        .token(bot.token)
        .base_url(server.bot_api_base_url)
        .base_file_url(server.bot_file_base_url)
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(orders))
    app.add_handler(MessageHandler(filters.PHOTO, photo))
    async with app:
        await app.updater.start_polling(poll_interval=0, timeout=1, allowed_updates=Update.ALL_TYPES)
        await app.start()
        yield app
        await app.updater.stop()
        await app.stop()


async def test_conversation_with_a_real_application(application: Application, sandbox: SandboxClient) -> None:
    buyer = await sandbox.user("Alice")
    await buyer.send("/start")
    hello = await buyer.expect(contains="Hello, Alice")
    assert hello.buttons == [["Orders"]] and hello["reply_to_message_id"] is None

    answer = await hello.press("Orders")
    assert answer == {"text": "No orders yet", "show_alert": False, "url": None}
    edited = await buyer.expect_edit(hello)
    assert edited.text == "You have no orders." and edited.buttons == []

    await buyer.send_photo(b"\xff\xd8not really a jpeg", caption="look")
    got = await buyer.expect(contains="Got")
    assert got.text == "Got 19 bytes"
    await sandbox.assert_quiet()
