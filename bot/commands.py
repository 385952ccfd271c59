"""The command menus Telegram clients show, per role: buyers', agents', moderators'.

Telegram picks the narrowest list set for a chat (a chat's own list, then all
private chats' or all groups', then the default), in the client's language
first. So buyers get the private chats' list, every group the agents' list,
the moderators' group a list of its own, and each agent a list in their own
private chat. The shared lists are set at every start, in every language we
speak (English also as the list for languages we do not); an agent's list is
queued in the outbox, in their language, when they join a store and again
whenever they send /start or /help (which also gives agents who joined before
a list, or by the command line). Menus are a convenience: a refusal is
logged, never fatal.
"""

from __future__ import annotations

import logging

from telegram import (
    Bot,
    BotCommand,
    BotCommandScope,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
)
from telegram.error import TelegramError

from bot.pipeline.outbox import Outbox
from bot.rendering import DEFAULT_LANGUAGE, LANGUAGES, Renderer

log = logging.getLogger(__name__)

PRIVATE_COMMANDS = ("start", "orders", "tickets", "claim", "help", "language", "cancel")
GROUP_COMMANDS = ("queue", "order", "notify", "close", "link", "help")
# An agent's private chat: their own commands first, then the buyer's (a chat's list replaces
# the private chats' one, and an agent may buy too). /close and /link work only in a group.
AGENT_COMMANDS = ("start", "queue", "order", "notify", "help", "orders", "tickets", "claim", "language", "cancel")
# What moderators can use in their group today; the moderation commands join it with their issue.
MODERATOR_COMMANDS = ("help",)
MENUS: tuple[tuple[BotCommandScope, tuple[str, ...], str], ...] = (
    (BotCommandScopeAllPrivateChats(), PRIVATE_COMMANDS, "buyer"),
    (BotCommandScopeAllGroupChats(), GROUP_COMMANDS, "agent"),
)


def menu(renderer: Renderer, commands: tuple[str, ...], lang: str, audience: str = "buyer") -> list[BotCommand]:
    return [
        BotCommand(command, renderer.render("commands/description.txt", lang, command=command, audience=audience))
        for command in commands
    ]


async def set_command_menus(bot: Bot, renderer: Renderer, *, moderators_chat_id: int | None = None) -> None:
    menus = list(MENUS)
    if moderators_chat_id is not None:
        menus.append((BotCommandScopeChat(moderators_chat_id), MODERATOR_COMMANDS, "moderator"))
    for scope, commands, audience in menus:
        for lang in LANGUAGES:
            language_code = None if lang == DEFAULT_LANGUAGE else lang
            try:
                await bot.set_my_commands(
                    menu(renderer, commands, lang, audience), scope=scope, language_code=language_code
                )
            except TelegramError as error:
                log.warning("could not set the %s command menu (%s): %s", scope.type, lang, error)


async def queue_agent_menu(outbox: Outbox, renderer: Renderer, telegram_id: int, lang: str) -> None:
    """The agent's own list in their private chat, sent after the commit; one list, in their language
    (without a language code it is the list for every client language)."""
    await outbox.call(
        "setMyCommands",
        {"scope": {"type": "chat", "chat_id": telegram_id}, "commands": menu(renderer, AGENT_COMMANDS, lang, "agent")},
    )
