"""The store's support group: linking it, agents writing in ticket topics, closing, the queue."""

from __future__ import annotations

import logging
from dataclasses import replace

from telegram import Message, Update
from telegram.constants import ChatMemberStatus
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot import callbacks, topics
from bot.context import AftersalesContext, language_of
from bot.handlers import agent
from bot.handlers.common import answer_query
from bot.pipeline.lookups import lookup
from bot.relay.desk import Desk
from bot.relay.notices import deliver_notices
from bot.relay.outgoing import send_agent_reply
from bot.rendering import pick_language
from domain.enums import AttachmentKind, CopyRole
from domain.errors import AlreadyExists, DomainError, InvalidCode
from domain.results import IncomingFile
from domain.services.queue import store_queue
from domain.services.refusals import Forbidden, Refused
from domain.services.relay import record_agent_message, record_copy
from domain.services.stores import redeem_group_link_code
from domain.services.tickets import close_ticket

log = logging.getLogger(__name__)

GROUP_CODE_PREFIX = "g_"


async def answer_in_place(context: AftersalesContext, message: Message, text: str) -> None:
    """A reply where the command was typed: the same chat and, in a forum, the same topic."""
    await context.outbox.send_message(
        message.chat_id,
        text,
        parse_mode="HTML",
        message_thread_id=message.message_thread_id if message.is_topic_message else None,
    )


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
    await answer_in_place(context, message, context.render("seller/group_linked.html", lang, store_name=store.name if store else ""))


async def _bot_manages_topics(context: AftersalesContext, chat_id: int) -> bool:
    try:
        # Asked before the unit of work opens (bot.pipeline.lookups): Telegram never holds the database.
        member = await lookup(("bot_member", chat_id), lambda: context.bot.get_chat_member(chat_id, context.bot.id))
    except TelegramError:
        log.info("could not read the bot's rights in chat %s", chat_id, exc_info=True)
        return False
    return member.status == ChatMemberStatus.ADMINISTRATOR and bool(getattr(member, "can_manage_topics", False))


def incoming_files(message: Message) -> list[IncomingFile]:
    """What a Telegram message carries, as the domain records it."""
    caption = message.caption
    if message.photo:
        largest = message.photo[-1]
        return [IncomingFile(AttachmentKind.PHOTO, largest.file_id, largest.file_unique_id, caption)]
    for kind, media in (
        (AttachmentKind.VIDEO, message.video),
        # Before the document: Telegram sends a GIF's document too, for old clients.
        (AttachmentKind.ANIMATION, message.animation),
        (AttachmentKind.DOCUMENT, message.document),
        (AttachmentKind.AUDIO, message.audio),
        (AttachmentKind.VOICE, message.voice),
        (AttachmentKind.VIDEO_NOTE, message.video_note),
        (AttachmentKind.STICKER, message.sticker),
    ):
        if media is not None:
            return [IncomingFile(kind, media.file_id, media.file_unique_id, caption)]
    return []


async def pass_on_agent_message(context: AftersalesContext, message: Message, ticket_id: int) -> bool:
    """Record an agent's message and send it to the buyer (a `//` note stays); False if not an agent."""
    lang = pick_language(message.from_user.language_code if message.from_user else None)
    desk = Desk.of(context)
    try:
        recorded = await record_agent_message(
            context.uow, context.deps.clock, ticket_id, message.from_user.id,
            message.text if message.text is not None else message.caption,
            [e.to_dict() for e in (message.entities if message.text is not None else message.caption_entities)],
            incoming_files(message),
        )
    except Forbidden:
        return False
    except Refused as refusal:
        await answer_in_place(context, message, context.render("seller/refused.html", lang, why=refusal.why))
        return True
    except DomainError:
        await answer_in_place(context, message, context.render("seller/unsendable.html", lang))
        return True
    await record_copy(context.uow, context.deps.clock, recorded.message_id, message.chat_id, message.message_id,
                      role=CopyRole.ORIGINAL, thread_id=message.message_thread_id if message.is_topic_message else None)
    if recorded.internal:
        return True  # an agents' note: kept on the ticket, never sent
    await send_agent_reply(desk, recorded, message)
    ticket = await context.uow.tickets.get(ticket_id)
    if ticket is not None:
        await topics.refresh_topic(desk, ticket)
    return True


async def agent_writes_in_topic(update: Update, context: AftersalesContext) -> None:
    message = update.effective_message
    ticket = await context.uow.tickets.by_topic(message.chat_id, message.message_thread_id)
    if ticket is None:
        return  # a topic that is no ticket's: agents talk among themselves
    if not await pass_on_agent_message(context, message, ticket.id):
        await answer_in_place(context, message, context.render("seller/not_agent.html", language_of(update)))


async def close_in_topic(update: Update, context: AftersalesContext) -> None:
    message = update.effective_message
    ticket = await context.uow.tickets.by_topic(message.chat_id, message.message_thread_id) if message.is_topic_message else None
    if ticket is None:
        await answer_in_place(context, message, context.render("seller/close_where.html", language_of(update)))
        return
    await _close(update, context, ticket.id)


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
    await answer_in_place(context, message, await queue_text(context, group.store_id, language_of(update)))


async def queue_text(context: AftersalesContext, store_id: int, lang: str) -> str:
    store = await context.uow.stores.get(store_id)
    items = await store_queue(context.uow, context.deps.clock, store_id)
    if store is not None:  # times as the store's agents read them
        items = tuple(replace(item, due_at=topics.local_time(item.due_at, store)) for item in items)
    return context.render("seller/queue.html", lang, store_name=store.name if store else "", items=items)


_IN_GROUP = filters.ChatType.SUPERGROUP | filters.ChatType.GROUP
_TOPIC_TALK = (
    filters.ChatType.SUPERGROUP & filters.IS_TOPIC_MESSAGE & filters.UpdateType.MESSAGE
    & ~filters.COMMAND & ~filters.StatusUpdate.ALL
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
    for handler in agent.early_handlers():
        application.add_handler(handler, group=agent.EARLY_GROUP)
    for handler in handlers() + agent.handlers():
        application.add_handler(handler)
