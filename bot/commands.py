"""The command menus Telegram clients show: buyers' in private chats, agents' in groups.

Set once at start, in every language we speak (English also as the list for
languages we do not). Menus are a convenience: a refusal is logged, never fatal.
"""

from __future__ import annotations

import logging

from telegram import Bot, BotCommand, BotCommandScope, BotCommandScopeAllGroupChats, BotCommandScopeAllPrivateChats
from telegram.error import TelegramError

from bot.rendering import DEFAULT_LANGUAGE, LANGUAGES, Renderer

log = logging.getLogger(__name__)

PRIVATE_COMMANDS = ("start", "orders", "tickets", "claim", "help", "language", "cancel")
GROUP_COMMANDS = ("queue", "order", "notify", "close", "link")
MENUS: tuple[tuple[BotCommandScope, tuple[str, ...]], ...] = (
    (BotCommandScopeAllPrivateChats(), PRIVATE_COMMANDS),
    (BotCommandScopeAllGroupChats(), GROUP_COMMANDS),
)


def menu(renderer: Renderer, commands: tuple[str, ...], lang: str) -> list[BotCommand]:
    return [
        BotCommand(command, renderer.render("commands/description.txt", lang, command=command)) for command in commands
    ]


async def set_command_menus(bot: Bot, renderer: Renderer) -> None:
    for scope, commands in MENUS:
        for lang in LANGUAGES:
            language_code = None if lang == DEFAULT_LANGUAGE else lang
            try:
                await bot.set_my_commands(menu(renderer, commands, lang), scope=scope, language_code=language_code)
            except TelegramError as error:
                log.warning("could not set the %s command menu (%s): %s", scope.type, lang, error)
