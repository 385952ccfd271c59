"""The command menus Telegram clients show, per role: buyers', agents', moderators'.

Telegram picks the narrowest list set for a chat (a chat's own list, then all
private chats' or all groups', then the default), in the client's language
first. So buyers get the private chats' list, every group the agents' list,
the moderators' group a list of its own, and each agent or moderator a list
in their own private chat. The shared lists are set at every start, in every
language we speak (English also as the list for languages we do not); an
agent's list is queued in the outbox, in their language, when they join a
store, and a staff member's whenever they send /start or /help in private
(which also gives agents who joined before a list, or by the command line,
and moderators theirs: only Telegram knows who sits in their group). Menus
are a convenience: a refusal is logged, never fatal.
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

PRIVATE_COMMANDS = ("start", "orders", "tickets", "claim", "report", "help", "language", "cancel")
GROUP_COMMANDS = ("queue", "order", "notify", "close", "link", "help")
MODERATOR_COMMANDS = ("ticket", "flag", "unsuspend", "help")  # the moderators' group's
# A staff member's private chat: their own commands first, then the buyer's (a chat's list replaces
# the private chats' one, and staff may buy too). /close and /link work only in a group.
_BUYING = tuple(command for command in PRIVATE_COMMANDS if command not in ("start", "help"))
_AGENTS_OWN = ("queue", "order", "notify")
_MODERATORS_OWN = ("ticket", "flag", "unsuspend")
AGENT_COMMANDS = ("start", *_AGENTS_OWN, "help", *_BUYING)
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


def staff_commands(*, agent: bool, moderator: bool) -> tuple[str, ...]:
    """The list in the private chat of an agent, a moderator, or both: each role's own, then the buyer's."""
    own = (_AGENTS_OWN if agent else ()) + (_MODERATORS_OWN if moderator else ())
    return ("start", *own, "help", *_BUYING)


async def queue_agent_menu(outbox: Outbox, renderer: Renderer, telegram_id: int, lang: str) -> None:
    """The agent's own list in their private chat, sent after the commit (see `queue_staff_menu`)."""
    await queue_staff_menu(outbox, renderer, telegram_id, lang, agent=True, moderator=False)


async def queue_staff_menu(
    outbox: Outbox, renderer: Renderer, telegram_id: int, lang: str, *, agent: bool, moderator: bool
) -> None:
    """A staff member's own list in their private chat, sent after the commit; one list, in their
    language (without a language code it is the list for every client language)."""
    commands = menu(renderer, staff_commands(agent=agent, moderator=moderator), lang, "agent" if agent else "moderator")
    await outbox.call("setMyCommands", {"scope": {"type": "chat", "chat_id": telegram_id}, "commands": commands})
