"""Greeting and help per role: agents and moderators get their own, in private and in their groups.

A buyer's /start and /help stay the buyer's (bot.handlers.buyer); before them,
`answer_staff` answers an agent or a moderator with one message covering every
role they hold, a line for buying included. /help in a group is the moderators'
help in the moderators' group and the agents' help anywhere else.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatMemberStatus
from telegram.error import TelegramError
from telegram.ext import CommandHandler, filters

from bot.commands import queue_staff_menu
from bot.context import AftersalesContext, language_of
from bot.pipeline.lookups import lookup
from bot.relay.desk import answer_in_place
from domain.services.roles import Roles, roles_of

log = logging.getLogger(__name__)

_SEATED = (ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.MEMBER)


async def in_moderators_group(context: AftersalesContext, user_id: int) -> bool:
    """Whether the person sits in the moderators' group; Telegram knows, asked before the transaction."""
    chat_id = context.deps.settings.moderators_chat_id
    if chat_id is None:
        return False
    try:
        member = await lookup(("chat_member", chat_id, user_id), lambda: context.bot.get_chat_member(chat_id, user_id))
    except TelegramError:
        log.info("could not read %s's membership of the moderators' group", user_id, exc_info=True)
        return False
    return member.status in _SEATED or (member.status == ChatMemberStatus.RESTRICTED and bool(member.is_member))


async def roles_of_sender(update: Update, context: AftersalesContext) -> Roles:
    user_id = update.effective_user.id
    return await roles_of(context.uow, user_id, in_moderators_group=await in_moderators_group(context, user_id))


def staff_text(context: AftersalesContext, roles: Roles, lang: str, *, first_name: str | None) -> str:
    """One message for all of an agent's or moderator's roles; `first_name` greets (on /start)."""
    parts = [context.render("common/hello.html", lang, first_name=first_name)] if first_name is not None else []
    if roles.agent:
        parts.append(
            context.render("seller/agent_help.html", lang, where="private", stores=roles.stores, store_name=None)
        )
    if roles.moderator:
        parts.append(context.render("moderator/help.html", lang, where="private"))
    parts.append(context.render("buyer/also_buyer.html", lang, orders=roles.orders))
    return "\n\n".join(parts)


async def answer_staff(update: Update, context: AftersalesContext, lang: str, *, greet: bool) -> bool:
    """/start (`greet`) or /help in private from an agent or moderator: answered, True; a buyer: False."""
    roles = await roles_of_sender(update, context)
    if not roles.staff:
        return False
    user, chat_id = update.effective_user, update.effective_chat.id
    await context.outbox.send_message(
        chat_id, staff_text(context, roles, lang, first_name=user.first_name if greet else None), parse_mode="HTML"
    )
    # Also here, not only on joining: agents who joined before menus were per role, or by the
    # command line, get theirs, moderators theirs (no event tells the bot of a new seat in their
    # group), and a changed menu reaches everyone who asks for help.
    await queue_staff_menu(
        context.outbox, context.deps.renderer, user.id, lang, agent=roles.agent, moderator=roles.moderator
    )
    return True


async def help_in_group(update: Update, context: AftersalesContext) -> None:
    message, lang = update.effective_message, language_of(update)
    if message.chat_id == context.deps.settings.moderators_chat_id:
        await answer_in_place(context, message, context.render("moderator/help.html", lang, where="group"))
        return
    group = await context.uow.stores.group_by_chat(message.chat_id)
    store = await context.uow.stores.get(group.store_id) if group is not None and group.active else None
    text = context.render(
        "seller/agent_help.html", lang, where="group", stores=(), store_name=store.name if store else None
    )
    await answer_in_place(context, message, text)


def handlers() -> list:
    return [CommandHandler("help", help_in_group, filters=filters.ChatType.SUPERGROUP | filters.ChatType.GROUP)]
