"""Buyer-facing commands and buttons in the private chat: /start, orders, a reason's instant answers, help, /language."""

from __future__ import annotations

import logging
from collections.abc import Container
from typing import Literal

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot import callbacks, keyboards
from bot.context import AftersalesContext
from bot.conversations import buyer_conversations
from bot.handlers import buyer_views as views
from bot.handlers import tickets, welcome
from bot.handlers.common import answer_query
from bot.persistence import DraftPersistence
from domain.enums import TicketReason
from domain.errors import InvalidCode
from domain.services.binding import ORDER_LINK_PREFIX, bind_by_token
from domain.services.order_answers import eta_answer, order_status_answer

log = logging.getLogger(__name__)
_INSTANT = (TicketReason.ORDER_STATUS.value, TicketReason.SHIPPING_ETA.value)


async def start(update: Update, context: AftersalesContext) -> None:
    """Greets in the buyer's language; `/start o_<token>` first binds the linked order.

    A bare /start from an agent or moderator gets their own greeting instead."""
    user, chat_id = update.effective_user, update.effective_chat.id
    lang = await views.buyer_language(update, context)
    if context.args and context.args[0].startswith(ORDER_LINK_PREFIX):
        await bind_from_link(update, context, context.args[0], lang)
        return
    if not context.args and await welcome.answer_staff(update, context, lang, greet=True):
        return  # an agent or moderator: their own greeting, which covers buying too
    await context.outbox.send_message(
        chat_id,
        context.render("buyer/welcome.html", lang, first_name=user.first_name),
        parse_mode="HTML",
        reply_markup=keyboards.welcome_keyboard(context.deps.renderer, lang),
    )
    await views.send_orders(update, context, lang, quiet_if_none=True)


async def bind_from_link(update: Update, context: AftersalesContext, token: str, lang: str) -> None:
    user, chat_id = update.effective_user, update.effective_chat.id
    secret = context.deps.settings.link_secret
    if secret is None:
        log.warning("an order link arrived but no link_secret is configured; refusing it")
        await context.outbox.send_message(
            chat_id, context.render("buyer/link_unavailable.html", lang), parse_mode="HTML"
        )
        return
    try:
        bound = await bind_by_token(
            context.uow, context.deps.clock, secret.get_secret_value().encode(), token, user.id, user.full_name, lang
        )
    except InvalidCode:
        await context.outbox.send_message(chat_id, context.render("buyer/link_bad.html", lang), parse_mode="HTML")
        return
    await context.outbox.send_message(
        chat_id,
        context.render("buyer/link_bound.html", lang, number=bound.order_number, first_name=user.first_name),
        parse_mode="HTML",
    )
    order = await context.uow.orders.get(bound.order_id)
    await views.send_order_menu(context, chat_id, order, lang)


async def _order_button(
    update: Update,
    context: AftersalesContext,
    *,
    actions: Container[str] | None = None,
    reason_from: Literal["card", "answer"] | None = None,
):
    """(language, decoded button, order) of a pressed order button, the press answered; a stale one gets
    the alert and no order. `reason_from`: the button's action is a reason, pressed on the order's card or
    on an answer; one that no longer fits the order (its status changed since) gets an alert saying why."""
    query = update.callback_query
    lang = await views.buyer_language(update, context)
    decoded, order = await views.order_of_button(context, query)
    if order is None or (actions is not None and decoded.action not in actions):
        await answer_query(query, context.render("common/stale_button.txt", lang), show_alert=True)
        return lang, decoded, None
    if reason_from is not None:
        verdict = views.reason_verdict(order, decoded.action)
        if not verdict.allowed:
            await views.refuse_reason(
                context, query, order, decoded.action, verdict.why, lang, on_card=reason_from == "card"
            )
            return lang, decoded, None
    await answer_query(query)
    return lang, decoded, order


async def show_orders(update: Update, context: AftersalesContext) -> None:
    await views.send_orders(update, context, await views.buyer_language(update, context))


async def press_order(update: Update, context: AftersalesContext) -> None:
    query = update.callback_query
    lang, decoded, order = await _order_button(update, context)
    if order is None:
        return
    await keyboards.close_keyboard(context, query, lang)
    await views.send_order_menu(context, query.message.chat.id, order, lang)


async def answer_status_or_eta(update: Update, context: AftersalesContext) -> None:
    """Reasons 4-5 answered at once from the order's data; a ticket only when data is missing."""
    query = update.callback_query
    lang, decoded, order = await _order_button(update, context, reason_from="card")
    if order is None:
        return
    reason, chat_id = decoded.action, query.message.chat.id
    today = context.deps.clock.now().date()
    answer = (
        order_status_answer(order, today=today)
        if reason == TicketReason.ORDER_STATUS
        else eta_answer(order, today=today)
    )
    await context.outbox.send_message(
        chat_id,
        context.render("buyer/order_answer.html", lang, answer=answer, reason=reason),
        parse_mode="HTML",
        reply_markup=None if answer.needs_seller else views.ask_seller_keyboard(context, lang, reason, order.id),
    )
    if answer.needs_seller:
        await views.open_and_announce(context, chat_id, query.from_user.id, order.id, reason, lang)


