"""Buyer-facing commands and buttons in the private chat."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot import callbacks, keyboards
from bot.context import AftersalesContext, language_of
from bot.handlers.common import answer_query


async def start(update: Update, context: AftersalesContext) -> None:
    lang = language_of(update)
    user = update.effective_user
    text = context.render("buyer/welcome.html", lang, first_name=user.first_name if user else "")
    await context.outbox.send_message(
        update.effective_chat.id,
        text,
        parse_mode=ParseMode.HTML,
        reply_markup=keyboards.welcome_keyboard(context.deps.renderer, lang),
    )


async def press_help_button(update: Update, context: AftersalesContext) -> None:
    query = update.callback_query
    lang = language_of(update)
    decoded = callbacks.decode(query.data or "")
    action = decoded.action if decoded else ""
    if action == "orders":
        await answer_query(query, context.render("buyer/orders_toast.txt", lang))
        await context.outbox.send_message(
            query.message.chat.id, context.render("buyer/no_orders.html", lang), parse_mode=ParseMode.HTML
        )
    elif action == "help":
        await answer_query(query)
        await context.outbox.send_message(
            query.message.chat.id, context.render("buyer/help.html", lang), parse_mode=ParseMode.HTML
        )
    else:
        await answer_query(query, context.render("common/stale_button.txt", lang), show_alert=True)


def handlers() -> list:
    return [
        CommandHandler("start", start, filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(press_help_button, pattern=callbacks.pattern("hlp")),
    ]
