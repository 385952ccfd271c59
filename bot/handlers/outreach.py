"""Agents writing to a buyer first: `/notify <order> <text>`, and `/order <number>` with a "message the buyer" button.

Either opens the order's ticket (or reuses its newest open one); the ticket
then gets its topic or private cards as any ticket does.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot import callbacks
from bot.context import AftersalesContext, language_of
from bot.handlers import buyer
from bot.handlers.common import answer_query
from bot.relay import topics
from bot.relay.announce import announce
from bot.relay.checkpoint_replies import after_checkpoint
from bot.relay.desk import Desk, answer_in_place
from bot.relay.long_texts import utf16_len
from bot.relay.notices import tell_store
from bot.relay.outgoing import send_agent_reply
from domain.errors import DomainError
from domain.models import Ticket
from domain.services.outreach import OrderForAgent, find_order, reach_buyer
from domain.services.refusals import Forbidden, Refused
from domain.services.relay import record_agent_message
from domain.services.tickets import OpenedTicket

OUTREACH_PREFIX = "out"  # out:msg:<order id>: the order card's "message the buyer"


async def _store_of_chat(context: AftersalesContext, chat_id: int) -> int | None:
    """In a store's support group only that store's orders are meant."""
    group = await context.uow.stores.group_by_chat(chat_id)
    return group.store_id if group else None


async def _find(context: AftersalesContext, message: Message, order_number: str, lang: str) -> OrderForAgent | None:
    """The order the agent named, or None after telling them why not."""
    try:
        return await find_order(
            context.uow, message.from_user.id, order_number, store_id=await _store_of_chat(context, message.chat_id)
        )
    except Forbidden:
        await answer_in_place(context, message, context.render("seller/not_agent.html", lang))
    except Refused as refusal:
        await answer_in_place(context, message, _refusal_text(context, lang, refusal, order_number))
    return None


def _refusal_text(context: AftersalesContext, lang: str, refusal: Refused, order_number: str) -> str:
    return context.render(
        "seller/outreach_refused.html",
        lang,
        why=refusal.why,
        order_number=order_number,
        stores=refusal.details.get("stores", []),
    )


async def notify_buyer(update: Update, context: AftersalesContext) -> None:
    """`/notify <order number> <text>`: the text reaches the buyer in the order's ticket."""
    message, lang = update.effective_message, language_of(update)
    parts = (message.text or "").split(maxsplit=2)
    if len(parts) < 3:
        await answer_in_place(context, message, context.render("seller/notify_usage.html", lang))
        return
    order_number, text = parts[1], parts[2]
    found = await _find(context, message, order_number, lang)
    if found is None:
        return
    try:
        opened = await reach_buyer(context.uow, context.deps.clock, message.from_user.id, found.order_id)
    except Refused as refusal:
        await answer_in_place(context, message, _refusal_text(context, lang, refusal, order_number))
        return
    ticket = await context.uow.tickets.get(opened.ticket.ticket_id)
    await _send(context, message, ticket, opened, text, lang)


# The colleagues' copy of a /notify adds its own words to the agent's text; the whole text is on the ticket.
NOTIFY_COPY_MAX = 3500


def _excerpt(text: str) -> str:
    """What fits in the colleagues' copy under Telegram's 4,096, cut at a space (never inside an emoji sequence)."""
    if len(text) <= NOTIFY_COPY_MAX:
        return text
    cut = text.rfind(" ", 0, NOTIFY_COPY_MAX)
    return text[: cut if cut > NOTIFY_COPY_MAX // 2 else NOTIFY_COPY_MAX].rstrip() + "…"


async def _send(
    context: AftersalesContext, message: Message, ticket: Ticket, opened: OpenedTicket, text: str, lang: str
) -> None:
    # The command's own entities, moved to where the text starts (Telegram counts UTF-16 units).
    start = utf16_len(message.text) - utf16_len(text)
    entities = [
        {**e.to_dict(), "offset": e.offset - start}
        for e in message.entities
        if e.offset >= start and e.type != "bot_command"
    ]
    try:
        recorded = await record_agent_message(
            context.uow, context.deps.clock, ticket.id, message.from_user.id, text, entities
        )
    except Refused as refusal:
        await answer_in_place(context, message, context.render("seller/refused.html", lang, why=refusal.why))
        return
    desk = Desk.of(context)
    await after_checkpoint(desk, recorded.passage, message, lang)
    if recorded.passage.reaches_buyer:
        await send_agent_reply(desk, recorded, message, text_only=(text, entities))
    if opened.created:
        await announce(desk, opened)  # the new topic shows what was sent (its history)
    else:
        await topics.refresh_topic(desk, ticket)
    if not recorded.passage.reaches_buyer:
        return  # the agent was told it is held, not sent
    await answer_in_place(context, message, context.render("seller/notify_sent.html", lang, number=ticket.number))
    if not opened.created and ticket.topic_id is not None and message.message_thread_id != ticket.topic_id:
        # Colleagues in the ticket's topic see what was sent from elsewhere.
        await tell_store(
            desk, ticket, "seller/notify_copy.html", agent=message.from_user.first_name, text=_excerpt(text)
        )


async def show_order(update: Update, context: AftersalesContext) -> None:
    """`/order <number>`: the order as an agent sees it, with a button to write to its buyer."""
    message, lang = update.effective_message, language_of(update)
    user = await context.uow.users.by_telegram_id(update.effective_user.id)
    if message.chat.type == "private" and not (user and await context.uow.stores.stores_of_agent(user.id)):
        await buyer.show_orders(update, context)  # a buyer who typed /order means their orders
        return
    if not context.args:
        await answer_in_place(context, message, context.render("seller/order_usage.html", lang))
        return
    found = await _find(context, message, context.args[0], lang)
    if found is None:
        return
    button = InlineKeyboardButton(
        context.render("seller/button_message_buyer.txt", lang),
        callback_data=callbacks.encode(OUTREACH_PREFIX, "msg", found.order_id),
    )
    await context.outbox.send_message(
        message.chat_id,
        context.render("seller/order_card.html", lang, order=found),
        parse_mode="HTML",
        message_thread_id=message.message_thread_id if message.is_topic_message else None,
        reply_markup=InlineKeyboardMarkup([[button]]) if found.buyer_on_telegram else None,
    )


async def press_message_buyer(update: Update, context: AftersalesContext) -> None:
    """The order card's button: the order's ticket opens (or is found) and the agent is told where to write."""
    query, lang = update.callback_query, language_of(update)
    decoded = callbacks.decode(query.data or "")
    try:
        opened = await reach_buyer(context.uow, context.deps.clock, query.from_user.id, callbacks.first_id(decoded))
    except Refused as refusal:
        await answer_query(query, context.render("seller/outreach_refused.txt", lang, why=refusal.why), show_alert=True)
        return
    except DomainError:  # not an agent of the store any more, or the order is gone
        await answer_query(query, context.render("common/stale_button.txt", lang), show_alert=True)
        return
    ticket = await context.uow.tickets.get(opened.ticket.ticket_id)
    await announce(Desk.of(context), opened)
    where = "topic" if (ticket.support_group_id is not None) else "card"
    await answer_query(
        query,
        context.render("seller/outreach_opened.txt", lang, number=ticket.number, created=opened.created, where=where),
        show_alert=True,
    )


def handlers() -> list:
    return [
        CommandHandler("notify", notify_buyer),
        CommandHandler("order", show_order),
        CallbackQueryHandler(press_message_buyer, pattern=callbacks.pattern(OUTREACH_PREFIX)),
    ]
