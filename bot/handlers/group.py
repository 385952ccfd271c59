"""The store's support group: linking it, agents writing in ticket topics, closing, the queue."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatMemberStatus
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot import callbacks
from bot.context import AftersalesContext, language_of
from bot.handlers import agent, changes, offers, requests
from bot.handlers.common import answer_query
from bot.pipeline.lookups import lookup
from bot.relay import topics
from bot.relay.agent_replies import pass_on_agent_message
from bot.relay.desk import Desk, answer_in_place
from bot.relay.notices import deliver_notices
from bot.relay.queue_view import queue_text
from domain.errors import AlreadyExists, InvalidCode
from domain.services.refusals import Forbidden, Refused
from domain.services.stores import redeem_group_link_code
from domain.services.tickets import close_ticket

log = logging.getLogger(__name__)

GROUP_CODE_PREFIX = "g_"


async def link_group(update: Update, context: AftersalesContext) -> None:
    """`/link g_<code>` in a forum supergroup where the bot is an admin that may manage topics."""
    message, chat = update.effective_message, update.effective_chat
    lang = language_of(update)
    if chat.type == "private":
        await answer_in_place(context, message, context.render("seller/link_in_group.html", lang))
        return
    code = context.args[0] if context.args else ""
    if not code.startswith(GROUP_CODE_PREFIX) or len(code) <= len(GROUP_CODE_PREFIX):
        await answer_in_place(context, message, context.render("seller/link_usage.html", lang))
        return
    if chat.type != "supergroup" or not chat.is_forum:
        await answer_in_place(context, message, context.render("seller/link_not_forum.html", lang))
        return
    if not await _bot_manages_topics(context, chat.id):
        await answer_in_place(context, message, context.render("seller/link_no_rights.html", lang))
        return
    try:
        group = await redeem_group_link_code(context.uow, context.deps.clock, code, chat.id, chat.title, is_forum=True)
    except InvalidCode:
        await answer_in_place(context, message, context.render("seller/link_bad_code.html", lang))
        return
    except AlreadyExists:
        await answer_in_place(context, message, context.render("seller/link_other_store.html", lang))
        return
    store = await context.uow.stores.get(group.store_id)
    await answer_in_place(
        context, message, context.render("seller/group_linked.html", lang, store_name=store.name if store else "")
    )


async def _bot_manages_topics(context: AftersalesContext, chat_id: int) -> bool:
    try:
        # Asked before the unit of work opens (bot.pipeline.lookups): Telegram never holds the database.
        member = await lookup(("bot_member", chat_id), lambda: context.bot.get_chat_member(chat_id, context.bot.id))
    except TelegramError:
        log.info("could not read the bot's rights in chat %s", chat_id, exc_info=True)
        return False
    return member.status == ChatMemberStatus.ADMINISTRATOR and bool(getattr(member, "can_manage_topics", False))


async def agent_writes_in_topic(update: Update, context: AftersalesContext) -> None:
    message = update.effective_message
    ticket = await context.uow.tickets.by_topic(message.chat_id, message.message_thread_id)
    if ticket is None:
        return  # a topic that is no ticket's: agents talk among themselves
    if not await pass_on_agent_message(Desk.of(context), message, ticket.id):
        await answer_in_place(context, message, context.render("seller/not_agent.html", language_of(update)))


async def close_in_topic(update: Update, context: AftersalesContext) -> None:
    """`/close` in a ticket's topic closes that ticket; `/close N` anywhere in the group closes the store's #N."""
    message = update.effective_message
    if context.args:
        ticket = await _ticket_by_number(context, message.chat_id, context.args[0])
    elif message.is_topic_message:
        ticket = await context.uow.tickets.by_topic(message.chat_id, message.message_thread_id)
    else:
        ticket = None
    if ticket is None:
        await answer_in_place(
            context,
            message,
            context.render(
                "seller/close_where.html", language_of(update), number=context.args[0] if context.args else None
            ),
        )
        return
    await _close(update, context, ticket.id)


async def _ticket_by_number(context: AftersalesContext, chat_id: int, text: str):
    number = text.removeprefix("#")
    group = await context.uow.stores.group_by_chat(chat_id)
    if group is None or not number.isdigit():
        return None
    return await context.uow.tickets.by_number(group.store_id, int(number))


async def press_close(update: Update, context: AftersalesContext) -> None:
    """The card's "Close ticket": a refusal is an alert to the presser, not a message for the whole group."""
    query, lang = update.callback_query, language_of(update)
    decoded = callbacks.decode(query.data or "")
    if decoded is None or not decoded.args or not decoded.args[0].isdigit():
        await answer_query(query, context.render("common/stale_button.txt", lang), show_alert=True)
        return

    async def alert(template: str, **values: object) -> None:
        await answer_query(query, context.render(f"{template}.txt", lang, **values), show_alert=True)

    if await _close(update, context, int(decoded.args[0]), refuse=alert):
        await answer_query(query)


async def _close(update: Update, context: AftersalesContext, ticket_id: int, *, refuse=None) -> bool:
    """Close the ticket as this agent; a refusal goes to `refuse(template, **values)`, by default the topic."""
    lang = language_of(update)

    async def in_place(template: str, **values: object) -> None:
        await answer_in_place(context, update.effective_message, context.render(f"{template}.html", lang, **values))

    refuse = refuse or in_place
    try:
        closed = await close_ticket(context.uow, context.deps.clock, ticket_id, "agent", update.effective_user.id)
    except Forbidden:
        await refuse("seller/not_agent")
        return False
    except Refused as refusal:
        await refuse("seller/refused", why=refusal.why)
        return False
    await deliver_notices(Desk.of(context), closed.notices)
    return True


async def show_group_queue(update: Update, context: AftersalesContext) -> None:
    message = update.effective_message
    group = await context.uow.stores.group_by_chat(message.chat_id)
    if group is None:
        await answer_in_place(context, message, context.render("seller/not_linked.html", language_of(update)))
        return
    try:
        text = await queue_text(Desk.of(context), group.store_id, update.effective_user.id, language_of(update))
    except Forbidden:  # the queue is the agents' work list, not for whoever else is in the group
        text = context.render("seller/not_agent.html", language_of(update))
    await answer_in_place(context, message, text)


_IN_GROUP = filters.ChatType.SUPERGROUP | filters.ChatType.GROUP
_TOPIC_TALK = (
    filters.ChatType.SUPERGROUP
    & filters.IS_TOPIC_MESSAGE
    & filters.UpdateType.MESSAGE
    & ~filters.COMMAND
    & ~filters.StatusUpdate.ALL
)


def handlers() -> list:
    return [
        CommandHandler("link", link_group),
        CommandHandler("close", close_in_topic, filters=_IN_GROUP),
        CommandHandler("queue", show_group_queue, filters=_IN_GROUP),
        CallbackQueryHandler(press_close, pattern=callbacks.pattern(topics.CLOSE_PREFIX)),
        MessageHandler(_TOPIC_TALK, agent_writes_in_topic),
    ]


def register(application: Application) -> None:
    """Every seller-side handler, in the groups it needs (see `agent.early_handlers`)."""
    for handler in requests.prompt_handlers():
        application.add_handler(handler, group=requests.PROMPT_GROUP)
    for handler in changes.prompt_handlers():
        application.add_handler(handler, group=changes.PROMPT_GROUP)
    for handler in agent.early_handlers():
        application.add_handler(handler, group=agent.EARLY_GROUP)
    for handler in handlers() + requests.handlers() + offers.handlers() + changes.handlers() + agent.handlers():
        application.add_handler(handler)
