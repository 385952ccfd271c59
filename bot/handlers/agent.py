"""Agents in their private chat: joining a store, the queue, answering by reply; edits; the buyer's rating."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ApplicationHandlerStop, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot import callbacks
from bot.commands import queue_agent_menu
from bot.context import AftersalesContext, language_of
from bot.handlers.buyer_views import buyer_language
from bot.handlers.common import answer_query
from bot.relay.agent_replies import pass_on_agent_message
from bot.relay.card_warning import warn_card_masked
from bot.relay.checkpoint_replies import after_checkpoint
from bot.relay.desk import Desk
from bot.relay.notices import RATE_PREFIX, deliver_notices
from bot.relay.outgoing import carry_edit
from bot.relay.queue_view import queue_text
from domain.errors import DomainError, InvalidCode, InvalidInput
from domain.services.refusals import Refused
from domain.services.relay import find_by_copy, record_edit
from domain.services.stores import redeem_agent_invite
from domain.services.tickets import rate_ticket

AGENT_CODE_PREFIX = "a_"
# A group of its own, before everyone else's: a reply to a ticket copy or an edit of a
# relayed message is the relay's (it stops there); anything else goes on to later groups,
# where one handler per group may still take it.
EARLY_GROUP = -10


async def join_as_agent(update: Update, context: AftersalesContext, code: str) -> None:
    """`/start a_<code>`: the user becomes an agent of the code's store."""
    user, lang = update.effective_user, language_of(update)
    try:
        agent = await redeem_agent_invite(context.uow, context.deps.clock, code, user.id, user.full_name, language=lang)
    except InvalidCode:
        await context.outbox.send_message(
            update.effective_chat.id, context.render("seller/agent_bad_code.html", lang), parse_mode="HTML"
        )
        return
    store = await context.uow.stores.get(agent.store_id)
    await context.outbox.send_message(
        update.effective_chat.id,
        context.render("seller/agent_joined.html", lang, store_name=store.name if store else ""),
        parse_mode="HTML",
    )
    await queue_agent_menu(context.outbox, context.deps.renderer, user.id, lang)  # the agents' commands, from now on


async def start_with_agent_code(update: Update, context: AftersalesContext) -> None:
    await join_as_agent(update, context, context.args[0] if context.args else "")


async def show_private_queue(update: Update, context: AftersalesContext) -> None:
    lang = language_of(update)
    user = await context.uow.users.by_telegram_id(update.effective_user.id)
    stores = await context.uow.stores.stores_of_agent(user.id) if user else []
    if not stores:
        await context.outbox.send_message(
            update.effective_chat.id, context.render("seller/not_agent.html", lang), parse_mode="HTML"
        )
        return
    for store in stores:
        text = await queue_text(Desk.of(context), store.id, update.effective_user.id, lang)
        await context.outbox.send_message(update.effective_chat.id, text, parse_mode="HTML")


async def reply_to_ticket_copy(update: Update, context: AftersalesContext) -> None:
    """Private mode: an agent's reply to a ticket card or a copied buyer message answers the buyer."""
    message = update.effective_message
    ref = await find_by_copy(context.uow, message.chat_id, message.reply_to_message.message_id)
    if ref is None:
        return
    ticket = await context.uow.tickets.get(ref.ticket_id)
    user = await context.uow.users.by_telegram_id(update.effective_user.id)
    if ticket is None or user is None or await context.uow.stores.agent(ticket.store_id, user.id) is None:
        return  # a buyer replying to the store's message: theirs to handle
    await pass_on_agent_message(Desk.of(context), message, ticket.id)
    raise ApplicationHandlerStop


async def follow_edit(update: Update, context: AftersalesContext) -> None:
    """An edited message that the relay carried: its copies change too."""
    edited = update.edited_message
    text = edited.text if edited.text is not None else edited.caption
    entities = [e.to_dict() for e in (edited.entities if edited.text is not None else edited.caption_entities)]
    try:
        result = await record_edit(context.uow, context.deps.clock, edited.chat_id, edited.message_id, text, entities)
    except InvalidInput:
        raise ApplicationHandlerStop from None  # too long to carry; the copies keep the old text
    if result is None:
        return
    ticket = await context.uow.tickets.get(result.ticket_id)
    store = await context.uow.stores.get(ticket.store_id) if ticket else None
    desk = Desk.of(context)
    await after_checkpoint(desk, result.passage, edited, language_of(update), edit=True)
    if result.passage.reaches_buyer:
        await carry_edit(desk, result, edited, store.name if store else "")
    if result.masked_cards:  # the buyer's edit added a card number: hidden, and they are warned
        lang = await buyer_language(update, context)
        await warn_card_masked(desk, edited.chat_id, lang, result.masked_cards, edited.message_id)
    raise ApplicationHandlerStop


async def press_rating(update: Update, context: AftersalesContext) -> None:
    query, lang = update.callback_query, language_of(update)
    decoded = callbacks.decode(query.data or "")
    if decoded is None or not decoded.action.isdigit() or not decoded.args or not decoded.args[0].isdigit():
        await answer_query(query, context.render("common/stale_button.txt", lang), show_alert=True)
        return
    try:
        rated = await rate_ticket(
            context.uow, context.deps.clock, int(decoded.args[0]), query.from_user.id, int(decoded.action)
        )
    except Refused as refusal:
        await answer_query(query, context.render("seller/rating_refused.txt", lang, why=refusal.why), show_alert=True)
        return
    except DomainError:
        await answer_query(query, context.render("common/stale_button.txt", lang), show_alert=True)
        return
    await answer_query(query, context.render("seller/rating_thanks.txt", lang))
    await context.outbox.call(
        "editMessageText",
        {
            "chat_id": query.message.chat.id,
            "message_id": query.message.message_id,
            "text": context.render("seller/rated_buyer.html", lang, stars=rated.stars),
            "parse_mode": "HTML",
        },
    )
    await deliver_notices(Desk.of(context), rated.notices)


def early_handlers() -> list:
    return [
        MessageHandler(
            filters.ChatType.PRIVATE & filters.REPLY & filters.UpdateType.MESSAGE & ~filters.COMMAND,
            reply_to_ticket_copy,
        ),
        MessageHandler(filters.UpdateType.EDITED_MESSAGE, follow_edit),
    ]


def handlers() -> list:
    return [
        CommandHandler("start", start_with_agent_code, filters=filters.ChatType.PRIVATE & filters.Regex(r"^/start a_")),
        CommandHandler("queue", show_private_queue, filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(press_rating, pattern=callbacks.pattern(RATE_PREFIX)),
    ]
