"""The command menus the bot sets at start, per scope and language, as Telegram keeps them."""

from __future__ import annotations

import logging

from telegram import Bot, BotCommandScopeAllGroupChats, BotCommandScopeAllPrivateChats, BotCommandScopeDefault

from bot.commands import set_command_menus
from bot.context import AftersalesApplication
from bot.rendering import default_renderer

BUYER = ["start", "orders", "tickets", "claim", "report", "help", "language", "cancel"]
AGENT = ["queue", "order", "notify", "close", "link", "help"]


async def menu(bot: Bot, scope, language_code: str | None = None) -> list[tuple[str, str]]:
    return [(c.command, c.description) for c in await bot.get_my_commands(scope=scope, language_code=language_code)]


async def test_menus_are_set_for_private_chats_and_groups_in_english_and_chinese(bot_app: AftersalesApplication):
    bot = bot_app.bot
    private_en = await menu(bot, BotCommandScopeAllPrivateChats())
    private_zh = await menu(bot, BotCommandScopeAllPrivateChats(), "zh")
    assert [c for c, _ in private_en] == BUYER
    assert [c for c, _ in private_zh] == BUYER
    assert dict(private_en)["orders"] == "List your orders"
    assert dict(private_zh)["orders"] == "查看我的订单"
    assert dict(private_en)["report"] == "Report a store's message: reply to it"
    group_en = await menu(bot, BotCommandScopeAllGroupChats())
    assert [c for c, _ in group_en] == AGENT
    assert dict(group_en)["close"] == "Close this topic's ticket"
    assert dict(group_en)["help"] == "What agents can do"
    assert [c for c, _ in await menu(bot, BotCommandScopeAllGroupChats(), "zh")] == AGENT
    assert await menu(bot, BotCommandScopeDefault()) == []  # nothing outside those two scopes


async def test_a_telegram_that_refuses_the_menus_does_not_stop_the_bot(caplog):
    # Nothing listens on port 9: every call fails, as a network outage would.
    bot = Bot("123:secret", base_url="http://127.0.0.1:9/bot")
    with caplog.at_level(logging.WARNING, logger="bot.commands"):
        await set_command_menus(bot, default_renderer())
    assert len([r for r in caplog.records if "command menu" in r.getMessage()]) == 4
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="bot.commands"):
        await set_command_menus(bot, default_renderer(), moderators_chat_id=-100123)  # and the moderators' group's
    assert len([r for r in caplog.records if "command menu" in r.getMessage()]) == 6
