"""What every audience gets: the stale-button alert and the polite error answer."""

from __future__ import annotations

import logging

from telegram import CallbackQuery, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import CallbackQueryHandler

from bot.context import AftersalesContext, language_of

log = logging.getLogger(__name__)


async def answer_query(query: CallbackQuery, text: str | None = None, *, show_alert: bool = False) -> None:
    """Answer a button press directly (not through the outbox: it is only useful now).

    A replayed update (after a crash or a retry) finds the press answered or
    expired: Telegram says "query is too old ...", which is no failure.
    """
    try:
        await query.answer(text, show_alert=show_alert)
    except BadRequest as error:
        if "query is too old" not in str(error).lower():
            raise
        log.info("button press %s was answered already or expired", query.id)


async def answer_unknown_button(update: Update, context: AftersalesContext) -> None:
    """A button we no longer know (an old message, a removed feature): say so."""
    await answer_query(
        update.callback_query, context.render("common/stale_button.txt", language_of(update)), show_alert=True
    )


async def report_error(update: object, context: AftersalesContext) -> None:
    """Log the failure and tell the user politely; never show a traceback."""
    log.error("update failed", exc_info=context.error)
    attempt = context.attempt
    if attempt is not None and not attempt.final:
        return  # the runner rolls back and retries; the user hears of it only if it gives up
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    lang = language_of(update)
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(
                context.render("common/error.txt", lang), show_alert=True
            )
        elif update.effective_chat.type == "private":
            await context.bot.send_message(
                update.effective_chat.id,
                context.render("common/error.txt", lang),
            )
    except TelegramError:
        log.warning("could not tell the user about the failure", exc_info=True)


def fallback_handlers() -> list:
    return [CallbackQueryHandler(answer_unknown_button)]