async def ask_the_seller(update: Update, context: AftersalesContext) -> None:
    query = update.callback_query
    lang, decoded, order = await _order_button(update, context, actions=_INSTANT, reason_from="answer")
    if order is None:
        return
    await keyboards.close_keyboard(context, query, lang)
    await views.open_and_announce(context, query.message.chat.id, query.from_user.id, order.id, decoded.action, lang)


async def press_help_button(update: Update, context: AftersalesContext) -> None:
    query = update.callback_query
    lang = await views.buyer_language(update, context)
    decoded = callbacks.decode(query.data or "")
    action = decoded.action if decoded else ""
    chat_id = query.message.chat.id
    if action == "orders":
        await answer_query(query, context.render("buyer/orders_toast.txt", lang))
        await views.send_orders(update, context, lang)
    elif action == "help":
        await answer_query(query)
        await send_help(context, chat_id, lang)
    elif action in views.SELF_SERVICE_TOPICS:
        await answer_query(query)
        await context.outbox.send_message(
            chat_id, context.render(f"buyer/self_service/{action}.html", lang), parse_mode="HTML"
        )
    else:
        await answer_query(query, context.render("common/stale_button.txt", lang), show_alert=True)


async def send_help(context: AftersalesContext, chat_id: int, lang: str) -> None:
    await context.outbox.send_message(
        chat_id,
        context.render("buyer/help.html", lang),
        parse_mode="HTML",
        reply_markup=views.help_keyboard(context, lang),
    )


async def help_command(update: Update, context: AftersalesContext) -> None:
    lang = await views.buyer_language(update, context)
    if await welcome.answer_staff(update, context, lang, greet=False):
        return  # an agent's or moderator's help, with a line on buying
    await send_help(context, update.effective_chat.id, lang)


async def choose_language(update: Update, context: AftersalesContext) -> None:
    lang = await views.buyer_language(update, context)
    await context.outbox.send_message(
        update.effective_chat.id,
        context.render("buyer/language_choose.html", lang),
        parse_mode="HTML",
        reply_markup=views.language_keyboard(context, lang),
    )


async def press_language(update: Update, context: AftersalesContext) -> None:
    query = update.callback_query
    decoded = callbacks.decode(query.data or "")
    chosen = decoded.args[0] if decoded and decoded.args else ""
    if chosen not in ("en", "zh"):
        await answer_query(
            query,
            context.render("common/stale_button.txt", await views.buyer_language(update, context)),
            show_alert=True,
        )
        return
    user = query.from_user
    row = await context.uow.users.get_or_create(
        user.id, at=context.deps.clock.now(), display_name=user.full_name, language=chosen
    )
    row.language = chosen  # a preference, no business rule: the next text is rendered in it
    await answer_query(query)
    await keyboards.close_keyboard(context, query, chosen)
    await context.outbox.send_message(
        query.message.chat.id, context.render("buyer/language_set.html", chosen), parse_mode="HTML"
    )


async def nothing_to_cancel(update: Update, context: AftersalesContext) -> None:
    """/cancel outside any flow (inside one, the flow's own fallback answers it first)."""
    lang = await views.buyer_language(update, context)
    await context.outbox.send_message(
        update.effective_chat.id, context.render("buyer/nothing_to_cancel.html", lang), parse_mode="HTML"
    )


def command_handlers() -> list:
    """Commands and buttons; they come after the conversations (see bot.conversations.handlers)."""
    private = filters.ChatType.PRIVATE
    instant = "|".join(_INSTANT)
    return [
        CommandHandler("start", start, filters=private),
        CommandHandler("orders", show_orders, filters=private),
        CommandHandler("help", help_command, filters=private),
        CommandHandler("language", choose_language, filters=private),
        CommandHandler("cancel", nothing_to_cancel, filters=private),
        CallbackQueryHandler(press_order, pattern=callbacks.pattern(views.ORDER_PREFIX)),
        CallbackQueryHandler(answer_status_or_eta, pattern=rf"^{views.REASON_PREFIX}:({instant}):"),
        CallbackQueryHandler(ask_the_seller, pattern=callbacks.pattern(views.ASK_PREFIX)),
        CallbackQueryHandler(press_help_button, pattern=callbacks.pattern(views.HELP_PREFIX)),
        CallbackQueryHandler(press_language, pattern=callbacks.pattern(views.LANGUAGE_PREFIX)),
    ]


def handlers(*, persistent: bool = False) -> list:
    """Every buyer handler in matching order: conversations, commands and buttons, then free text."""
    leaving = {
        "start": start,
        "orders": show_orders,
        "tickets": tickets.list_tickets,
        "help": help_command,
        "language": choose_language,
    }
    return [
        *buyer_conversations(leaving=leaving, persistent=persistent),
        *command_handlers(),
        *tickets.handlers(),
        *tickets.free_text_handlers(),
    ]


def register(application: Application) -> None:
    """The buyer's handlers; with a database, their conversations survive a restart (bot.persistence)."""
    uow_factory = getattr(getattr(application, "deps", None), "uow_factory", None)
    if uow_factory is not None and application.persistence is None:
        # Set here rather than in the builder so that registering stays one line in bot.app.
        application.persistence = DraftPersistence(uow_factory)
        application.persistence.set_bot(application.bot)
    for handler in handlers(persistent=application.persistence is not None):
        application.add_handler(handler)
